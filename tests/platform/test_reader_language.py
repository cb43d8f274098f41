"""Each person reads in their own language: a signed-in user's saved choice wins for their pages, and what is sent
to someone (notifications, e-mails) is written in the recipient's language, not in that of whoever caused it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from finassure.accounts import services
from finassure.accounts.models import User
from finassure.accounts.roles import Role
from finassure.framework.models import Notification
from finassure.platform.errors import ValidationFailed
from finassure.platform.language import lazy_text, user_language
from finassure.platform.models import AuditEvent
from tests.support import verified_login

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 12, 31)


@pytest.fixture(autouse=True)
def _chinese_institution(settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"


def _in(language: str, msgid: str, params: dict[str, Any]) -> str:
    with translation.override(language):
        return gettext(msgid) % params


def _speaks_english(user: Any) -> Any:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def test_a_user_saves_their_language_once_audited_and_only_an_offered_one(org: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    assert user.language == "" and user_language(user) == "zh-hans"
    services.user_set_language(actor=user, language="en")
    user.refresh_from_db()
    assert user.language == "en" and user_language(user) == "en"
    event = AuditEvent.objects.get(action="user.language", object_id=str(user.pk))
    assert event.changes["language"] == ["", "en"]
    services.user_set_language(actor=user, language="en")  # no change, no second record
    assert AuditEvent.objects.filter(action="user.language").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        services.user_set_language(actor=user, language="fr")
    assert "language" in exc.value.fields
    user.refresh_from_db()
    assert user.language == "en"


def test_the_language_switch_saves_a_signed_in_users_choice(client: Any, org: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    verified_login(client, user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.language == "en"
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})  # not offered: nothing saved
    user.refresh_from_db()
    assert user.language == "en"


def test_switching_before_signing_in_sets_only_the_cookie(client: Any, org: Any, make_user: Any) -> None:
    make_user(Role.EMPLOYEE)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert not User.objects.exclude(language="").exists()


def test_a_signed_in_users_saved_language_wins_over_the_cookie_and_the_browser(client: Any, org: Any,
                                                                               make_user: Any) -> None:
    user = _speaks_english(make_user(Role.EMPLOYEE))
    verified_login(client, user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert 'lang="en"' in response.content.decode()
    user.language = ""  # none saved: the cookie decides, as for anyone
    user.save(update_fields=["language"])
    response = client.get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "zh-hans"


def test_a_corrective_action_reaches_each_owner_in_their_language_not_the_managers(
        org: Any, make_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    from finassure.framework import services as framework

    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    chinese = make_user(Role.EMPLOYEE, unit="haidian", email="zh@example.cn")  # none saved: the institution's
    english = _speaks_english(make_user(Role.EMPLOYEE, unit="haidian", email="en@example.cn"))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # the manager reads English
        for owner in (chinese, english):
            framework.corrective_action_open(actor=manager, source=None, title="整改：投诉超时", description="",
                                             owner=owner, due=DUE, org_unit=org.haidian)
    msgid = "Corrective action assigned to you: %(title)s (due %(due)s)"
    params = {"title": "整改：投诉超时", "due": "2026-12-31"}
    zh, en = _in("zh-hans", msgid, params), _in("en", msgid, params)
    assert zh != en
    assert Notification.objects.get(recipient=chinese).title == zh
    assert Notification.objects.get(recipient=english).title == en
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"zh@example.cn": f"[finassure] {zh}", "en@example.cn": f"[finassure] {en}"}


def test_an_incident_alert_is_kept_in_the_institutions_language_and_sent_in_each_readers(
        org: Any, make_user: Any) -> None:
    from finassure.incidents import services as incidents
    from finassure.incidents.models import Grade
    from tests.incidents.helpers import incident_type

    on_duty_zh = make_user(Role.SECURITY_OFFICER, unit="beijing")
    on_duty_en = _speaks_english(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    reporter = _speaks_english(make_user(Role.EMPLOYEE, unit="haidian"))
    with translation.override("en"):
        incident = incidents.incident_report(actor=reporter, org_unit=org.haidian, incident_type=incident_type(),
                                             title="网银登录异常", grade=Grade.MAJOR)
    msgid = "New incident %(ref)s (%(grade)s): %(title)s"

    def expected(language: str) -> str:
        with translation.override(language):
            return _in(language, msgid, {"ref": incident.reference, "grade": str(Grade.MAJOR.label),
                                         "title": "网银登录异常"})

    assert expected("zh-hans") != expected("en")
    assert incident.alerts.get().message == expected("zh-hans")
    assert Notification.objects.get(recipient=on_duty_zh).title == expected("zh-hans")
    assert Notification.objects.get(recipient=on_duty_en).title == expected("en")


def test_a_parameter_that_follows_the_language_follows_the_recipients(org: Any, make_user: Any) -> None:
    from django.utils import timezone

    from finassure.training import services as training
    from tests.training.factories import assign, make_course, make_employee

    trainer_zh = make_user(Role.TRAINER, unit="beijing")
    trainer_en = _speaks_english(make_user(Role.TRAINER, unit="beijing"))
    today = timezone.localdate()
    for _ in range(2):
        assign(make_employee(org.haidian), course=make_course(org.beijing), due=today - dt.timedelta(days=1))
    with translation.override("en"):
        assert training.assignments_escalate_overdue(today=today) == 2
    assert Notification.objects.get(recipient=trainer_en).title == "2 overdue trainings in Haidian"
    title_zh = Notification.objects.get(recipient=trainer_zh).title
    assert title_zh == _in("zh-hans", "%(n)s overdue trainings in %(unit)s", {"n": 2, "unit": "海淀支行"})
    assert "海淀支行" in title_zh and "overdue" not in title_zh


def test_the_list_shows_old_notifications_in_the_language_the_reader_has_now(
        client: Any, org: Any, make_user: Any) -> None:
    from finassure.framework import services as framework

    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    owner = make_user(Role.EMPLOYEE, unit="haidian")  # none saved: reads the institution's Chinese when sent
    framework.corrective_action_open(actor=manager, source=None, title="整改：投诉超时", description="",
                                     owner=owner, due=DUE, org_unit=org.haidian)
    msgid = "Corrective action assigned to you: %(title)s (due %(due)s)"
    params = {"title": "整改：投诉超时", "due": "2026-12-31"}
    zh, en = _in("zh-hans", msgid, params), _in("en", msgid, params)
    note = Notification.objects.get(recipient=owner)
    assert note.title == zh and note.titles == {"zh-hans": zh, "en": en}
    verified_login(client, owner)
    assert zh in client.get("/framework/notifications/").content.decode()
    services.user_set_language(actor=owner, language="en")  # later: the same notification, now in English
    page = client.get("/framework/notifications/").content.decode()
    assert en in page and zh not in page


def test_lazy_text_is_filled_in_when_written_out() -> None:
    from django.utils.translation import gettext_lazy

    text = lazy_text(gettext_lazy("Corrective action reopened: %(title)s"), {"title": "T"})
    with translation.override("en"):
        assert str(text) == "Corrective action reopened: T"
    with translation.override("zh-hans"):
        assert str(text) == _in("zh-hans", "Corrective action reopened: %(title)s", {"title": "T"})
        assert str(text) != "Corrective action reopened: T"


def test_a_major_complaint_mail_reaches_each_officer_in_their_language(
        org: Any, make_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    from tests.service.factories import make_complaint

    make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing", email="zh@example.cn")
    _speaks_english(make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing", email="en@example.cn"))
    agent = make_user(Role.SERVICE_AGENT, unit="haidian")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # an English-speaking agent
        complaint = make_complaint(org.haidian, actor=agent, group_size=25)
    assert complaint.is_major
    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    number = {"number": complaint.tracking_number}
    assert subjects == {("zh@example.cn",): "[finassure] " + _in("zh-hans", "Major complaint %(number)s", number),
                        ("en@example.cn",): "[finassure] " + _in("en", "Major complaint %(number)s", number)}
    assert subjects[("zh@example.cn",)] != subjects[("en@example.cn",)]
    body_zh = next(m.body for m in mail.outbox if m.to == ["zh@example.cn"])
    assert "25" in body_zh and "Start the emergency plan" not in body_zh


def test_a_note_a_service_writes_on_a_record_is_in_the_institutions_language_whoever_asked(
        org: Any, make_user: Any) -> None:
    from finassure.service import services as service
    from tests.service.factories import make_complaint

    agent = _speaks_english(make_user(Role.SERVICE_AGENT, unit="beijing"))
    complaint = make_complaint(org.haidian, actor=agent)
    with translation.override("en"):  # the agent's request is in English
        service.complaint_route(actor=agent, complaint=complaint, org_unit=org.beijing)
    note = complaint.events.filter(kind="note").last().note
    assert note == _in("zh-hans", "Routed from %(from)s to %(to)s", {"from": "海淀支行", "to": "北京分行"})
    assert "Haidian" not in note and "Routed" not in note


def test_record_text_fills_in_and_writes_out_in_the_institutions_language(settings: Any) -> None:
    from django.utils.translation import gettext_lazy

    from finassure.platform.language import record_text

    with translation.override("en"):
        assert record_text(gettext_lazy("Remedy: %(title)s"), {"title": "T"}) == _in(
            "zh-hans", "Remedy: %(title)s", {"title": "T"})
        settings.LANGUAGE_CODE = "en"  # an institution that works in English
        assert record_text(gettext_lazy("Remedy: %(title)s"), {"title": "T"}) == "Remedy: T"


def test_a_user_sets_their_own_language_through_the_api(client: Any, org: Any, make_user: Any) -> None:
    import json

    user = make_user(Role.EMPLOYEE)
    _, raw = services.token_create(actor=user, name="cli", read_only=False)
    _, read_only = services.token_create(actor=user, name="ro", read_only=True)

    def patch(body: dict[str, Any], token: str = raw) -> Any:
        return client.generic("PATCH", "/api/v1/me", data=json.dumps(body), content_type="application/json",
                              HTTP_AUTHORIZATION=f"Bearer {token}")

    response = patch({"language": "en"})
    assert response.status_code == 200 and response.json()["language"] == "en"
    user.refresh_from_db()
    assert user.language == "en"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["language"] == "en"
    assert patch({"language": "fr"}).status_code == 400
    assert patch({"language": "zh-hans"}, token=read_only).status_code == 403
    assert patch({"language": ""}).json()["language"] == ""  # back to the institution's
    user.refresh_from_db()
    assert user.language == "" and AuditEvent.objects.filter(action="user.language").count() == 2


def test_an_administrator_sees_a_users_language(client: Any, org: Any, make_user: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    subject = make_user(Role.EMPLOYEE, unit="haidian")
    verified_login(client, admin)
    url = f"/accounts/users/{subject.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dt class="col-5">Language</dt><dd class="col-7">the institution\'s</dd>' in page
    _speaks_english(subject)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dt class="col-5">Language</dt><dd class="col-7">English</dd>' in page
