"""Writes of incidents. Each checks permission, changes state, writes the timeline and the audit record together."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.accounts.roles import Role
from finassure.incidents import selectors
from finassure.incidents.models import (
    LIFECYCLE,
    STATUS_FIELD,
    Drill,
    DrillStep,
    EmergencyPlan,
    Grade,
    Incident,
    IncidentAlert,
    IncidentEvent,
    IncidentPlanStep,
    IncidentType,
    PlanVersion,
    PostIncidentReview,
    Status,
)
from finassure.incidents.selectors import APPROVE_PLAN, MANAGE, MANAGE_PLAN, REPORT
from finassure.incidents.timers import BREACHED, WARNING, ack_timer, report_timer
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed

# A time entered more than this long before "now" is a backdated entry and needs a reason.
BACKDATE_TOLERANCE = dt.timedelta(minutes=15)
# Allowed clock skew for times "now" sent by a browser or client.
FUTURE_TOLERANCE = dt.timedelta(minutes=2)
REVIEW_DUE_DAYS = 7


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _check_time(*, field: str, at: dt.datetime | None, not_before: dt.datetime | None, reason: str,
                now: dt.datetime) -> tuple[dt.datetime, str]:
    """Refuse a time in the future or before the previous stage; a backdated time needs a reason."""
    if at is None:
        return now, ""
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + FUTURE_TOLERANCE:
        raise _invalid(field, _("The time cannot be in the future."))
    if not_before is not None and at < not_before:
        raise _invalid(field, _("The time cannot be earlier than the previous stage (%(time)s).")
                       % {"time": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")})
    if now - at > BACKDATE_TOLERANCE:
        if not reason.strip():
            raise _invalid("reason", _("Give a reason for entering a time more than 15 minutes ago."))
        return at, reason.strip()[:300]
    return at, ""


def _event(incident: Incident, *, kind: str, actor: Any, at: dt.datetime, text: str = "", from_status: str = "",
           to_status: str = "", backdate_reason: str = "") -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, kind=kind, actor=actor, at=at, text=text,
                                        from_status=from_status, to_status=to_status,
                                        backdate_reason=backdate_reason)


def _recompute_deadlines(incident: Incident) -> None:
    deadlines = selectors.deadlines_for(reported_at=incident.reported_at, grade=incident.grade,
                                        incident_type=incident.incident_type,
                                        institution=incident.org_unit.institution)
    incident.ack_due_at = deadlines.ack_due_at
    incident.report_due_at = deadlines.report_due_at
    incident.report_basis = deadlines.report_basis


_NOTIFICATION_KIND = {IncidentAlert.Kind.REPORTED: "assigned", IncidentAlert.Kind.WARNING: "due_soon",
                      IncidentAlert.Kind.BREACH: "overdue"}


def _alert(incident: Incident, *, kind: str, timer: str, message: str, recipients: Iterable[User]) -> IncidentAlert:
    """Record the alert on the incident and notify each recipient in-app (and by mail) via the framework."""
    from finassure.framework import notify

    people = list({p.pk: p for p in recipients}.values())
    alert = IncidentAlert.objects.create(incident=incident, kind=kind, timer=timer, message=message[:300])
    alert.recipients.set(people)
    for person in people:
        notify.send(recipient=person, kind=_NOTIFICATION_KIND[IncidentAlert.Kind(kind)], title=message,
                    url=incident.get_absolute_url())
    return alert


def _locked(incident: Incident) -> Incident:
    """The incident re-read under a row lock, so a stale instance never writes old values back."""
    return Incident.objects.select_for_update().select_related("org_unit__institution", "incident_type").get(
        pk=incident.pk)


def _on_duty(incident: Incident) -> list[User]:
    return list(access.users_with_role(role=incident.incident_type.on_duty_role, unit=incident.org_unit))


# --- report and lifecycle -----------------------------------------------------------------------


@transaction.atomic
def incident_report(*, actor: Any, org_unit: OrgUnit, incident_type: IncidentType, title: str,
                    grade: str = Grade.GENERAL, description: str = "", occurred_at: dt.datetime | None = None,
                    affected_customers: int = 0, now: dt.datetime | None = None) -> Incident:
    """Anyone in the institution reports an incident; the type's on-duty role is alerted."""
    access.require(actor, REPORT, org_unit)
    now = now or timezone.now()
    if not title.strip():
        raise _invalid("title", _("Give the incident a title."))
    if grade not in Grade.values:
        raise _invalid("grade", _("Choose a grade."))
    if not incident_type.is_active:
        raise _invalid("incident_type", _("This incident type is no longer in use."))
    if occurred_at is not None and occurred_at > now + FUTURE_TOLERANCE:
        raise _invalid("occurred_at", _("The time cannot be in the future."))
    if affected_customers < 0:
        raise _invalid("affected_customers", _("The number cannot be negative."))
    incident = Incident(org_unit=org_unit, reference=uuid.uuid4().hex[:20], title=title.strip(),
                        description=description, incident_type=incident_type, grade=grade, occurred_at=occurred_at,
                        reported_at=now, reporter=actor, affected_customers=affected_customers)
    _recompute_deadlines(incident)
    incident.save()
    incident.reference = f"INC-{timezone.localtime(now).year}-{incident.pk:05d}"
    incident.save(update_fields=["reference"])
    _event(incident, kind=IncidentEvent.Kind.STATUS, actor=actor, at=now, to_status=Status.REPORTED,
           text=description[:2000])
    _attach_plans(incident)
    _alert(incident, kind=IncidentAlert.Kind.REPORTED, timer="",
           message=_("New incident %(ref)s (%(grade)s): %(title)s")
           % {"ref": incident.reference, "grade": incident.get_grade_display(), "title": incident.title},
           recipients=_on_duty(incident))
    audit.record(action="incident.report", actor=actor, obj=incident, org_unit_id=org_unit.pk,
                 changes=audit.snapshot(incident))
    return incident


@transaction.atomic
def incident_transition(*, actor: Any, incident: Incident, to_status: str, at: dt.datetime | None = None,
                        reason: str = "", note: str = "", now: dt.datetime | None = None) -> Incident:
    """Move an incident one step along reported → acknowledged → contained → resolved.

    Under review and closed are reached through the review (`review_start`, `incident_close`).
    """
    access.require(actor, MANAGE, incident.org_unit)
    incident = _locked(incident)
    now = now or timezone.now()
    if to_status not in {Status.ACKNOWLEDGED, Status.CONTAINED, Status.RESOLVED}:
        raise _invalid("status", _("This step is taken through the post-incident review."))
    current = LIFECYCLE.index(Status(incident.status))
    target = LIFECYCLE.index(Status(to_status))
    if target != current + 1:
        raise Conflict(_("An incident that is %(status)s cannot move to %(target)s.")
                       % {"status": incident.get_status_display(), "target": Status(to_status).label})
    previous_time = getattr(incident, STATUS_FIELD[Status(incident.status)])
    when, backdate_reason = _check_time(field="at", at=at, not_before=previous_time, reason=reason, now=now)
    before = audit.snapshot(incident)
    from_status = incident.status
    incident.status = to_status
    setattr(incident, STATUS_FIELD[Status(to_status)], when)
    if to_status == Status.ACKNOWLEDGED and incident.commander_id is None:
        incident.commander = actor
    incident.save()
    _event(incident, kind=IncidentEvent.Kind.STATUS, actor=actor, at=when, from_status=from_status,
           to_status=to_status, text=note, backdate_reason=backdate_reason)
    audit.record(action=f"incident.{to_status}", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)),
                 detail={"backdate_reason": backdate_reason} if backdate_reason else None)
    return incident


@transaction.atomic
def incident_note_add(*, actor: Any, incident: Incident, text: str, at: dt.datetime | None = None,
                      reason: str = "", now: dt.datetime | None = None) -> IncidentEvent:
    access.require(actor, MANAGE, incident.org_unit)
    if not text.strip():
        raise _invalid("text", _("Write the note."))
    if incident.status == Status.CLOSED:
        raise Conflict(_("The incident is closed."))
    now = now or timezone.now()
    when, backdate_reason = _check_time(field="at", at=at, not_before=incident.reported_at, reason=reason, now=now)
    event = _event(incident, kind=IncidentEvent.Kind.NOTE, actor=actor, at=when, text=text.strip(),
                   backdate_reason=backdate_reason)
    audit.record(action="incident.note", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 detail={"event": event.pk, "backdate_reason": backdate_reason})
    return event


@transaction.atomic
def incident_regrade(*, actor: Any, incident: Incident, grade: str, reason: str,
                     now: dt.datetime | None = None) -> Incident:
    """Change the grade (the deadlines follow); the reason goes on the timeline."""
    access.require(actor, MANAGE, incident.org_unit)
    if grade not in Grade.values:
        raise _invalid("grade", _("Choose a grade."))
    if not reason.strip():
        raise _invalid("reason", _("Give a reason for the new grade."))
    if incident.status == Status.CLOSED:
        raise Conflict(_("The incident is closed."))
    incident = _locked(incident)
    if grade == incident.grade:
        return incident
    before = audit.snapshot(incident)
    old = incident.get_grade_display()
    incident.grade = grade
    _recompute_deadlines(incident)
    incident.save(update_fields=["grade", "ack_due_at", "report_due_at", "report_basis", "updated_at"])
    _event(incident, kind=IncidentEvent.Kind.GRADE, actor=actor, at=now or timezone.now(),
           text=f"{old} → {incident.get_grade_display()}: {reason.strip()}")
    _attach_plans(incident)
    audit.record(action="incident.regrade", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)), detail={"reason": reason.strip()})
    return incident


@transaction.atomic
def incident_roles_set(*, actor: Any, incident: Incident, commander: User | None, scribe: User | None,
                       liaison: User | None, participants: Iterable[User] = (),
                       now: dt.datetime | None = None) -> Incident:
    """Name the incident commander, scribe, liaison and participants."""
    access.require(actor, MANAGE, incident.org_unit)
    people = [p for p in (commander, scribe, liaison, *participants) if p is not None]
    institution_id = incident.org_unit.institution_id
    if any(p.org_unit is None or p.org_unit.institution_id != institution_id or not p.is_active for p in people):
        raise _invalid("commander", _("Every role must be held by an active user of the institution."))
    incident = _locked(incident)
    before = audit.snapshot(incident)
    incident.commander, incident.scribe, incident.liaison = commander, scribe, liaison
    incident.save(update_fields=["commander", "scribe", "liaison", "updated_at"])
    incident.participants.set(list(participants))
    names = ", ".join(f"{label}: {p.display_name or p.username}" for label, p in (
        (_("commander"), commander), (_("scribe"), scribe), (_("liaison"), liaison)) if p is not None)
    _event(incident, kind=IncidentEvent.Kind.ROLES, actor=actor, at=now or timezone.now(), text=names)
    audit.record(action="incident.roles", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)),
                 detail={"participants": sorted(p.pk for p in participants)})
    return incident


@transaction.atomic
def incident_regulator_report(*, actor: Any, incident: Incident, at: dt.datetime | None = None, reason: str = "",
                              note: str = "", now: dt.datetime | None = None) -> Incident:
    """Record the first report to the regulator (stops the reporting timer)."""
    access.require(actor, MANAGE, incident.org_unit)
    incident = _locked(incident)
    if incident.regulator_reported_at is not None:
        raise Conflict(_("The first report to the regulator is already recorded."))
    now = now or timezone.now()
    when, backdate_reason = _check_time(field="at", at=at, not_before=incident.reported_at, reason=reason, now=now)
    before = audit.snapshot(incident)
    incident.regulator_reported_at = when
    incident.save(update_fields=["regulator_reported_at", "updated_at"])
    _event(incident, kind=IncidentEvent.Kind.REGULATOR, actor=actor, at=when, text=note,
           backdate_reason=backdate_reason)
    audit.record(action="incident.regulator_report", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)))
    return incident


# --- timers -------------------------------------------------------------------------------------


def _escalation_recipients(incident: Incident) -> list[User]:
    people = _on_duty(incident)
    if incident.commander is not None:
        people.append(incident.commander)
    parent = incident.org_unit.parent
    for role in (Role.RISK_MANAGER, Role.EXECUTIVE):
        people += list(access.users_with_role(role=role, unit=parent or incident.org_unit))
    return list({p.pk: p for p in people}.values())


@transaction.atomic
def timers_check(*, now: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """Warn before and escalate at each breach of an open incident's timers; once each. Returns what it raised.

    Run by the periodic task; each alert is in-app (IncidentAlert), on the timeline and in the audit trail.
    """
    now = now or timezone.now()
    raised: list[tuple[str, str, str]] = []
    for incident in selectors.incidents_needing_attention(now=now).select_for_update(of=("self",)):
        for timer_name, state, warned, escalated in (
            ("ack", ack_timer(incident, now), "ack_warned_at", "ack_escalated_at"),
            ("report", report_timer(incident, now), "report_warned_at", "report_escalated_at"),
        ):
            label = _("acknowledgement") if timer_name == "ack" else _("first report to the regulator")
            if state.state == BREACHED and getattr(incident, escalated) is None:
                kind = IncidentAlert.Kind.BREACH
                message = _("%(ref)s: the %(timer)s deadline was missed (due %(due)s); escalated.") % {
                    "ref": incident.reference, "timer": label,
                    "due": timezone.localtime(state.due_at).strftime("%Y-%m-%d %H:%M") if state.due_at else ""}
                setattr(incident, escalated, now)
                recipients = _escalation_recipients(incident)
            elif state.state == WARNING and getattr(incident, warned) is None:
                kind = IncidentAlert.Kind.WARNING
                message = _("%(ref)s: the %(timer)s is due in %(minutes)s minutes.") % {
                    "ref": incident.reference, "timer": label, "minutes": state.remaining_minutes}
                recipients = _on_duty(incident) + ([incident.commander] if incident.commander else [])
            else:
                continue
            setattr(incident, warned, getattr(incident, warned) or now)
            incident.save(update_fields=[warned, escalated, "updated_at"])
            _alert(incident, kind=kind, timer=timer_name, message=message, recipients=recipients)
            _event(incident, kind=IncidentEvent.Kind.ALERT, actor=None, at=now, text=message)
            audit.record(action=f"incident.timer_{kind}", actor_repr="system", obj=incident,
                         org_unit_id=incident.org_unit_id,
                         detail={"timer": timer_name, "due_at": state.due_at})
            raised.append((incident.reference, timer_name, kind))
    return raised


# --- post-incident review -----------------------------------------------------------------------


REVIEW_FIELDS = ("impact", "detection", "timeline_summary", "whys", "root_cause", "lessons")


@transaction.atomic
def review_start(*, actor: Any, incident: Incident, now: dt.datetime | None = None) -> PostIncidentReview:
    """Open the post-incident review of a resolved incident (it moves to "under review")."""
    access.require(actor, MANAGE, incident.org_unit)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != Status.RESOLVED:
        raise Conflict(_("Only a resolved incident can be reviewed."))
    now = now or timezone.now()
    assert incident.resolved_at is not None  # noqa: S101 - resolved incidents carry the time (DB constraint path)
    due = timezone.localtime(incident.resolved_at).date() + dt.timedelta(days=REVIEW_DUE_DAYS)
    review = PostIncidentReview.objects.create(incident=incident, org_unit_id=incident.org_unit_id, due_on=due,
                                               author=actor)
    before = audit.snapshot(incident)
    incident.status = Status.UNDER_REVIEW
    incident.review_started_at = now
    incident.save()
    _event(incident, kind=IncidentEvent.Kind.STATUS, actor=actor, at=now, from_status=Status.RESOLVED,
           to_status=Status.UNDER_REVIEW)
    audit.record(action="incident.under_review", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)))
    audit.record(action="incident_review.create", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.snapshot(review))
    return review


@transaction.atomic
def review_update(*, actor: Any, review: PostIncidentReview, **fields: Any) -> PostIncidentReview:
    access.require(actor, MANAGE, review.incident.org_unit)
    if review.state == PostIncidentReview.State.COMPLETED:
        raise Conflict(_("The review is completed."))
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if "whys" in fields:
        whys = [str(w).strip() for w in fields["whys"] if str(w).strip()]
        if len(whys) > 5:
            raise _invalid("whys", _("Ask why at most five times."))
        fields["whys"] = whys
    before = audit.snapshot(review)
    for name, value in fields.items():
        setattr(review, name, value)
    review.save()
    audit.record(action="incident_review.update", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(review)))
    return review


@transaction.atomic
def review_complete(*, actor: Any, review: PostIncidentReview, now: dt.datetime | None = None) -> PostIncidentReview:
    access.require(actor, MANAGE, review.incident.org_unit)
    if review.state == PostIncidentReview.State.COMPLETED:
        raise Conflict(_("The review is already completed."))
    missing = [name for name in ("impact", "detection", "root_cause", "lessons") if not getattr(review, name).strip()]
    if not review.whys:
        missing.append("whys")
    if missing:
        message = _("Fill in the review before completing it.")
        raise ValidationFailed(message, fields={name: [message] for name in missing})
    before = audit.snapshot(review)
    review.state = PostIncidentReview.State.COMPLETED
    review.completed_at = now or timezone.now()
    review.save()
    audit.record(action="incident_review.complete", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(review)))
    return review


@transaction.atomic
def review_action_open(*, actor: Any, review: PostIncidentReview, title: str, description: str, owner: User,
                       due: dt.date) -> Any:
    """Raise a corrective action from the review (the framework's shared corrective-action model)."""
    from finassure.framework import services as framework_services

    access.require(actor, MANAGE, review.incident.org_unit)
    if not title.strip():
        raise _invalid("title", _("Give the action a title."))
    if owner.org_unit is None or owner.org_unit.institution_id != review.org_unit.institution_id:
        raise _invalid("owner", _("The owner must be a user of the institution."))
    return framework_services.corrective_action_open(actor=actor, source=review, title=title.strip(),
                                                     description=description, owner=owner, due=due,
                                                     org_unit=review.org_unit)


def _has_open_actions(review: PostIncidentReview) -> bool:
    from finassure.framework import selectors as framework_selectors

    return bool(framework_selectors.open_corrective_actions_for(source=review).exists())


@transaction.atomic
def incident_close(*, actor: Any, incident: Incident, now: dt.datetime | None = None) -> Incident:
    """Close an incident: its review is completed and every corrective action it raised is closed."""
    access.require(actor, MANAGE, incident.org_unit)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != Status.UNDER_REVIEW:
        raise Conflict(_("Only an incident under review can be closed."))
    review = PostIncidentReview.objects.filter(incident=incident).first()
    if review is None or review.state != PostIncidentReview.State.COMPLETED:
        raise Conflict(_("Complete the post-incident review first."))
    if _has_open_actions(review):
        raise Conflict(_("The review's corrective actions are not all closed."))
    now = now or timezone.now()
    before = audit.snapshot(incident)
    incident.status = Status.CLOSED
    incident.closed_at = now
    incident.save()
    _event(incident, kind=IncidentEvent.Kind.STATUS, actor=actor, at=now, from_status=Status.UNDER_REVIEW,
           to_status=Status.CLOSED)
    audit.record(action="incident.close", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)))
    return incident


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
                                         change_note=_("first version"))
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


def _attach_plans(incident: Incident) -> None:
    """Offer the checklist of every plan in force for the incident's type and grade (once per version)."""
    for version in selectors.plan_versions_for(incident=incident):
        if incident.plan_steps.filter(plan_version=version).exists():
            continue
        IncidentPlanStep.objects.bulk_create([
            IncidentPlanStep(incident=incident, plan_version=version, index=i, title=step["title"],
                             role=step.get("role", "")) for i, step in enumerate(version.steps)])
        _event(incident, kind=IncidentEvent.Kind.NOTE, actor=None, at=timezone.now(),
               text=_("Emergency plan offered: %(plan)s") % {"plan": str(version)})


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
           text=_("Plan step done: %(step)s") % {"step": str(step)})
    audit.record(action="incident.plan_step", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 detail={"step": step.pk, "title": step.title})
    return step


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
