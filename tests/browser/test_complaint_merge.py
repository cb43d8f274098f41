"""In Chromium: a consumer-protection officer merges a repeat complaint into the one still in handling, from
the repeat's page; the repeat shows as merged with both clocks stopped, the primary lists it (en, then zh-hans)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from finassure.accounts.roles import Role
from finassure.service import services
from finassure.service.models import Complaint
from tests.service.factories import make_complaint
from tests.support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def _sign_in_in_english(page: Any, base: str, user: Any) -> None:
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(f"{base}/accounts/login/")
    page.click("#language-switch button[value=en]")
    page.wait_for_load_state()
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", _code(device))
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_an_officer_merges_a_repeat_complaint_and_both_its_clocks_stop(page: Any, live_server: Any, org: Any,
                                                                       make_user: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing", username="zheng.cpo")
    now = timezone.now()
    primary = make_complaint(org.haidian, actor=officer, received_at=now - dt.timedelta(days=3))
    services.complaint_accept(actor=officer, complaint=primary, at=now - dt.timedelta(days=3))
    repeat = make_complaint(org.haidian, actor=officer, received_at=now - dt.timedelta(hours=5),
                            subject="再次投诉：理财亏损", text="上周已投诉，至今没有答复。")
    services.complaint_accept(actor=officer, complaint=repeat, at=now - dt.timedelta(hours=4))
    base = live_server.url
    _sign_in_in_english(page, base, officer)
    page.console_errors.clear()  # only this module's pages are judged here

    page.goto(f"{base}/service/complaints/")
    page.click(f"text={repeat.tracking_number}")
    page.wait_for_selector("#complaint-status")
    assert page.locator("#clocks .clock-running").count() == 2  # both clocks run before the merge
    page.click("#action-merge summary")
    page.select_option("#id_merge-primary", str(primary.pk))
    page.fill("#id_merge-reason", "同一客户就同一事项再次投诉")
    page.click("#action-merge button[type=submit]")
    page.wait_for_selector("#complaint-status:has-text('Merged (repeat complaint)')")

    repeat.refresh_from_db()
    assert repeat.status == Complaint.Status.MERGED and repeat.merged_into_id == primary.pk
    assert page.locator("#clocks .clock-met").count() == 2  # both stopped, within their time
    clocks = page.locator("#clocks").inner_text()
    assert "Internal SLA: met" in clocks and "Regulatory deadline: met" in clocks
    assert "Merged into another complaint (repeat)" in page.locator("#timeline").inner_text()
    assert page.locator("#action-merge").count() == 0  # nothing left to merge

    page.click(f"a[href='{primary.get_absolute_url()}']")  # "Merged into" the primary
    page.wait_for_selector(f"text={repeat.tracking_number}")
    assert "Merged repeat complaints" in page.content()
    assert "A repeat complaint was merged into this one" in page.locator("#timeline").inner_text()
    assert page.locator("#clocks .clock-met").count() == 0  # the primary keeps its own clocks running

    page.goto(f"{base}{repeat.get_absolute_url()}")
    page.click("#language-switch button[value=zh-hans]")
    page.wait_for_selector("#complaint-status:has-text('已合并（重复投诉）')")
    assert "已合并至" in page.content()
    assert page.console_errors == []
