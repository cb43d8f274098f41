"""In Chromium: an employee signs in, opens their trainings, takes the assigned exam and passes or fails by the mark."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from finassure.accounts.roles import Role
from finassure.training.models import Assignment, Attempt
from tests.support import PASSWORD
from tests.training.factories import assign, make_employee, make_exam

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, user: Any) -> None:  # noqa: F811 - the fixture's name
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", f"{totp.token():06d}")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("right", [True, False], ids=["passes", "fails"])
def test_an_employee_takes_an_assigned_exam_in_chromium(page: Any, live_server: Any, make_user: Any,  # noqa: F811
                                                        org: Any, right: bool) -> None:
    user = make_user(Role.EMPLOYEE, unit="haidian", username=f"exam.{int(right)}")
    employee = make_employee(org.haidian, user=user, name="周八")
    exam = make_exam(org.beijing, pass_mark=80)
    assignment = assign(employee, exam=exam)
    _sign_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/training/")
    page.click(f"#start-{exam.pk}")
    page.wait_for_selector("#exam-form")
    # the countdown script (a static file, allowed by the CSP) fills in the remaining time. Not
    # page.wait_for_function(string): when its first check comes before the script ran, Playwright polls
    # with an evaluated string, which the page's CSP (no 'unsafe-eval') refuses, so the test failed by race.
    expect(page.locator("#exam-timer")).to_have_text(re.compile(r"\S"))
    attempt = Attempt.objects.get(employee=employee)
    for item in attempt.items.select_related("question"):
        q = item.question
        chosen = q.correct if right else [len(q.options) - 1]
        for index in chosen:
            page.check(f"input[name=q_{q.pk}][value='{index}']")
    page.click("#submit-exam")
    page.wait_for_selector("#result")
    result = page.locator("#result").inner_text()
    attempt.refresh_from_db()
    assignment.refresh_from_db()
    assert attempt.passed is right
    assert ("100" in result) if right else ("0" in result)
    assert (assignment.status == Assignment.Status.COMPLETED) is right
    assert page.console_errors == []
