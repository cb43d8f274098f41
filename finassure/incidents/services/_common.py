"""Helpers shared by the incident services: time checks, timeline events, deadlines, alerts, plan checklists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.incidents import selectors
from finassure.incidents.models import (
    Incident,
    IncidentAlert,
    IncidentEvent,
    IncidentPlanStep,
)
from finassure.platform.errors import ValidationFailed
from finassure.platform.language import institution_text, record_text

# A time entered more than this long before "now" is a backdated entry and needs a reason.
BACKDATE_TOLERANCE = dt.timedelta(minutes=15)
# Allowed clock skew for times "now" sent by a browser or client.
FUTURE_TOLERANCE = dt.timedelta(minutes=2)
REVIEW_DUE_DAYS = 7  # the default; the security administrator changes it in the incident settings


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


def _alert(incident: Incident, *, kind: str, timer: str, message: str | Promise, recipients: Iterable[User]
           ) -> IncidentAlert:
    """Record the alert on the incident and notify each recipient in-app (and by mail) via the framework.

    The alert on the incident, which everyone on it reads, is in the institution's language; each person's
    notification in their own.
    """
    from finassure.framework import notify

    people = list({p.pk: p for p in recipients}.values())
    alert = IncidentAlert.objects.create(incident=incident, kind=kind, timer=timer,
                                         message=institution_text(message)[:300])
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


def _attach_plans(incident: Incident) -> None:
    """Offer the checklist of every plan in force for the incident's type and grade (once per version)."""
    for version in selectors.plan_versions_for(incident=incident):
        if incident.plan_steps.filter(plan_version=version).exists():
            continue
        IncidentPlanStep.objects.bulk_create([
            IncidentPlanStep(incident=incident, plan_version=version, index=i, title=step["title"],
                             role=step.get("role", "")) for i, step in enumerate(version.steps)])
        _event(incident, kind=IncidentEvent.Kind.NOTE, actor=None, at=timezone.now(),
               text=record_text(gettext_lazy("Emergency plan offered: %(plan)s"), {"plan": version}))
