"""In a real browser: a policy goes from draft to effective with review, approval and attestation; the risk
heat map draws without script or CSP errors."""

from __future__ import annotations

import datetime as dt
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


def test_a_product_is_proposed_reviewed_three_times_and_approved_with_a_condition(
        signed_in: Any, live_server: Any, org: Any, make_user: Any) -> None:
    from finassure.framework import selectors as framework_selectors
    from finassure.governance.models import PRODUCT_CHECKLISTS, Product

    base = live_server.url
    people = {"proposer": make_user(Role.EMPLOYEE, unit="haidian", username="wang.product"),
              "risk": make_user(Role.RISK_MANAGER, username="liu.risk"),
              "compliance": make_user(Role.QUALITY_MANAGER, username="chen.compliance"),
              "consumer": make_user(Role.CONSUMER_PROTECTION_OFFICER, username="zheng.cpo"),
              "approver": make_user(Role.QUALITY_MANAGER, username="ma.deputy")}
    pages = []

    proposer = signed_in(people["proposer"])
    pages.append(proposer)
    proposer.goto(f"{base}/governance/products/new/")
    proposer.select_option("#id_org_unit", str(org.haidian.pk))
    proposer.fill("#id_code", "wm-steady-01")
    proposer.fill("#id_name", "稳健理财1号")
    proposer.select_option("#id_product_line", "wealth_management")
    proposer.click("#edit-form button[type=submit]")
    proposer.wait_for_selector("#product-facts")
    proposer.click("form[action$='/submit/'] button")
    proposer.wait_for_selector("#review-risk")
    product = Product.objects.get(code="wm-steady-01")
    assert product.status == "review"

    for kind in ("risk", "compliance", "consumer"):
        reviewer = signed_in(people[kind])
        pages.append(reviewer)
        reviewer.goto(f"{base}/governance/products/{product.pk}/")
        for key, _label in PRODUCT_CHECKLISTS[kind]:
            reviewer.check(f"#id_{kind}-item_{key}_0")
        reviewer.select_option(f"#id_{kind}-result", "pass")
        reviewer.click(f"form[action$='/reviews/{kind}/'] button")
        reviewer.wait_for_selector(f"#review-{kind} .badge")

    approver = signed_in(people["approver"])
    pages.append(approver)
    approver.goto(f"{base}/governance/products/{product.pk}/")
    approver.fill("#id_note", "三项审查均通过，附条件同意上线。")
    approver.fill("#id_post_launch_review_due", (timezone.localdate() + dt.timedelta(days=90)).isoformat())
    approver.fill("#id_condition_1", "上线前完成销售人员适当性培训")
    approver.select_option("#id_condition_1_owner", str(people["proposer"].pk))
    approver.fill("#id_condition_1_due", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    approver.click("#decision button")
    approver.wait_for_selector("#post-launch-due")
    product.refresh_from_db()
    assert product.status == "approved" and product.approver == people["approver"]
    condition = product.conditions.get()
    assert framework_selectors.corrective_actions_for(source=condition).get().owner == people["proposer"]
    assert "上线前完成销售人员适当性培训" in approver.locator("#conditions").inner_text()
    assert all(p.console_errors == [] for p in pages)
