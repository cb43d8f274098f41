"""Sign-in: password plus TOTP, replay and lockout, enrolment at first sign-in, forced password change."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts import services
from finassure.accounts.roles import Role
from finassure.platform.models import AuditEvent
from tests.support import PASSWORD

pytestmark = pytest.mark.django_db


def totp_now(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def enrolled(make_user: Any) -> tuple[Any, TOTPDevice]:
    user = make_user(Role.QUALITY_MANAGER)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def sign_in(client: Any, username: str, password: str = PASSWORD, code: str = "") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password, "otp_token": code})


def test_it_signs_in_with_password_and_totp(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    response = sign_in(client, user.username, code=totp_now(device))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()


def test_it_refuses_a_wrong_password_and_records_it(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    response = sign_in(client, user.username, password="Wrong-Password-1", code=totp_now(device))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.detail["username"] == user.username and event.outcome == "failure"
    assert "Wrong-Password-1" not in str(event.detail)


def test_it_refuses_a_wrong_totp_code_and_records_a_2fa_failure(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    wrong = f"{(int(totp_now(device)) + 1) % 1_000_000:06d}"
    response = sign_in(client, user.username, code=wrong)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.2fa_failed", detail__username=user.username).exists()


def test_it_refuses_a_replayed_totp_code(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    code = totp_now(device)
    assert sign_in(client, user.username, code=code).status_code == 302
    client.post("/accounts/logout/")
    response = sign_in(client, user.username, code=code)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_backup_code_works_once(client: Any, enrolled: Any) -> None:
    user, _ = enrolled
    codes = services.backup_codes_regenerate(actor=user)
    assert sign_in(client, user.username, code=codes[0]).status_code == 302
    client.post("/accounts/logout/")
    assert sign_in(client, user.username, code=codes[0]).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=5)
def test_it_locks_the_account_after_five_failures(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    for _ in range(4):
        assert sign_in(client, user.username, password="Wrong-Password-1").status_code == 200
    assert sign_in(client, user.username, password="Wrong-Password-1").status_code == 429
    # Even the right password and code are refused while locked.
    response = sign_in(client, user.username, code=totp_now(device))
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()


@override_settings(AXES_FAILURE_LIMIT=5)
def test_wrong_totp_codes_count_toward_the_lockout(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    statuses = [sign_in(client, user.username, code="000000").status_code for _ in range(5)]
    assert statuses[-1] == 429


@override_settings(AXES_FAILURE_LIMIT=5)
def test_a_security_administrator_unlocks_an_account(client: Any, enrolled: Any, make_user: Any,
                                                    login_client: Any) -> None:
    user, device = enrolled
    for _ in range(5):
        sign_in(client, user.username, password="Wrong-Password-1")
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    services.security_unlock(actor=admin, user=user)
    client.logout()
    assert sign_in(client, user.username, code=totp_now(device)).status_code == 302


def test_a_new_user_must_enrol_a_second_factor_first(client: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    assert sign_in(client, user.username).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/setup/"
    page = client.get("/accounts/2fa/setup/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    confirmed = client.post("/accounts/2fa/setup/", {"token": totp_now(device)})
    assert confirmed.status_code == 200
    assert confirmed.content.count(b"<li>") == services.BACKUP_CODE_COUNT
    assert client.get("/").status_code == 200


def test_enrolment_refuses_a_wrong_code(client: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    sign_in(client, user.username)
    client.get("/accounts/2fa/setup/")
    response = client.post("/accounts/2fa/setup/", {"token": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get("/").status_code == 302


def test_an_enrolled_user_cannot_enrol_again_with_only_a_password(client: Any, enrolled: Any) -> None:
    user, _ = enrolled
    client.force_login(user)  # a session without the second factor
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_temporary_password_must_be_changed(client: Any, org: Any, login_client: Any) -> None:
    user, temporary = services.user_create(actor=None, username="newbie", display_name="新人", org_unit=org.beijing)
    services.role_assign(actor=None, user=user, role=Role.EMPLOYEE, org_unit=org.beijing)
    assert temporary and user.must_change_password
    login_client(user)
    assert client.get("/")["Location"] == "/accounts/password/"
    response = client.post("/accounts/password/", {"old_password": temporary, "new_password": "Another-Secret-77",
                                                   "new_password2": "Another-Secret-77"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password("Another-Secret-77")


@override_settings(DEMO_2FA_EXEMPT=True)
def test_demo_users_may_skip_2fa_only_when_exempt(client: Any, make_user: Any) -> None:
    demo_user = make_user(Role.EMPLOYEE, is_demo=True)
    real_user = make_user(Role.EMPLOYEE)
    sign_in(client, demo_user.username)
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, real_user.username)
    assert client.get("/").status_code == 302


def test_sign_out_is_recorded(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    sign_in(client, user.username, code=totp_now(device))
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()
    assert client.get("/").status_code == 302


def test_the_open_redirect_is_refused(client: Any, enrolled: Any) -> None:
    user, device = enrolled
    response = client.post("/accounts/login/?next=https://evil.example/", {
        "username": user.username, "password": PASSWORD, "otp_token": totp_now(device),
        "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_signing_in_hands_a_saved_language_to_the_browser(client: Any, enrolled: Any) -> None:
    from django.conf import settings

    user, device = enrolled
    response = sign_in(client, user.username, code=totp_now(device))
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies  # none saved: the browser keeps its own
    client.post("/accounts/logout/")
    user.language = "en"
    user.save(update_fields=["language"])
    response = sign_in(client, user.username, code=totp_now(device, offset=1))
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    client.post("/accounts/logout/")
    assert client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")["Content-Language"] == "en"
