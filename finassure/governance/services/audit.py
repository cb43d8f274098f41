"""Writes of internal audit: quarterly plans, engagements, findings (each remedied by a corrective action)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.governance.models import (
    AuditPlan,
    Engagement,
    Finding,
    Process,
)
from finassure.governance.permissions import (
    MANAGE_AUDIT,
)
from finassure.governance.services._common import _invalid
from finassure.platform import audit
from finassure.platform.errors import Conflict
from finassure.platform.language import record_text


@transaction.atomic
def audit_plan_create(*, actor: Any, org_unit: OrgUnit, year: int, quarter: int, title: str) -> AuditPlan:
    if actor is not None:
        access.require(actor, MANAGE_AUDIT, org_unit)
    if quarter not in (1, 2, 3, 4):
        raise _invalid("quarter", _("A quarter is 1 to 4."))
    if AuditPlan.objects.filter(org_unit=org_unit, year=year, quarter=quarter).exists():
        raise _invalid("quarter", _("This unit already has an audit plan for that quarter."))
    plan = AuditPlan.objects.create(org_unit=org_unit, year=year, quarter=quarter, title=title)
    audit.record(action="audit_plan.create", actor=actor, obj=plan, changes=audit.snapshot(plan))
    return plan


def _quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end


@transaction.atomic
def engagement_create(*, actor: Any, plan: AuditPlan, org_unit: OrgUnit, title: str, lead: User,
                      starts_on: dt.date, processes: Iterable[Process] = ()) -> Engagement:
    access.require(actor, MANAGE_AUDIT, org_unit)
    if not org_unit.is_within(plan.org_unit):
        raise _invalid("org_unit", _("The audited unit must lie within the plan's unit."))
    start, end = _quarter_bounds(plan.year, plan.quarter)
    if not start <= starts_on < end:
        raise _invalid("starts_on", _("The engagement must start within the plan's quarter."))
    if not access.has_perm(lead, MANAGE_AUDIT, org_unit):
        raise _invalid("lead", _("The lead auditor must be an internal auditor for the audited unit."))
    processes = list(processes)
    for process in processes:
        if process.org_unit.institution_id != org_unit.institution_id:
            raise _invalid("processes", _("A process belongs to another institution."))
    engagement = Engagement.objects.create(plan=plan, org_unit=org_unit, title=title, lead=lead, starts_on=starts_on)
    engagement.processes.set(processes)
    audit.record(action="engagement.create", actor=actor, obj=engagement, changes=audit.snapshot(engagement))
    return engagement


@transaction.atomic
def engagement_start_fieldwork(*, actor: Any, engagement: Engagement) -> Engagement:
    access.require(actor, MANAGE_AUDIT, engagement.org_unit)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Engagement.Status.PLANNED:
        raise Conflict(_("Fieldwork has already started."))
    before = audit.snapshot(engagement)
    engagement.status = Engagement.Status.FIELDWORK
    engagement.save(update_fields=["status", "updated_at"])
    audit.record(action="engagement.fieldwork", actor=actor, obj=engagement,
                 changes=audit.diff(before, audit.snapshot(engagement)))
    return engagement


@transaction.atomic
def engagement_report(*, actor: Any, engagement: Engagement, reported_on: dt.date, conclusion: str) -> Engagement:
    """Issue the report: the engagement counts as the quarter's internal audit from `reported_on`."""
    access.require(actor, MANAGE_AUDIT, engagement.org_unit)
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if engagement.status != Engagement.Status.FIELDWORK:
        raise Conflict(_("Only an engagement in fieldwork can report."))
    if reported_on < engagement.starts_on:
        raise _invalid("reported_on", _("The report cannot precede the start of the engagement."))
    if reported_on > timezone.localdate():
        raise _invalid("reported_on", _("The report date cannot be in the future."))
    if not conclusion.strip():
        raise _invalid("conclusion", _("The report needs a conclusion."))
    before = audit.snapshot(engagement)
    engagement.status, engagement.reported_on, engagement.conclusion = (
        Engagement.Status.REPORTED, reported_on, conclusion)
    engagement.save(update_fields=["status", "reported_on", "conclusion", "updated_at"])
    audit.record(action="engagement.report", actor=actor, obj=engagement,
                 changes=audit.diff(before, audit.snapshot(engagement)))
    return engagement


@transaction.atomic
def finding_create(*, actor: Any, engagement: Engagement, title: str, severity: str, condition: str,
                   recommendation: str, owner: User, due: dt.date, criteria: str = "", cause: str = "",
                   effect: str = "") -> Finding:
    """Record a finding and open its corrective action in the framework's one loop."""
    from finassure.framework import services as framework_services

    access.require(actor, MANAGE_AUDIT, engagement.org_unit)
    engagement = Engagement.objects.select_for_update().select_related("org_unit").get(pk=engagement.pk)
    if engagement.status == Engagement.Status.PLANNED:
        raise Conflict(_("Findings are recorded once fieldwork has started."))
    if severity not in Finding.Severity.values:
        raise _invalid("severity", _("Unknown severity."))
    if owner.pk == actor.pk:
        raise _invalid("owner", _("The auditor cannot own the remedy of their own finding."))
    if owner.org_unit is None or not owner.org_unit.is_within(engagement.org_unit):
        raise _invalid("owner", _("The owner must work in the audited unit."))
    if due <= timezone.localdate():
        raise _invalid("due", _("The due date must lie in the future."))
    finding = Finding.objects.create(engagement=engagement, org_unit=engagement.org_unit, title=title,
                                     severity=severity, criteria=criteria, condition=condition, cause=cause,
                                     effect=effect, recommendation=recommendation, owner=owner, due=due)
    audit.record(action="finding.create", actor=actor, obj=finding, changes=audit.snapshot(finding))
    framework_services.corrective_action_open(
        actor=actor, source=finding, title=record_text(gettext_lazy("Remedy: %(title)s"), {"title": title}),
        description=recommendation, owner=owner, due=due, org_unit=finding.org_unit,
    )
    return finding


@transaction.atomic
def audit_plans_generate(*, actor: Any = None, today: dt.date | None = None) -> list[AuditPlan]:
    """The quarterly internal-audit obligation: each institution's head office gets the plan of the current
    quarter if it has none yet (auditors then add the engagements)."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    created = []
    for root in OrgUnit.objects.filter(parent__isnull=True, is_active=True):
        if not AuditPlan.objects.filter(org_unit=root, year=today.year, quarter=quarter).exists():
            created.append(audit_plan_create(actor=actor, org_unit=root, year=today.year, quarter=quarter,
                                             title=record_text(
                                                 gettext_lazy("Internal audit plan %(year)sQ%(quarter)s"),
                                                 {"year": today.year, "quarter": quarter})))
    return created
