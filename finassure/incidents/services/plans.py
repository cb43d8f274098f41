"""Emergency plans: create, version, approve (never one's own), and plan steps completed on an incident."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.incidents.models import (
    EmergencyPlan,
    Grade,
    Incident,
    IncidentEvent,
    IncidentPlanStep,
    IncidentType,
    PlanVersion,
)
from finassure.incidents.selectors import APPROVE_PLAN, MANAGE, MANAGE_PLAN
from finassure.incidents.services._common import (
    _event,
    _invalid,
)
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied
from finassure.platform.language import record_text

# --- emergency plans ----------------------------------------------------------------------------


def _clean_steps(steps: list[dict[str, str]]) -> list[dict[str, str]]:
    cleaned = [{"title": str(s.get("title", "")).strip()[:300], "role": str(s.get("role", "")).strip()[:100]}
               for s in steps]
    cleaned = [s for s in cleaned if s["title"]]
    if not cleaned:
        raise _invalid("steps", _("A plan needs at least one step."))
    return cleaned


@transaction.atomic
def plan_create(*, actor: Any, org_unit: OrgUnit, title: str, scenario: str, steps: list[dict[str, str]],
                review_due_on: dt.date, trigger_grades: Iterable[str] = (),
                incident_types: Iterable[IncidentType] = (), systems: str = "", contacts: str = "") -> EmergencyPlan:
    """A new emergency plan with its first version (to be approved before it is used)."""
    access.require(actor, MANAGE_PLAN, org_unit)
    if not title.strip() or not scenario.strip():
        raise _invalid("title", _("Give the plan a title and a scenario."))
    grades = [g for g in trigger_grades if g]
    if any(g not in Grade.values for g in grades):
        raise _invalid("trigger_grades", _("Choose grades from the list."))
    cleaned = _clean_steps(steps)
    plan = EmergencyPlan.objects.create(org_unit=org_unit, title=title.strip(), scenario=scenario.strip(),
                                        trigger_grades=grades, systems=systems, contacts=contacts,
                                        review_due_on=review_due_on)
    plan.incident_types.set(list(incident_types))
    version = PlanVersion.objects.create(plan=plan, number=1, steps=cleaned, author=actor,
                                         change_note=record_text(gettext_lazy("first version")))
    audit.record(action="emergency_plan.create", actor=actor, obj=plan, org_unit_id=org_unit.pk,
                 changes=audit.snapshot(plan), detail={"version": version.pk})
    return plan


@transaction.atomic
def plan_version_create(*, actor: Any, plan: EmergencyPlan, steps: list[dict[str, str]],
                        change_note: str) -> PlanVersion:
    access.require(actor, MANAGE_PLAN, plan.org_unit)
    if not change_note.strip():
        raise _invalid("change_note", _("Say what changed."))
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = PlanVersion.objects.create(plan=plan, number=number, steps=_clean_steps(steps), author=actor,
                                         change_note=change_note.strip()[:300])
    audit.record(action="plan_version.create", actor=actor, obj=version, org_unit_id=plan.org_unit_id,
                 changes=audit.snapshot(version))
    return version


@transaction.atomic
def plan_version_approve(*, actor: Any, version: PlanVersion, now: dt.datetime | None = None) -> PlanVersion:
    """Approve a version (never one's own); from then on it is the version in force."""
    access.require(actor, APPROVE_PLAN, version.plan.org_unit)
    if version.approved_at is not None:
        raise Conflict(_("This version is already approved."))
    if version.author_id == actor.pk:
        raise PermissionDenied(_("The author of a plan version cannot approve it (separation of duties)."),
                               extra={"permission": APPROVE_PLAN})
    before = audit.snapshot(version)
    version.approved_by = actor
    version.approved_at = now or timezone.now()
    version.save()
    audit.record(action="plan_version.approve", actor=actor, obj=version, org_unit_id=version.plan.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(version)))
    return version



@transaction.atomic
def incident_plan_step_complete(*, actor: Any, incident: Incident, step: IncidentPlanStep,
                                now: dt.datetime | None = None) -> IncidentPlanStep:
    access.require(actor, MANAGE, incident.org_unit)
    if step.incident_id != incident.pk:
        raise _invalid("step", _("This step belongs to another incident."))
    if step.completed_at is not None:
        raise Conflict(_("This step is already done."))
    now = now or timezone.now()
    step.completed_at, step.completed_by = now, actor
    step.save()
    _event(incident, kind=IncidentEvent.Kind.NOTE, actor=actor, at=now,
           text=record_text(gettext_lazy("Plan step done: %(step)s"), {"step": step}))
    audit.record(action="incident.plan_step", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 detail={"step": step.pk, "title": step.title})
    return step
