"""Incident services: report, lifecycle with timestamps, refusals, deadlines by grade and institution, timers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.incidents import selectors, services
from finassure.incidents.models import Grade, Incident, IncidentAlert, IncidentEvent, ReportingRule, Status
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.incidents.helpers import incident_type, make_incident

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _report(actor: Any, org: Any, *, code: str = "infosec", grade: str = Grade.GENERAL, now: dt.datetime = T0,
            **kwargs: Any) -> Incident:
    return services.incident_report(actor=actor, org_unit=org.haidian, incident_type=incident_type(code),
                                    title="网银登录异常", grade=grade, now=now, **kwargs)


def test_anyone_in_the_institution_can_report_and_the_on_duty_role_is_alerted(org: Any, make_user: Any) -> None:
    on_duty = make_user(Role.SECURITY_OFFICER, unit="beijing")
    employee = make_user(Role.EMPLOYEE, unit="haidian")
    incident = _report(employee, org)
    assert incident.status == Status.REPORTED
    assert incident.reference == f"INC-2026-{incident.pk:05d}"
    assert incident.ack_due_at == T0 + dt.timedelta(hours=2)
    alert = incident.alerts.get()
    assert alert.kind == IncidentAlert.Kind.REPORTED
    assert list(alert.recipients.all()) == [on_duty]
    from finassure.framework.models import Notification

    note = Notification.objects.get(recipient=on_duty)
    assert (note.kind, note.url) == ("assigned", f"/incidents/{incident.pk}/")
    assert incident.events.get().to_status == Status.REPORTED
    assert AuditEvent.objects.filter(action="incident.report", object_id=str(incident.pk)).exists()


def test_read_only_roles_cannot_report(org: Any, make_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        _report(make_user(Role.EXECUTIVE, unit="haidian"), org)


def test_a_report_without_a_title_or_from_the_future_is_refused_and_nothing_is_saved(org: Any,
                                                                                     make_user: Any) -> None:
    employee = make_user(Role.EMPLOYEE, unit="haidian")
    with pytest.raises(ValidationFailed) as exc:
        services.incident_report(actor=employee, org_unit=org.haidian, incident_type=incident_type(), title=" ",
                                 now=T0)
    assert "title" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        _report(employee, org, occurred_at=T0 + dt.timedelta(hours=1))
    assert "occurred_at" in exc.value.fields
    assert Incident.objects.count() == 0


def test_the_lifecycle_records_each_timestamp_and_a_timeline(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    for minutes, step in ((30, Status.ACKNOWLEDGED), (90, Status.CONTAINED), (200, Status.RESOLVED)):
        incident = services.incident_transition(actor=officer, incident=incident, to_status=step,
                                                now=T0 + dt.timedelta(minutes=minutes))
    assert incident.acknowledged_at == T0 + dt.timedelta(minutes=30)
    assert incident.contained_at == T0 + dt.timedelta(minutes=90)
    assert incident.resolved_at == T0 + dt.timedelta(minutes=200)
    assert incident.commander == officer  # whoever acknowledges commands until someone is named
    steps = list(incident.events.filter(kind=IncidentEvent.Kind.STATUS).values_list("to_status", flat=True))
    assert steps == [Status.REPORTED, Status.ACKNOWLEDGED, Status.CONTAINED, Status.RESOLVED]
    assert AuditEvent.objects.filter(action="incident.resolved").count() == 1


def test_steps_cannot_be_skipped_or_repeated(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    with pytest.raises(Conflict):
        services.incident_transition(actor=officer, incident=incident, to_status=Status.RESOLVED, now=T0)
    with pytest.raises(ValidationFailed):
        services.incident_transition(actor=officer, incident=incident, to_status=Status.CLOSED, now=T0)
    services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED, now=T0)
    with pytest.raises(Conflict):
        services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED, now=T0)


def test_a_backdated_step_needs_a_reason_which_is_kept_and_audited(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    now = T0 + dt.timedelta(hours=3)
    earlier = T0 + dt.timedelta(minutes=40)
    with pytest.raises(ValidationFailed) as exc:
        services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED, at=earlier,
                                     now=now)
    assert "reason" in exc.value.fields
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    incident = services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED,
                                            at=earlier, reason="值班电话确认，系统补录", now=now)
    assert incident.acknowledged_at == earlier
    event = incident.events.get(to_status=Status.ACKNOWLEDGED)
    assert event.backdate_reason == "值班电话确认，系统补录"
    record = AuditEvent.objects.get(action="incident.acknowledged")
    assert record.detail["backdate_reason"] == "值班电话确认，系统补录"


def test_out_of_order_and_future_times_are_refused(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    with pytest.raises(ValidationFailed, match="earlier than the previous stage"):
        services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED,
                                     at=T0 - dt.timedelta(minutes=5), reason="x", now=T0 + dt.timedelta(hours=1))
    with pytest.raises(ValidationFailed, match="future"):
        services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED,
                                     at=T0 + dt.timedelta(hours=2), now=T0 + dt.timedelta(hours=1))


def test_managing_an_incident_outside_ones_units_is_refused(org: Any, make_user: Any) -> None:
    incident = _report(make_user(Role.EMPLOYEE, unit="haidian"), org)
    outsider = make_user(Role.SECURITY_OFFICER, unit="shanghai")
    with pytest.raises(PermissionDenied):
        services.incident_transition(actor=outsider, incident=incident, to_status=Status.ACKNOWLEDGED, now=T0)


@pytest.mark.parametrize(("kind", "critical", "code", "grade", "minutes"), [
    ("bank", False, "infosec", Grade.SERIOUS, 30),       # banking IT emergency: first report in 30 min
    ("bank", False, "fraud", Grade.SERIOUS, 240),        # not IT: the national 4 h rule
    ("bank", True, "fraud", Grade.MAJOR, 60),            # critical information infrastructure: 1 h
    ("securities", False, "infosec", Grade.MAJOR, 240),  # the banking rule is for banks only
    ("bank", False, "infosec", Grade.GENERAL, None),     # general incidents: no regulatory deadline by default
])
def test_the_reporting_deadline_follows_grade_institution_and_type(org: Any, make_user: Any, kind: str,
                                                                    critical: bool, code: str, grade: str,
                                                                    minutes: int | None) -> None:
    org.institution.kind = kind
    org.institution.is_critical_infrastructure = critical
    org.institution.save()
    incident = _report(make_user(Role.EMPLOYEE, unit="haidian"), org, code=code, grade=grade)
    expected = None if minutes is None else T0 + dt.timedelta(minutes=minutes)
    assert incident.report_due_at == expected


def test_reporting_rules_are_configurable(org: Any, make_user: Any) -> None:
    ReportingRule.objects.create(grade=Grade.GENERAL, minutes=12 * 60, basis="内部制度：一般事件 12 小时内报告")
    incident = _report(make_user(Role.EMPLOYEE, unit="haidian"), org, code="fraud")
    assert incident.report_due_at == T0 + dt.timedelta(hours=12)
    assert incident.report_basis == "内部制度：一般事件 12 小时内报告"


def test_regrading_moves_the_deadline_and_needs_a_reason(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    assert incident.report_due_at is None
    with pytest.raises(ValidationFailed):
        services.incident_regrade(actor=officer, incident=incident, grade=Grade.MAJOR, reason="")
    incident = services.incident_regrade(actor=officer, incident=incident, grade=Grade.MAJOR,
                                         reason="影响扩大至全行网银")
    assert incident.report_due_at == T0 + dt.timedelta(minutes=30)
    assert incident.events.filter(kind=IncidentEvent.Kind.GRADE, text__contains="影响扩大至全行网银").exists()


def test_roles_are_named_and_must_be_people_of_the_institution(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    scribe, liaison, helper = (make_user(Role.EMPLOYEE, unit="haidian") for _ in range(3))
    incident = _report(officer, org)
    services.incident_roles_set(actor=officer, incident=incident, commander=officer, scribe=scribe, liaison=liaison,
                                participants=[helper])
    incident.refresh_from_db()
    assert (incident.commander, incident.scribe, incident.liaison) == (officer, scribe, liaison)
    assert list(incident.participants.all()) == [helper]
    from tests.support import build_org, create_user

    stranger = create_user(build_org(), role=None)
    with pytest.raises(ValidationFailed):
        services.incident_roles_set(actor=officer, incident=incident, commander=stranger, scribe=None, liaison=None)


def test_timers_warn_before_and_escalate_at_breach_once_each(org: Any, make_user: Any) -> None:
    org.institution.kind = "bank"
    org.institution.save()
    on_duty = make_user(Role.SECURITY_OFFICER, unit="beijing")
    executive = make_user(Role.EXECUTIVE, unit="head")
    incident = _report(make_user(Role.EMPLOYEE, unit="haidian"), org, grade=Grade.SERIOUS)
    assert incident.report_due_at == T0 + dt.timedelta(minutes=30)

    assert services.timers_check(now=T0 + dt.timedelta(minutes=10)) == []
    # 25 minutes in: the 30-minute report is due soon (less than a quarter left)
    assert services.timers_check(now=T0 + dt.timedelta(minutes=25)) == [(incident.reference, "report", "warning")]
    assert services.timers_check(now=T0 + dt.timedelta(minutes=26)) == []
    # 31 minutes: the report deadline is missed; escalated to executives
    assert services.timers_check(now=T0 + dt.timedelta(minutes=31)) == [(incident.reference, "report", "breach")]
    breach = incident.alerts.get(kind=IncidentAlert.Kind.BREACH, timer="report")
    assert executive in breach.recipients.all() and on_duty in breach.recipients.all()
    from finassure.framework.models import Notification

    assert Notification.objects.filter(recipient=executive, kind="overdue").count() == 1
    # 1 h 40: acknowledgement due soon; 2 h 01: missed
    assert services.timers_check(now=T0 + dt.timedelta(minutes=100)) == [(incident.reference, "ack", "warning")]
    assert services.timers_check(now=T0 + dt.timedelta(minutes=121)) == [(incident.reference, "ack", "breach")]
    assert services.timers_check(now=T0 + dt.timedelta(hours=5)) == []
    assert AuditEvent.objects.filter(action="incident.timer_breach").count() == 2
    assert incident.events.filter(kind=IncidentEvent.Kind.ALERT).count() == 4


def test_a_timer_met_in_time_raises_nothing(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org)
    services.incident_transition(actor=officer, incident=incident, to_status=Status.ACKNOWLEDGED,
                                 now=T0 + dt.timedelta(minutes=20))
    assert services.timers_check(now=T0 + dt.timedelta(hours=3)) == []


def test_recording_the_regulator_report_stops_the_report_timer_once(org: Any, make_user: Any) -> None:
    org.institution.kind = "bank"
    org.institution.save()
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = _report(officer, org, grade=Grade.MAJOR)
    incident = services.incident_regulator_report(actor=officer, incident=incident, note="电话报告监管部门",
                                                  now=T0 + dt.timedelta(minutes=20))
    assert incident.regulator_reported_at == T0 + dt.timedelta(minutes=20)
    with pytest.raises(Conflict):
        services.incident_regulator_report(actor=officer, incident=incident, now=T0 + dt.timedelta(minutes=25))
    raised = services.timers_check(now=T0 + dt.timedelta(minutes=40))
    assert all(timer != "report" for _, timer, _ in raised)


def test_the_periodic_task_runs_the_timer_check(org: Any, make_user: Any) -> None:
    from finassure.incidents import tasks
    from finassure.platform import scheduling

    assert "incidents.check_timers" in {s.name for s in scheduling.schedules()}
    make_incident(org.haidian, reported_at=timezone.now() - dt.timedelta(hours=3))
    result = tasks.check_incident_timers.call()
    assert [r[1:] for r in result["raised"]] == [["ack", "breach"]]


def test_selectors_show_incidents_in_scope_and_the_reporters_own(org: Any, make_user: Any) -> None:
    inside = make_incident(org.haidian)
    make_incident(org.shanghai)
    viewer = make_user(Role.INTERNAL_AUDITOR, unit="beijing")
    assert list(selectors.incident_list(actor=viewer)) == [inside]
    reporter = make_user(Role.EMPLOYEE, unit="shanghai")
    own = make_incident(org.shanghai, reporter=reporter)
    assert list(selectors.incident_list(actor=reporter)) == [own]


def test_the_overdue_filter_finds_missed_deadlines(org: Any) -> None:
    now = timezone.now()
    late = make_incident(org.haidian, reported_at=now - dt.timedelta(hours=3))
    make_incident(org.haidian, reported_at=now - dt.timedelta(minutes=10))
    make_incident(org.haidian, reported_at=now - dt.timedelta(hours=3), acknowledged_at=now - dt.timedelta(hours=2))
    from tests.support import create_user

    viewer = create_user(org, role=Role.RISK_MANAGER, unit="head")
    found = selectors.incident_list(actor=viewer, filters=selectors.IncidentFilter(timer="overdue"), now=now)
    assert list(found) == [late]


def test_a_stale_incident_object_never_writes_old_values_back(org: Any, make_user: Any) -> None:
    org.institution.kind = "bank"
    org.institution.save()
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    stale = _report(officer, org, grade=Grade.MAJOR)
    services.incident_transition(actor=officer, incident=stale, to_status=Status.ACKNOWLEDGED,
                                 now=T0 + dt.timedelta(minutes=5))
    services.incident_regulator_report(actor=officer, incident=stale, now=T0 + dt.timedelta(minutes=10))
    services.incident_regrade(actor=officer, incident=stale, grade=Grade.SERIOUS, reason="复核后下调",
                              now=T0 + dt.timedelta(minutes=15))
    services.incident_roles_set(actor=officer, incident=stale, commander=officer, scribe=None, liaison=None)
    fresh = Incident.objects.get(pk=stale.pk)
    assert fresh.status == Status.ACKNOWLEDGED
    assert fresh.acknowledged_at == T0 + dt.timedelta(minutes=5)
    assert fresh.regulator_reported_at == T0 + dt.timedelta(minutes=10)
    assert fresh.grade == Grade.SERIOUS
