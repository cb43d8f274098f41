"""In a real browser: sign in with a password and a TOTP code, reach the dashboard, in both languages."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts.roles import Role
from tests.support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, TOTPDevice]:
    user = make_user(Role.QUALITY_MANAGER, username="chen.quality", display_name="陈质量")
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _sign_in(page: Any, base: str, user: Any, device: TOTPDevice) -> None:
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", _code(device))
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_sign_in_with_totp_reaches_the_dashboard_in_chinese(page: Any, live_server: Any, staff: Any) -> None:
    user, device = staff
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("h2").inner_text() == "登录"
    _sign_in(page, live_server.url, user, device)
    assert page.locator(".page-title").inner_text() == "工作台"
    assert "陈质量" in page.locator("#current-user").inner_text()
    assert "质量与合规经理" in page.locator("#my-roles").inner_text()
    assert page.console_errors == []


def test_sign_in_with_totp_reaches_the_dashboard_in_english(page: Any, live_server: Any, staff: Any) -> None:
    user, device = staff
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("#language-switch button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h2").inner_text() == "Sign in"
    _sign_in(page, live_server.url, user, device)
    assert page.locator(".page-title").inner_text() == "Dashboard"
    assert "Quality and compliance manager" in page.locator("#my-roles").inner_text()
    assert page.console_errors == []


def test_a_wrong_code_keeps_the_user_out(page: Any, live_server: Any, staff: Any) -> None:
    user, _ = staff
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", "000000")
    page.click("#login-form button[type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator(".field-error").count() == 1


def test_the_audit_administrator_verifies_the_chain_with_htmx(page: Any, live_server: Any, make_user: Any) -> None:
    auditor = make_user(Role.AUDIT_ADMIN, unit="head", username="zhao.audit")
    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")
    _sign_in(page, live_server.url, auditor, device)
    page.goto(f"{live_server.url}/audit/")
    page.click("button[hx-post]")
    page.wait_for_selector("#verify-ok")
    assert page.console_errors == []
