"""Builders of incident records for tests (direct, without permission checks, like fixtures)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from finassure.incidents import selectors
from finassure.incidents.models import Incident, IncidentType, PostIncidentReview, Status


def incident_type(code: str = "infosec") -> IncidentType:
    return IncidentType.objects.get(code=code)


def make_incident(unit: Any, *, reporter: Any = None, code: str = "infosec", grade: str = "general",
                  status: str = Status.REPORTED, reported_at: dt.datetime | None = None, title: str = "核心系统告警",
                  **fields: Any) -> Incident:
    from finassure.accounts.models import User

    reported_at = reported_at or timezone.now()
    if reporter is None:
        reporter = User.objects.filter(org_unit__institution=unit.institution).first()
        if reporter is None:
            from tests.support import PASSWORD

            reporter = User.objects.create_user(username=f"rep{Incident.objects.count()}-{unit.pk}",
                                                password=PASSWORD, org_unit=unit)
    kind = incident_type(code)
    deadlines = selectors.deadlines_for(reported_at=reported_at, grade=grade, incident_type=kind,
                                        institution=unit.institution)
    incident = Incident.objects.create(
        org_unit=unit, reference=f"T-{Incident.objects.count() + 1}-{unit.pk}-{reported_at.timestamp():.0f}"[:20],
        title=title, incident_type=kind, grade=grade, status=status, reported_at=reported_at, reporter=reporter,
        ack_due_at=deadlines.ack_due_at, report_due_at=deadlines.report_due_at, report_basis=deadlines.report_basis,
        **fields)
    return incident


def make_resolved(unit: Any, **fields: Any) -> Incident:
    now = timezone.now()
    fields.setdefault("reported_at", now - dt.timedelta(hours=5))
    return make_incident(unit, status=Status.RESOLVED, acknowledged_at=now - dt.timedelta(hours=4),
                         contained_at=now - dt.timedelta(hours=3), resolved_at=now - dt.timedelta(hours=1), **fields)


def make_review(unit: Any, **fields: Any) -> PostIncidentReview:
    incident = make_resolved(unit)
    incident.status = Status.UNDER_REVIEW
    incident.review_started_at = timezone.now()
    incident.save()
    return PostIncidentReview.objects.create(incident=incident, org_unit=unit, author=incident.reporter,
                                             due_on=timezone.localdate() + dt.timedelta(days=7), **fields)


def make_plan(unit: Any, *, codes: tuple[str, ...] = ("outage",), grades: list[str] | None = None,
              approved: bool = True) -> Any:
    from finassure.accounts.models import User
    from finassure.incidents.models import EmergencyPlan, PlanVersion

    people = list(User.objects.filter(org_unit__institution=unit.institution)[:2])
    while len(people) < 2:
        people.append(User.objects.create_user(username=f"plan-{unit.pk}-{len(people)}-{PlanVersion.objects.count()}",
                                               org_unit=unit))
    plan = EmergencyPlan.objects.create(org_unit=unit, title="网银系统中断应急预案", scenario="网上银行全部或部分功能不可用",
                                        trigger_grades=grades or [], review_due_on=timezone.localdate(),
                                        contacts="运维值班 010-12345678")
    plan.incident_types.set([incident_type(c) for c in codes])
    PlanVersion.objects.create(
        plan=plan, number=1, author=people[0], change_note="首版",
        steps=[{"role": "值班经理", "title": "启动应急小组"}, {"role": "运维", "title": "切换至备用链路"},
               {"role": "客服", "title": "发布客户公告"}],
        approved_by=people[1] if approved else None, approved_at=timezone.now() if approved else None)
    return plan


def make_drill(unit: Any) -> Any:
    from finassure.incidents.models import Drill, DrillStep

    version = make_plan(unit).versions.get()
    drill = Drill.objects.create(org_unit=unit, plan_version=version, title="2026 年网银中断演练",
                                 scheduled_for=timezone.now())
    DrillStep.objects.bulk_create([DrillStep(drill=drill, index=i, title=s["title"], role=s["role"])
                                   for i, s in enumerate(version.steps)])
    return drill
