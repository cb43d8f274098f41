"""Incident settings: the security administrator configures types (on-duty role, acknowledgement deadline),
reporting rules per grade and institution type, and review due days; changes are audited and take effect on
incidents reported afterwards; bad values change nothing; other roles cannot."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.incidents import services
from finassure.incidents.models import IncidentSettings, IncidentType, ReportingRule, Status
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.incidents.helpers import incident_type, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.SECURITY_ADMIN, unit="head")


def test_a_new_type_is_offered_and_its_on_duty_role_and_deadline_apply(
    admin: Any, org: Any, make_user: Any
) -> None:
    trainer = make_user(Role.TRAINER, unit="head")
    kind = services.incident_type_save(
        actor=admin,
        code="atm-fault",
        name="ATM 故障",
        name_en="ATM fault",
        on_duty_role=Role.TRAINER,
        ack_hours=Decimal("0.5"),
        is_it=True,
        order=5,
    )
    reporter = make_user(Role.EMPLOYEE, unit="haidian")
    now = timezone.now()

    incident = services.incident_report(
        actor=reporter, org_unit=org.haidian, incident_type=kind, title="ATM 吞卡", now=now
    )

    assert incident.ack_due_at == now + dt.timedelta(minutes=30)
    assert list(incident.alerts.get().recipients.all()) == [trainer]
    event = AuditEvent.objects.get(action="incident_type.create")
    assert event.changes["on_duty_role"] == [None, "trainer"] and event.changes["ack_hours"] == [None, "0.50"]


def test_changing_a_type_is_audited_with_before_and_after(admin: Any) -> None:
    outage = incident_type("outage")
    services.incident_type_save(
        actor=admin, incident_type=outage, on_duty_role=Role.RISK_MANAGER, ack_hours=1
    )
    outage.refresh_from_db()
    assert (outage.on_duty_role, outage.ack_hours, outage.name) == (
        "risk_manager",
        Decimal("1.00"),
        "服务中断",
    )
    changes = AuditEvent.objects.get(action="incident_type.update").changes
    assert changes == {"on_duty_role": ["security_officer", "risk_manager"], "ack_hours": ["2.00", "1.00"]}


def test_a_reporting_rule_per_grade_and_institution_type_sets_the_deadline(
    admin: Any, org: Any, make_user: Any
) -> None:
    fraud = incident_type("fraud")  # not an IT incident: only the general rules apply
    services.reporting_rule_save(
        actor=admin,
        grade="general",
        institution_kind=org.haidian.institution.kind,
        minutes=720,
        basis="内部制度：一般事件 12 小时内报送",
    )
    services.reporting_rule_save(
        actor=admin, grade="general", institution_kind="insurance", minutes=60, basis="保险机构规则"
    )
    reporter = make_user(Role.EMPLOYEE, unit="haidian")
    now = timezone.now()
    incident = services.incident_report(
        actor=reporter, org_unit=org.haidian, incident_type=fraud, title="电信诈骗", grade="general", now=now
    )
    # The bank's own rule applies (720 min); the insurer's stricter one is for another institution type.
    assert incident.report_due_at == now + dt.timedelta(minutes=720)
    assert incident.report_basis == "内部制度：一般事件 12 小时内报送"
    assert AuditEvent.objects.filter(action="reporting_rule.create").count() == 2


def test_switching_a_rule_off_is_audited_and_new_incidents_no_longer_get_its_deadline(
    admin: Any, org: Any, make_user: Any
) -> None:
    for rule in ReportingRule.objects.filter(grade="serious"):
        services.reporting_rule_save(actor=admin, rule=rule, is_active=False)
    reporter = make_user(Role.EMPLOYEE, unit="haidian")
    incident = services.incident_report(
        actor=reporter,
        org_unit=org.haidian,
        incident_type=incident_type("outage"),
        title="网银中断",
        grade="serious",
    )
    assert incident.report_due_at is None
    assert AuditEvent.objects.filter(action="reporting_rule.update").count() == 2


def test_review_due_days_come_from_the_settings(admin: Any, org: Any, make_user: Any) -> None:
    services.incident_settings_update(actor=admin, review_due_days=3)
    manager = make_user(Role.RISK_MANAGER, unit="beijing")
    resolved = timezone.now() - dt.timedelta(hours=1)
    incident = make_incident(
        org.haidian,
        status=Status.RESOLVED,
        reported_at=resolved - dt.timedelta(hours=2),
        acknowledged_at=resolved - dt.timedelta(hours=1),
        contained_at=resolved,
        resolved_at=resolved,
    )
    review = services.review_start(actor=manager, incident=incident)
    assert review.due_on == timezone.localtime(resolved).date() + dt.timedelta(days=3)
    assert AuditEvent.objects.get(action="incident_settings.update").changes["review_due_days"] == [7, 3]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "Bad Code", "name": "x", "on_duty_role": "security_officer", "ack_hours": 1}, "code"),
        ({"code": "x", "name": "", "on_duty_role": "security_officer", "ack_hours": 1}, "name"),
        ({"code": "x", "name": "x", "on_duty_role": "nobody", "ack_hours": 1}, "on_duty_role"),
        ({"code": "x", "name": "x", "on_duty_role": "security_officer", "ack_hours": 0}, "ack_hours"),
    ],
)
def test_bad_type_values_are_refused_and_nothing_is_saved(
    admin: Any, fields: dict[str, Any], field: str
) -> None:
    before = IncidentType.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.incident_type_save(actor=admin, **fields)
    assert field in exc.value.fields
    assert IncidentType.objects.count() == before and not AuditEvent.objects.filter(
        action__startswith="incident_type"
    )


def test_bad_rule_and_settings_values_are_refused(admin: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.reporting_rule_save(
            actor=admin, grade="huge", institution_kind="casino", minutes=0, basis=""
        )
    assert set(exc.value.fields) == {"grade", "institution_kind", "minutes", "basis"}
    with pytest.raises(ValidationFailed):
        services.incident_settings_update(actor=admin, review_due_days=0)
    assert not IncidentSettings.objects.exists()


def test_a_duplicate_type_code_is_a_conflict(admin: Any) -> None:
    from finassure.platform.errors import Conflict

    with pytest.raises(Conflict):
        services.incident_type_save(
            actor=admin, code="outage", name="重复", on_duty_role="security_officer", ack_hours=2
        )


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_OFFICER, Role.RISK_MANAGER])
def test_only_the_security_administrator_configures(make_user: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.incident_settings_update(actor=make_user(role, unit="head"), review_due_days=3)


def test_the_settings_pages_save_through_the_services(admin: Any, login_client: Any) -> None:
    client = login_client(admin)
    page = client.get("/incidents/settings/").content.decode()
    assert "服务中断" in page and "Acknowledge within (hours)" in page
    outage = incident_type("outage")
    response = client.post(
        f"/incidents/settings/types/{outage.pk}/",
        {
            "code": "outage",
            "name": "服务中断",
            "name_en": "Service outage",
            "on_duty_role": "risk_manager",
            "ack_hours": "1.5",
            "is_it": "on",
            "is_active": "on",
            "order": 20,
        },
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert (
        outage.on_duty_role == "risk_manager"
        and outage.ack_hours == Decimal("1.50")
        and not outage.is_security
    )
    bad = client.post("/incidents/settings/rules/new/", {"grade": "general", "minutes": "-5", "basis": "x"})
    assert bad.status_code == 400 and not ReportingRule.objects.filter(basis="x").exists()
    assert client.post("/incidents/settings/", {"review_due_days": 10}).status_code == 302
    assert IncidentSettings.objects.get().review_due_days == 10


def test_the_settings_api_reads_and_changes(admin: Any, login_client: Any) -> None:
    client = login_client(admin)
    body = client.get("/api/v1/incident-settings").json()
    assert (
        body["review_due_days"] == 7
        and len(body["incident_types"]) == 7
        and len(body["reporting_rules"]) == 6
    )
    created = client.post(
        "/api/v1/incident-types",
        json.dumps(
            {"code": "atm", "name": "ATM 故障", "on_duty_role": "security_officer", "ack_hours": "0.25"}
        ),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["ack_hours"] == 0.25
    rule = ReportingRule.objects.filter(minutes_critical_infrastructure=60).first()
    changed = client.post(
        f"/api/v1/reporting-rules/{rule.pk}",
        json.dumps({"minutes_critical_infrastructure": None}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["minutes_critical_infrastructure"] is None
    refused = client.post(
        "/api/v1/incident-types",
        json.dumps({"code": "x y", "name": "x", "on_duty_role": "security_officer", "ack_hours": 1}),
        content_type="application/json",
    )
    assert refused.status_code == 400 and "code" in refused.json()["error"]["fields"]


def test_a_response_deadline_per_grade_and_institution_type_overrides_the_type_when_shorter(
    admin: Any, org: Any, make_user: Any
) -> None:
    kind = org.haidian.institution.kind
    services.reporting_rule_save(actor=admin, grade="major", institution_kind=kind, ack_minutes=30,
                                 basis="内部制度：重大事件 30 分钟内响应")
    services.reporting_rule_save(actor=admin, grade="general", institution_kind="", ack_minutes=600,
                                 basis="比类型时限宽松的规则不生效")
    reporter = make_user(Role.EMPLOYEE, unit="haidian")
    now = timezone.now()
    outage = incident_type("outage")  # the type's own deadline: 2 h

    major = services.incident_report(actor=reporter, org_unit=org.haidian, incident_type=outage, title="核心中断",
                                     grade="major", now=now)
    general = services.incident_report(actor=reporter, org_unit=org.haidian, incident_type=outage, title="打印机",
                                       grade="general", now=now)

    assert major.ack_due_at == now + dt.timedelta(minutes=30)
    assert general.ack_due_at == now + dt.timedelta(hours=2)
    # A response-only rule sets no report deadline for the general grade.
    assert general.report_due_at is None
    with pytest.raises(ValidationFailed) as exc:
        services.reporting_rule_save(actor=admin, grade="general", basis="两者皆无")
    assert "minutes" in exc.value.fields
