"""Shared helpers of the service writes: event append, clock cache refresh, status and recusal checks."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.service import perms
from finassure.service.models import (
    Complaint,
    ComplaintEvent,
)

log = logging.getLogger(__name__)
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PAUSE_REASONS = ("appraisal", "mediation")
NOTIFY_METHODS = ("letter", "sms", "email", "call")
RECHECK_WINDOW_DAYS = 30
Status = Complaint.Status
EventKind = ComplaintEvent.Kind


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _tracking_number(at: dt.datetime) -> str:
    suffix = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
    return f"TS{timezone.localtime(at):%Y%m%d}{suffix}"


def _event(
    complaint: Complaint,
    kind: str,
    *,
    actor: Any,
    at: dt.datetime | None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    at = at or timezone.now()
    last = complaint.events.order_by("-at").values_list("at", flat=True).first()
    if last is not None and at < last:
        raise _invalid("at", _("An event cannot be dated before the previous step of the complaint."))
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise _invalid("at", _("An event cannot be dated in the future."))
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, at=at, actor=user, note=note[:4000], data=data or {}
    )
    if hasattr(complaint, "_prefetched_objects_cache"):
        complaint._prefetched_objects_cache.pop("events", None)
    return event


def refresh_clocks(complaint: Complaint, now: dt.datetime | None = None) -> None:
    """Recompute the cached clock fields from the event history."""
    sla, regulatory = complaint.clocks(now)
    complaint.sla_due_at = sla.due_at
    complaint.regulatory_due_at = regulatory.due_at
    if sla.stopped_at is not None and sla.started_at is not None:
        complaint.handling_hours = round((sla.stopped_at - sla.started_at).total_seconds() / 3600, 2)
    complaint.save(update_fields=["sla_due_at", "regulatory_due_at", "handling_hours", "updated_at"])


def _require_status(complaint: Complaint, *allowed: str) -> None:
    if complaint.status not in allowed:
        raise Conflict(
            _("This step is not possible while the complaint is %(status)s.")
            % {"status": complaint.get_status_display()}
        )


def _check_recusal(complaint: Complaint, user: Any) -> None:
    """Art. 17: the handler must have no direct interest: not the staff member complained about."""
    if user is None:
        return
    if complaint.respondent_id is not None and complaint.respondent_id == user.pk:
        raise PermissionDenied(
            _("You are the staff member complained about and must not handle this complaint.")
        )
    original = complaint.recheck_of
    if original is not None and original.handler_id is not None and original.handler_id == user.pk:
        raise PermissionDenied(_("A re-check must be handled by someone other than the original handler."))


# --- intake -------------------------------------------------------------------------------------


def _require_handler(actor: Any, complaint: Complaint) -> None:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _check_recusal(complaint, actor)


def _save(
    complaint: Complaint,
    before: dict[str, Any],
    actor: Any,
    action: str,
    detail: dict[str, Any] | None = None,
) -> Complaint:
    complaint.save()
    refresh_clocks(complaint)
    audit.record(
        action=action,
        actor=actor,
        obj=complaint,
        changes=audit.diff(before, audit.snapshot(complaint)),
        detail=detail,
    )
    return complaint
