"""Anonymous portal visits and their outcome (三.3: the share of visits resolved without a complaint).

A visit is the browser session's activity on the portal's home and FAQ pages until 30 minutes pass without
any. Nothing identifies the visitor: no IP address, user agent, name or phone, only a random key kept in the
session and the visit's counts. A visit is *resolved without a complaint* when an article was rated helpful
and no complaint was submitted in that visit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db.models import F
from django.utils import timezone

from finassure.service.models import PortalVisit

SESSION_KEY = "service.portal_visit"
IDLE = dt.timedelta(minutes=30)


def portal_visit_record(session: Any, *, faq_views: int = 0, helpful_votes: int = 0,
                        complaint_submitted: bool = False) -> PortalVisit:
    """Count one step of the current visit, starting a new visit after 30 idle minutes."""
    now = timezone.now()
    stored = session.get(SESSION_KEY) or {}
    visit = None
    try:
        seen = dt.datetime.fromisoformat(stored["seen"]) if stored.get("seen") else None
    except (TypeError, ValueError):
        seen = None
    if stored.get("key") and seen is not None and now - seen <= IDLE:
        visit = PortalVisit.objects.filter(key=stored["key"]).first()
    if visit is None:
        visit = PortalVisit.objects.create(key=secrets.token_hex(16), started_at=now, last_seen_at=now)
    changes: dict[str, Any] = {"last_seen_at": now}
    if faq_views:
        changes["faq_views"] = F("faq_views") + faq_views
    if helpful_votes:
        changes["helpful_votes"] = F("helpful_votes") + helpful_votes
    if complaint_submitted:
        changes["complaint_submitted"] = True
    PortalVisit.objects.filter(pk=visit.pk).update(**changes)
    session[SESSION_KEY] = {"key": visit.key, "seen": now.isoformat()}
    visit.refresh_from_db()
    return visit
