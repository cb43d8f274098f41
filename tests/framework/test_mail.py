"""Every e-mail finassure sends: a link the reader can open, in the reader's language; a mail server that fails costs
the mail only."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from finassure.accounts.roles import Role
from finassure.framework import notify, services
from finassure.framework.models import Notification
from tests.accounts.test_security_settings import _start

pytestmark = pytest.mark.django_db


def _assign(org: Any, owner: Any, capture: Any) -> Any:
    with capture(execute=True):
        return services.corrective_action_open(actor=None, source=None, title="整改：投诉处理超时", description="",
                                               owner=owner, due=dt.date(2026, 12, 31), org_unit=org.haidian)


def test_a_notification_mail_links_to_the_record_at_the_configured_address(
        org: Any, make_user: Any, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.FINASSURE_BASE_URL = "https://finassure.bank.example"
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="owner@example.cn")
    owner.language = "en"
    owner.save(update_fields=["language"])
    action = _assign(org, owner, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert sent.subject.startswith("[finassure] Corrective action assigned to you")
    assert f"Open in finassure: https://finassure.bank.example{action.get_absolute_url()}" in sent.body


def test_the_link_line_is_in_the_readers_language_and_a_path_without_an_address(
        org: Any, make_user: Any, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.FINASSURE_BASE_URL = ""
    settings.LANGUAGE_CODE = "zh-hans"  # the owner saved none: the institution's Chinese
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="owner@example.cn")
    action = _assign(org, owner, django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert sent.body.endswith(f"在 finassure 中打开：{action.get_absolute_url()}")


def test_a_major_complaint_mail_links_to_the_complaint(
        org: Any, make_user: Any, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    from tests.service.factories import make_complaint

    settings.FINASSURE_BASE_URL = "https://finassure.bank.example"
    make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing", email="cpo@bank.example")
    with django_capture_on_commit_callbacks(execute=True):
        complaint = make_complaint(org.haidian, actor=make_user(Role.SERVICE_AGENT, unit="haidian"), group_size=25)
    [sent] = mail.outbox
    assert sent.to == ["cpo@bank.example"] and complaint.tracking_number in sent.subject
    assert f"https://finassure.bank.example{complaint.get_absolute_url()}" in sent.body


def test_a_mail_server_that_refuses_costs_the_mail_not_the_notification(
        org: Any, make_user: Any, monkeypatch: Any, caplog: Any, django_capture_on_commit_callbacks: Any) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise smtplib.SMTPRecipientsRefused({"owner@example.cn": (550, b"no such mailbox")})

    monkeypatch.setattr(notify, "send_mail", refuse)
    owner = make_user(Role.EMPLOYEE, unit="haidian", email="owner@example.cn")
    with caplog.at_level(logging.WARNING, logger="finassure.framework.notify"):
        _assign(org, owner, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(recipient=owner).exists()
    assert "SMTPRecipientsRefused" in caplog.text and "owner@example.cn" not in caplog.text  # no address logged


def test_absolute_url_leaves_anything_but_a_path_alone(settings: Any) -> None:
    settings.FINASSURE_BASE_URL = "https://finassure.bank.example"
    assert notify.absolute_url("/service/complaints/7/") == "https://finassure.bank.example/service/complaints/7/"
    assert notify.absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert notify.absolute_url("") == ""


@pytest.mark.parametrize(("env", "complaint"), [
    ({"FINASSURE_BASE_URL": "finassure.bank.example"}, "FINASSURE_BASE_URL must start with https://"),
    ({"FINASSURE_EMAIL_TLS": "true", "FINASSURE_EMAIL_SSL": "true"}, "not both"),
    ({"FINASSURE_EMAIL_PORT": "smtp"}, "FINASSURE_EMAIL_PORT must be an integer"),
])
def test_bad_mail_settings_stop_start_up_naming_the_variable(env: dict[str, str], complaint: str,
                                                             tmp_path: Path) -> None:
    result = _start(env, tmp_path)
    assert result.returncode != 0 and complaint in result.stderr
