"""In Chromium: a customer submits through the portal (FAQ suggested while typing), an officer handles the
complaint to closure in the staff pages, reveals personal data (audited), and the customer follows it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts.roles import Role
from finassure.platform.models import AuditEvent
from finassure.service.models import Complaint, FaqArticle
from tests.support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_complaint_goes_from_the_portal_to_closure(page: Any, live_server: Any, org: Any,  # noqa: F811
                                                     make_user: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    FaqArticle.objects.create(product_line="credit_card", question="信用卡年费怎么收取？",
                              answer="首年免年费，当年刷卡满6次可免次年年费。")
    base = live_server.url
    # the customer
    page.goto(f"{base}/portal/")
    page.select_option("#id_kind", "complaint")
    page.select_option("#id_org_unit", str(org.haidian.pk))
    page.select_option("#id_product_line", "credit_card")
    page.fill("#id_subject", "信用卡年费")
    page.type("#portal-text", "没有告知就扣了信用卡年费", delay=20)
    page.wait_for_selector(".faq-article")
    assert "信用卡年费怎么收取" in page.locator("#faq-suggestions").inner_text()
    page.fill("#id_complainant_name", "周九")
    page.fill("#id_complainant_phone", "13912345678")
    page.click("#portal-form button[type=submit]")
    number = page.locator("#tracking-number").inner_text().strip()
    assert Complaint.objects.get().tracking_number == number
    assert "周九" not in page.content()
    # the officer
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing", username="zheng.cpo")
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", _code(device))
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.console_errors.clear()  # only this module's pages are judged here
    page.goto(f"{base}/service/complaints/")
    page.click(f"text={number}")
    assert "139****5678" in page.locator("#pii").inner_text()
    page.click("#reveal")
    page.wait_for_selector("#revealed")
    assert "13912345678" in page.locator("#pii").inner_text()
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1
    page.click("#accept")
    page.click("#action-decide summary")
    page.fill("#id_decide-facts", "经核实，办卡时未书面告知年费政策。")
    page.fill("#id_decide-basis", "信用卡领用合约第十二条")
    page.fill("#id_decide-reasons", "告知不充分")
    page.click("#action-decide button[type=submit]")
    page.click("#action-notify summary")
    page.fill("#id_notify-reference", "SMS-0001")
    page.click("#action-notify button[type=submit]")
    page.click("#close")
    page.wait_for_selector(".clock-met")
    assert Complaint.objects.get().status == Complaint.Status.CLOSED
    assert page.console_errors == []
    # the customer again
    page.goto(f"{base}/portal/status/")
    page.fill("#id_tracking_number", number)
    page.fill("#id_phone_last4", "5678")
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#portal-status")
    page.click("a[href*='/portal/survey/']")
    page.check("input[name=rating][value='5']")
    page.click("#survey-form button[type=submit]")
    page.wait_for_selector("#survey-done")
