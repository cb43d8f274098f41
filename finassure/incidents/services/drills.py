"""Drills against an approved plan version: schedule, start, timed steps, evaluation, findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.incidents.models import (
    Drill,
    DrillStep,
    PlanVersion,
)
from finassure.incidents.selectors import MANAGE_PLAN
from finassure.incidents.services._common import (
    _invalid,
)
from finassure.platform import audit
from finassure.platform.errors import Conflict

# --- drills -------------------------------------------------------------------------------------


@transaction.atomic
def drill_schedule(*, actor: Any, org_unit: OrgUnit, plan_version: PlanVersion, title: str,
                   scheduled_for: dt.datetime, participants: Iterable[User] = ()) -> Drill:
    """Schedule a drill against an approved plan version; its steps are the version's."""
    access.require(actor, MANAGE_PLAN, org_unit)
    if plan_version.approved_at is None:
        raise _invalid("plan_version", _("Drill against an approved plan version."))
    if not title.strip():
        raise _invalid("title", _("Give the drill a title."))
    drill = Drill.objects.create(org_unit=org_unit, plan_version=plan_version, title=title.strip(),
                                 scheduled_for=scheduled_for)
    drill.participants.set(list(participants))
    DrillStep.objects.bulk_create([DrillStep(drill=drill, index=i, title=s["title"], role=s.get("role", ""))
                                   for i, s in enumerate(plan_version.steps)])
    audit.record(action="drill.schedule", actor=actor, obj=drill, org_unit_id=org_unit.pk,
                 changes=audit.snapshot(drill))
    return drill


def _drill_locked(drill: Drill) -> Drill:
    return Drill.objects.select_for_update().select_related("org_unit").get(pk=drill.pk)


@transaction.atomic
def drill_start(*, actor: Any, drill: Drill, now: dt.datetime | None = None) -> Drill:
    access.require(actor, MANAGE_PLAN, drill.org_unit)
    drill = _drill_locked(drill)
    if drill.state != Drill.State.SCHEDULED:
        raise Conflict(_("Only a scheduled drill can start."))
    drill.state, drill.started_at = Drill.State.RUNNING, now or timezone.now()
    drill.save()
    audit.record(action="drill.start", actor=actor, obj=drill, org_unit_id=drill.org_unit_id)
    return drill


@transaction.atomic
def drill_step_complete(*, actor: Any, drill: Drill, step: DrillStep, now: dt.datetime | None = None) -> DrillStep:
    access.require(actor, MANAGE_PLAN, drill.org_unit)
    if drill.state != Drill.State.RUNNING:
        raise Conflict(_("Steps are timed while the drill runs."))
    if step.drill_id != drill.pk:
        raise _invalid("step", _("This step belongs to another drill."))
    if step.completed_at is not None:
        raise Conflict(_("This step is already done."))
    step.completed_at = now or timezone.now()
    step.save()
    audit.record(action="drill.step", actor=actor, obj=drill, org_unit_id=drill.org_unit_id,
                 detail={"step": step.pk, "title": step.title})
    return step


@transaction.atomic
def drill_complete(*, actor: Any, drill: Drill, evaluation: str, score: int | None = None,
                   now: dt.datetime | None = None) -> Drill:
    """End a running drill with its evaluation (and a score out of 100)."""
    access.require(actor, MANAGE_PLAN, drill.org_unit)
    drill = _drill_locked(drill)
    if drill.state != Drill.State.RUNNING:
        raise Conflict(_("Only a running drill can be completed."))
    if not evaluation.strip():
        raise _invalid("evaluation", _("Write the evaluation of the drill."))
    if score is not None and not 0 <= score <= 100:
        raise _invalid("score", _("The score is between 0 and 100."))
    before = audit.snapshot(drill)
    drill.state, drill.ended_at = Drill.State.COMPLETED, now or timezone.now()
    drill.evaluation, drill.score = evaluation.strip(), score
    drill.save()
    audit.record(action="drill.complete", actor=actor, obj=drill, org_unit_id=drill.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(drill)))
    return drill


@transaction.atomic
def drill_finding_open(*, actor: Any, drill: Drill, title: str, description: str, owner: User, due: dt.date) -> Any:
    """A drill finding becomes a corrective action (the framework's shared model) with the drill as source."""
    from finassure.framework import services as framework_services

    access.require(actor, MANAGE_PLAN, drill.org_unit)
    if owner.org_unit is None or owner.org_unit.institution_id != drill.org_unit.institution_id:
        raise _invalid("owner", _("The owner must be a user of the institution."))
    return framework_services.corrective_action_open(actor=actor, source=drill, title=title, description=description,
                                                     owner=owner, due=due, org_unit=drill.org_unit)
