"""Reviews and assessments (四, 五) and cost-benefit records (六): working-group meetings and internal reviews with
their decisions, third-party assessments with their findings, losses and fines, and the RACI matrix.

A decision becomes a work-plan task or a corrective action, a finding a corrective action: the existing writes
do that, so the owner is notified (in-app and by mail) exactly as for any other assignment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.accounts.roles import Role
from finassure.framework.models import (
    AssessmentFinding,
    ExternalAssessment,
    Indicator,
    LossEvent,
    Measure,
    Meeting,
    MeetingDecision,
    RaciEntry,
)
from finassure.framework.permissions import FPerm
from finassure.framework.services._common import _invalid
from finassure.framework.services.actions import corrective_action_open
from finassure.framework.services.library import _require_institution_wide
from finassure.framework.services.plans import work_task_create
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed
from finassure.platform.language import record_text


def _text(value: str | None) -> str:
    return (value or "").strip()


def _active(user: Any, field: str, message: str) -> Any:
    if user is None or not getattr(user, "is_active", False):
        raise _invalid(field, message)
    return user


# --- meetings and internal reviews ----------------------------------------------------------------


@transaction.atomic
def meeting_schedule(*, actor: Any, kind: str, title: str, org_unit: OrgUnit, scheduled_for: dt.datetime,
                     agenda: str, location: str = "", chair: Any = None, attendees: Iterable[Any] = (),
                     measures: Iterable[Measure] = ()) -> Meeting:
    """Schedule a working-group meeting or an internal review with its agenda."""
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    if kind not in Meeting.Kind.values:
        raise _invalid("kind", _("Unknown kind of meeting."))
    if not _text(title):
        raise _invalid("title", _("A meeting needs a title."))
    if not _text(agenda):
        raise _invalid("agenda", _("A meeting needs an agenda."))
    if not isinstance(scheduled_for, dt.datetime):
        raise _invalid("scheduled_for", _("Say when the meeting takes place."))
    meeting = Meeting.objects.create(kind=kind, title=_text(title)[:200], org_unit=org_unit,
                                     scheduled_for=scheduled_for, agenda=_text(agenda), location=_text(location)[:200],
                                     chair=chair, created_by=actor if getattr(actor, "is_authenticated", False)
                                     else None)
    meeting.attendees.set(list(attendees))
    meeting.measures.set(list(measures))
    audit.record(action="meeting.schedule", actor=actor, obj=meeting, changes=audit.snapshot(meeting))
    return meeting


@transaction.atomic
def meeting_record_minutes(*, actor: Any, meeting: Meeting, minutes: str, attendees: Iterable[Any] = (),
                           held_at: dt.datetime | None = None) -> Meeting:
    """Record that the meeting was held: who attended and the minutes (a meeting without minutes is not held)."""
    meeting = Meeting.objects.select_for_update().select_related("org_unit").get(pk=meeting.pk)
    access.require(actor, FPerm.PLAN_MANAGE, meeting.org_unit)
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict(_("This meeting was cancelled."))
    if not _text(minutes):
        raise _invalid("minutes", _("Write the minutes."))
    people = list(attendees)
    if not people:
        raise _invalid("attendees", _("Name who attended."))
    before = audit.snapshot(meeting)
    meeting.minutes, meeting.status = _text(minutes), Meeting.Status.HELD
    meeting.held_at = held_at or meeting.held_at or timezone.now()
    meeting.save()
    meeting.attendees.set(people)
    audit.record(action="meeting.record_minutes", actor=actor, obj=meeting,
                 changes=audit.diff(before, audit.snapshot(meeting)),
                 detail={"attendees": sorted(p.pk for p in people)})
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("org_unit").get(pk=meeting.pk)
    access.require(actor, FPerm.PLAN_MANAGE, meeting.org_unit)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise Conflict(_("Only a scheduled meeting can be cancelled."))
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    audit.record(action="meeting.cancel", actor=actor, obj=meeting)
    return meeting


@transaction.atomic
def meeting_decision_add(*, actor: Any, meeting: Meeting, text: str, outcome: str, owner: Any, due: dt.date,
                         measure: Measure | None = None, org_unit: OrgUnit | None = None) -> MeetingDecision:
    """Record a decision of a held meeting; it becomes a work-plan task or a corrective action for `owner`."""
    meeting = Meeting.objects.select_related("org_unit").get(pk=meeting.pk)
    unit = org_unit or meeting.org_unit
    access.require(actor, FPerm.PLAN_MANAGE, unit)
    if meeting.status != Meeting.Status.HELD:
        raise Conflict(_("Record the minutes before the decisions."))
    if not _text(text):
        raise _invalid("text", _("Write the decision."))
    if outcome not in MeetingDecision.Outcome.values:
        raise _invalid("outcome", _("A decision becomes a task or a corrective action."))
    _active(owner, "owner", _("A decision needs an active owner."))
    if not isinstance(due, dt.date):
        raise _invalid("due", _("A decision needs a due date."))
    if outcome == MeetingDecision.Outcome.TASK and measure is None:
        raise _invalid("measure", _("A task belongs to a measure's work plan: choose the measure."))
    decision = MeetingDecision.objects.create(meeting=meeting, text=_text(text), outcome=outcome, measure=measure,
                                              org_unit=unit, owner=owner, due=due)
    title = _text(text).splitlines()[0][:200]
    if outcome == MeetingDecision.Outcome.TASK:
        assert measure is not None
        decision.work_task = work_task_create(actor=actor, measure=measure, org_unit=unit, title=title, owner=owner,
                                              deadline=due)
    else:
        decision.corrective_action = corrective_action_open(
            actor=actor, source=decision, title=title, owner=owner, due=due, org_unit=unit, measure=measure,
            description=record_text(gettext_lazy("Decision of %(meeting)s: %(text)s"),
                                    {"meeting": meeting.title, "text": _text(text)}))
    decision.save(update_fields=["work_task", "corrective_action", "updated_at"])
    audit.record(action="meeting_decision.add", actor=actor, obj=decision, changes=audit.snapshot(decision))
    return decision


# --- third-party assessments ----------------------------------------------------------------------


def _check_assessor(assessor: Any) -> None:
    if assessor is None:
        return
    _active(assessor, "assessor", _("The assessor account must be active."))
    if Role.EXTERNAL_ASSESSOR not in access.roles_of(assessor):
        raise _invalid("assessor", _("The assessor account must hold the external-assessor role."))


@transaction.atomic
def assessment_create(*, actor: Any, title: str, firm: str, org_unit: OrgUnit, units: Iterable[OrgUnit],
                      measures: Iterable[Measure], period_start: dt.date, period_end: dt.date,
                      assessor: Any = None) -> ExternalAssessment:
    """Commission a third-party assessment: its scope is org units (with their subtrees), measures and a period."""
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    unit_list, measure_list = list(units), list(measures)
    problems: dict[str, list[str]] = {}
    if not _text(title):
        problems["title"] = [_("An assessment needs a title.")]
    if not _text(firm):
        problems["firm"] = [_("Name the assessor.")]
    if not unit_list:
        problems["units"] = [_("Choose the org units the assessment covers.")]
    if not measure_list:
        problems["measures"] = [_("Choose the measures the assessment covers.")]
    if not (isinstance(period_start, dt.date) and isinstance(period_end, dt.date) and period_end > period_start):
        problems["period_end"] = [_("The period must end after it starts.")]
    if problems:
        raise ValidationFailed(next(iter(problems.values()))[0], fields=problems)
    for unit in unit_list:
        access.require(actor, FPerm.PLAN_MANAGE, unit)
    _check_assessor(assessor)
    assessment = ExternalAssessment.objects.create(
        title=_text(title)[:200], firm=_text(firm)[:200], assessor=assessor, org_unit=org_unit,
        period_start=period_start, period_end=period_end,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    assessment.units.set(unit_list)
    assessment.measures.set(measure_list)
    audit.record(action="external_assessment.create", actor=actor, obj=assessment,
                 changes=audit.snapshot(assessment),
                 detail={"units": [u.pk for u in unit_list], "measures": [m.pk for m in measure_list]})
    return assessment


def _locked_assessment(actor: Any, assessment: ExternalAssessment) -> ExternalAssessment:
    assessment = ExternalAssessment.objects.select_for_update().select_related("org_unit").get(pk=assessment.pk)
    access.require(actor, FPerm.PLAN_MANAGE, assessment.org_unit)
    return assessment


@transaction.atomic
def assessment_start(*, actor: Any, assessment: ExternalAssessment) -> ExternalAssessment:
    assessment = _locked_assessment(actor, assessment)
    if assessment.status != ExternalAssessment.Status.PLANNED:
        raise Conflict(_("Only a planned assessment can start its fieldwork."))
    assessment.status = ExternalAssessment.Status.FIELDWORK
    assessment.save(update_fields=["status", "updated_at"])
    audit.record(action="external_assessment.start", actor=actor, obj=assessment)
    return assessment


@transaction.atomic
def assessment_complete(*, actor: Any, assessment: ExternalAssessment, conclusions: str,
                        completed_on: dt.date | None = None) -> ExternalAssessment:
    assessment = _locked_assessment(actor, assessment)
    if assessment.status not in (ExternalAssessment.Status.PLANNED, ExternalAssessment.Status.FIELDWORK):
        raise Conflict(_("This assessment is %(status)s.") % {"status": assessment.get_status_display()})
    if not _text(conclusions):
        raise _invalid("conclusions", _("Record the assessor's conclusions."))
    before = audit.snapshot(assessment)
    assessment.status, assessment.conclusions = ExternalAssessment.Status.COMPLETED, _text(conclusions)
    assessment.completed_on = completed_on or timezone.localdate()
    assessment.save()
    audit.record(action="external_assessment.complete", actor=actor, obj=assessment,
                 changes=audit.diff(before, audit.snapshot(assessment)))
    return assessment


def assessment_covers_unit(assessment: ExternalAssessment, unit: OrgUnit) -> bool:
    return any(unit.path.startswith(u.path) for u in assessment.units.all())


@transaction.atomic
def assessment_finding_add(*, actor: Any, assessment: ExternalAssessment, title: str, org_unit: OrgUnit,
                           owner: Any, due: dt.date, description: str = "", severity: str = "medium",
                           measure: Measure | None = None) -> AssessmentFinding:
    """Record a finding of the assessment; it opens a corrective action for `owner` (notified)."""
    assessment = _locked_assessment(actor, assessment)
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    if assessment.status == ExternalAssessment.Status.CANCELLED:
        raise Conflict(_("This assessment was cancelled."))
    if not _text(title):
        raise _invalid("title", _("A finding needs a title."))
    if severity not in AssessmentFinding.Severity.values:
        raise _invalid("severity", _("Unknown severity."))
    if not assessment_covers_unit(assessment, org_unit):
        raise _invalid("org_unit", _("The org unit is outside the assessment's scope."))
    if measure is not None and not assessment.measures.filter(pk=measure.pk).exists():
        raise _invalid("measure", _("The measure is outside the assessment's scope."))
    _active(owner, "owner", _("A finding needs an active owner for its corrective action."))
    finding = AssessmentFinding.objects.create(assessment=assessment, title=_text(title)[:200],
                                               description=_text(description), severity=severity, measure=measure,
                                               org_unit=org_unit)
    finding.corrective_action = corrective_action_open(
        actor=actor, source=finding, owner=owner, due=due, org_unit=org_unit, measure=measure,
        title=record_text(gettext_lazy("Correct: %(title)s"), {"title": finding.title}),
        description=record_text(gettext_lazy("Finding of %(assessment)s (%(firm)s): %(text)s"),
                                {"assessment": assessment.title, "firm": assessment.firm,
                                 "text": finding.description or finding.title}))
    finding.save(update_fields=["corrective_action", "updated_at"])
    audit.record(action="assessment_finding.add", actor=actor, obj=finding, changes=audit.snapshot(finding))
    return finding


# --- losses, fines, compensation (六) ----------------------------------------------------------------


@transaction.atomic
def loss_event_record(*, actor: Any, kind: str, org_unit: OrgUnit, occurred_on: dt.date, amount: Decimal,
                      description: str, measure: Measure | None = None, reference: str = "") -> LossEvent:
    """Record a loss, a regulator's fine or a compensation outside the complaint process (yuan, positive)."""
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    if kind not in LossEvent.Kind.values:
        raise _invalid("kind", _("Unknown kind of loss."))
    if not isinstance(amount, Decimal) or amount <= 0:
        raise _invalid("amount", _("The amount must be more than zero."))
    if not _text(description):
        raise _invalid("description", _("Say what happened."))
    if not isinstance(occurred_on, dt.date) or occurred_on > timezone.localdate():
        raise _invalid("occurred_on", _("The date cannot be in the future."))
    event = LossEvent.objects.create(kind=kind, org_unit=org_unit, occurred_on=occurred_on, amount=amount,
                                     description=_text(description)[:300], measure=measure,
                                     reference=_text(reference)[:100],
                                     recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(action="loss_event.record", actor=actor, obj=event, changes=audit.snapshot(event))
    return event


# --- responsibility matrix (RACI) -------------------------------------------------------------------


@transaction.atomic
def raci_entry_add(*, actor: Any, measure: Measure, letter: str, role: str, org_unit: OrgUnit | None = None,
                   indicator: Indicator | None = None) -> RaciEntry:
    """Add a role (optionally at an org unit) to a measure's (or one obligation's) RACI; framework administrators."""
    _require_institution_wide(actor, FPerm.MANAGE)
    if letter not in RaciEntry.Letter.values:
        raise _invalid("letter", _("Choose R, A, C or I."))
    if role not in Role.values:
        raise _invalid("role", _("Unknown role."))
    if indicator is not None and indicator.measure_id != measure.pk:
        raise _invalid("indicator", _("The obligation or indicator belongs to another measure."))
    existing = RaciEntry.objects.filter(measure=measure, indicator=indicator, letter=letter, role=role,
                                        org_unit=org_unit).first()
    if existing is not None:
        return existing
    if letter == RaciEntry.Letter.ACCOUNTABLE and RaciEntry.objects.filter(
            measure=measure, indicator=indicator, letter=letter).exists():
        raise _invalid("letter", _("Only one role is accountable; remove the current one first."))
    entry = RaciEntry.objects.create(measure=measure, indicator=indicator, letter=letter, role=role, org_unit=org_unit)
    audit.record(action="raci_entry.add", actor=actor, obj=entry, changes=audit.snapshot(entry))
    return entry


@transaction.atomic
def raci_entry_remove(*, actor: Any, entry: RaciEntry) -> None:
    _require_institution_wide(actor, FPerm.MANAGE)
    audit.record(action="raci_entry.remove", actor=actor, obj=entry, changes=audit.snapshot(entry))
    entry.delete()
