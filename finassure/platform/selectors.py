"""Reads of platform records, scoped to the caller: the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from finassure.platform.models import AuditEvent, CalendarYear


def audit_event_list(*, actor: Any, action: str = "", user: str = "", object_type: str = "",
                     outcome: str = "", since: dt.date | None = None, until: dt.date | None = None,
                     text: str = "") -> QuerySet[AuditEvent]:
    """Audit records in the units where the actor may read the audit trail (events of no unit: institution-wide)."""
    from finassure.accounts import selectors as access

    scope = access.scope_for(actor, "platform.view_audit")
    if scope.is_empty:
        return AuditEvent.objects.none()
    in_scope = Q(org_unit_id__in=scope.unit_ids())
    # Events with no unit (anonymous failed logins, system jobs) belong to whoever audits the whole institution.
    if any(g.unit_path.count("/") == 2 and g.include_descendants for g in scope.grants):
        in_scope |= Q(org_unit_id__isnull=True)
    qs = AuditEvent.objects.filter(in_scope)
    if action:
        qs = qs.filter(action__startswith=action)
    if user:
        qs = qs.filter(actor_repr__icontains=user)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if since:
        qs = qs.filter(ts__date__gte=since)
    if until:
        qs = qs.filter(ts__date__lte=until)
    if text:
        qs = qs.filter(Q(object_repr__icontains=text) | Q(ip__icontains=text))
    return qs.order_by("-id")


def calendar_years() -> QuerySet[CalendarYear]:
    """Years with an official schedule, newest first (the calendar is institution-wide reference data)."""
    return CalendarYear.objects.order_by("-year")
