"""Report an incident and move it along its lifecycle: transitions, notes, grade, roles, regulator report."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.incidents.models import (
    LIFECYCLE,
    STATUS_FIELD,
    Grade,
    Incident,
    IncidentAlert,
    IncidentEvent,
    IncidentType,
    Status,
)
from finassure.incidents.selectors import MANAGE, REPORT
from finassure.incidents.services._common import (
    FUTURE_TOLERANCE,
    _alert,
    _attach_plans,
    _check_time,
    _event,
    _invalid,
    _locked,
    _on_duty,
    _recompute_deadlines,
)
from finassure.platform import audit
from finassure.platform.errors import Conflict
from finassure.platform.language import lazy_text

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
           message=lazy_text(gettext_lazy("New incident %(ref)s (%(grade)s): %(title)s"),
                             {"ref": incident.reference, "grade": Grade(incident.grade).label,
                              "title": incident.title}),
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
                 changes=audit.diff(before, audit.snapshot(incident)),
                 detail={"backdate_reason": backdate_reason} if backdate_reason else None)
    return incident
