"""API for the audit trail: audit administrators read it, scoped to their units."""


import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from finassure.platform import audit, selectors
from finassure.platform.api import PageNumber
from finassure.platform.errors import PermissionDenied

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    ts: dt.datetime
    actor_repr: str
    ip: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    outcome: str
    changes: dict[str, Any]
    hash: str
    prev_hash: str


class VerifyOut(Schema):
    ok: bool
    checked: int
    broken_id: int | None
    reason: str


def _require_auditor(request: HttpRequest) -> None:
    from finassure.accounts import selectors as access

    if not access.has_perm(request.user, "platform.view_audit"):
        raise PermissionDenied(_("Only audit administrators read the audit trail."))


@router.get("/events", response=list[AuditEventOut])
@paginate(PageNumber)
def list_events(request: HttpRequest, action: str = "", user: str = "", outcome: str = "",
                since: dt.date | None = None, until: dt.date | None = None) -> Any:
    _require_auditor(request)
    return selectors.audit_event_list(actor=request.user, action=action, user=user, outcome=outcome, since=since,
                                      until=until)


@router.post("/verify", response=VerifyOut)
def verify_chain(request: HttpRequest) -> Any:
    _require_auditor(request)
    result = audit.verify()
    audit.record(action="audit.verify", actor=request.user, outcome="success" if result.ok else "failure",
                 detail={"checked": result.checked, "broken_id": result.broken_id})
    return result
