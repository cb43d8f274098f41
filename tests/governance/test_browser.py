"""In a real browser: a policy goes from draft to effective with review, approval and attestation; the risk
heat map draws without script or CSP errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts.roles import Role
from finassure.governance.models import Policy
from tests.governance import factories as f
from tests.support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    """Opens a signed-in page per user; closes every context before the live server goes away."""
    contexts: list[Any] = []

    def open_for(user: Any) -> Any:
        page = _signed_in(browser, live_server.url, user)
        contexts.append(page.context)
        return page

    yield open_for
    for context in contexts:
        context.close()


def _signed_in(browser: Any, base: str, user: Any) -> Any:
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page = browser.new_context(locale="en-US").new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", f"{totp.token():06d}")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_a_policy_goes_from_draft_to_effective_and_is_acknowledged(signed_in: Any, live_server: Any, org: Any,
                                                                   make_user: Any) -> None:
    base = live_server.url
    author = make_user(Role.QUALITY_MANAGER, username="chen.quality")
    approver = make_user(Role.RISK_MANAGER, username="liu.risk")
    teller = make_user(Role.EMPLOYEE, unit="haidian", username="wu.teller")
    position = f.make_position(org.haidian, holders=[teller])

    writer = signed_in(author)
    writer.goto(f"{base}/governance/policies/new/")
    writer.select_option("#id_org_unit", str(org.beijing.pk))
    writer.fill("#id_code", "BJ-CZ-001")
    writer.fill("#id_title", "柜面业务操作规程")
    writer.select_option("#id_kind", "procedure")
    writer.select_option("#id_positions", str(position.pk))
    writer.fill("#id_body", "第一条 大额现金业务实行双人复核。")
    writer.click("#edit-form button[type=submit]")
    writer.wait_for_selector("#version-table")
    policy = Policy.objects.get(code="BJ-CZ-001")
    writer.click("form[action$='/submit/'] button")
    writer.wait_for_selector("#workflow")

    checker = signed_in(approver)
    checker.goto(f"{base}/governance/policies/{policy.pk}/")
    checker.select_option("#id_decision", "accept")
    checker.click("form[action$='/review/'] button")
    checker.click("form[action$='/approve/'] button")
    checker.wait_for_selector("form[action$='/publish/']")  # approved: it may now be put in force

    writer.goto(f"{base}/governance/policies/{policy.pk}/")
    writer.fill("#id_effective_from", timezone.localdate().isoformat())
    writer.click("form[action$='/publish/'] button")
    writer.wait_for_selector("#completion-table")
    assert "0 / 1" in writer.locator("#completion-table").inner_text()

    reader = signed_in(teller)
    reader.goto(f"{base}/governance/attestations/")
    reader.click("#attestation-table a")
    reader.click("form[action$='/confirm/'] button")
    reader.wait_for_url(f"{base}/governance/attestations/")
    assert "To read" not in reader.locator("#attestation-table").inner_text()
    policy.refresh_from_db()
    assert policy.effective_version is not None and policy.effective_version.attestations.get().confirmed_at
    assert writer.console_errors == checker.console_errors == reader.console_errors == []


def test_the_risk_heat_map_draws_without_errors(signed_in: Any, live_server: Any, org: Any, make_user: Any) -> None:
    manager = make_user(Role.RISK_MANAGER, username="liu.risk")
    f.make_risk(org.beijing, residual=(3, 4))
    page = signed_in(manager)
    page.goto(f"{live_server.url}/governance/risks/")
    page.wait_for_selector("#risk-heatmap canvas")
    assert page.console_errors == []
