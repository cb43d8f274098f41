"""Handling steps of a complaint: accept, assign, note, pause/resume, extend, decide, notify, close,
withdraw, re-check, root cause, remediation, reveal and the confirmed classification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.accounts.roles import Perm
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.language import record_text
from finassure.service import perms
from finassure.service.models import (
    Complaint,
    ComplaintCategory,
    ProductLine,
    Survey,
)
from finassure.service.services._common import (
    NOTIFY_METHODS,
    PAUSE_REASONS,
    RECHECK_WINDOW_DAYS,
    EventKind,
    Status,
    _check_recusal,
    _event,
    _invalid,
    _require_handler,
    _require_status,
    _save,
)
from finassure.service.services.intake import complaint_register
from finassure.service.services.surveys import survey_create


@transaction.atomic
def complaint_accept(*, actor: Any, complaint: Complaint, at: dt.datetime | None = None) -> Complaint:
    """Acceptance starts the regulatory clock (15 natural days; 30 for a re-check)."""
    _require_handler(actor, complaint)
    _require_status(complaint, Status.REGISTERED)
    before = audit.snapshot(complaint)
    event = _event(complaint, EventKind.ACCEPTED, actor=actor, at=at)
    complaint.status, complaint.accepted_at = Status.ACCEPTED, event.at
    if complaint.handler_id is None and getattr(actor, "is_authenticated", False):
        complaint.handler = actor
    return _save(complaint, before, actor, "complaint.accept")


@transaction.atomic
def complaint_assign(
    *, actor: Any, complaint: Complaint, handler: User, at: dt.datetime | None = None
) -> Complaint:
    """Give the complaint to a handler, who must hold the handling permission there and pass the recusal check."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if not complaint.is_open:
        raise Conflict(_("A closed complaint cannot be reassigned."))
    if not access.has_perm(handler, perms.HANDLE, complaint.org_unit):
        raise _invalid("handler", _("This person may not handle complaints of this org unit."))
    try:
        _check_recusal(complaint, handler)
    except PermissionDenied as exc:
        raise _invalid("handler", str(exc.message)) from None
    before = audit.snapshot(complaint)
    _event(complaint, EventKind.ASSIGNED, actor=actor, at=at, data={"handler": handler.pk})
    complaint.handler = handler
    return _save(complaint, before, actor, "complaint.assign")


@transaction.atomic
def complaint_note(*, actor: Any, complaint: Complaint, note: str, request_info: bool = False) -> Complaint:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if not (note or "").strip():
        raise _invalid("note", _("Write the note."))
    _event(
        complaint,
        EventKind.INFO_REQUESTED if request_info else EventKind.NOTE,
        actor=actor,
        at=None,
        note=note.strip(),
    )
    audit.record(
        action="complaint.request_info" if request_info else "complaint.note", actor=actor, obj=complaint
    )
    return complaint


@transaction.atomic
def complaint_pause(
    *,
    actor: Any,
    complaint: Complaint,
    reason: str,
    note: str = "",
    customer_notified: bool = False,
    at: dt.datetime | None = None,
) -> Complaint:
    """Appraisal/testing (Art. 18) or mediation (Art. 23): the regulatory clock stops until resumed."""
    _require_handler(actor, complaint)
    _require_status(complaint, Status.ACCEPTED)
    if reason not in PAUSE_REASONS:
        raise _invalid("reason", _("A pause is for appraisal or mediation only."))
    if not customer_notified:
        raise _invalid("customer_notified", _("The customer must be told that the time limit is paused."))
    before = audit.snapshot(complaint)
    _event(
        complaint,
        EventKind.PAUSED,
        actor=actor,
        at=at,
        note=note,
        data={"reason": reason, "customer_notified": True},
    )
    complaint.status = Status.PAUSED
    return _save(complaint, before, actor, "complaint.pause", {"reason": reason})


@transaction.atomic
def complaint_resume(
    *, actor: Any, complaint: Complaint, note: str = "", at: dt.datetime | None = None
) -> Complaint:
    _require_handler(actor, complaint)
    _require_status(complaint, Status.PAUSED)
    before = audit.snapshot(complaint)
    _event(complaint, EventKind.RESUMED, actor=actor, at=at, note=note)
    complaint.status = Status.ACCEPTED
    return _save(complaint, before, actor, "complaint.resume")


@transaction.atomic
def complaint_extend(
    *, actor: Any, complaint: Complaint, reason: str, at: dt.datetime | None = None
) -> Complaint:
    """Art. 18: complex → 30 days; very complex → another 30 days, approved by a senior (approve permission)."""
    _require_status(complaint, Status.ACCEPTED, Status.PAUSED)
    if complaint.is_recheck:
        raise Conflict(_("A re-check has a fixed 30-day limit and cannot be extended."))
    if complaint.extensions >= 2:
        raise Conflict(_("The deadline has already been extended twice."))
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason for the extension."))
    if complaint.extensions == 0:
        _require_handler(actor, complaint)
    else:
        access.require(actor, perms.APPROVE, complaint.org_unit)
        if complaint.handler_id == getattr(actor, "pk", None):
            raise PermissionDenied(
                _("The second extension must be approved by someone other than the handler.")
            )
    before = audit.snapshot(complaint)
    _event(
        complaint,
        EventKind.EXTENDED,
        actor=actor,
        at=at,
        note=reason.strip(),
        data={"level": complaint.extensions + 1},
    )
    complaint.extensions += 1
    return _save(complaint, before, actor, "complaint.extend", {"level": complaint.extensions})


@transaction.atomic
def complaint_decide(
    *,
    actor: Any,
    complaint: Complaint,
    facts: str,
    basis: str,
    reasons: str,
    remedies: str,
    upheld: bool | None = None,
    at: dt.datetime | None = None,
) -> Complaint:
    """Art. 19: the decision states facts verified, basis, reasons and remedies. Stops the regulatory clock."""
    _require_handler(actor, complaint)
    _require_status(complaint, Status.ACCEPTED)
    values = {"facts": facts, "basis": basis, "reasons": reasons, "remedies": remedies}
    missing = {k: [_("Required in a decision.")] for k, v in values.items() if not (v or "").strip()}
    if missing:
        raise ValidationFailed(_("A decision states facts, basis, reasons and remedies."), fields=missing)
    before = audit.snapshot(complaint)
    event = _event(complaint, EventKind.DECIDED, actor=actor, at=at)
    complaint.status, complaint.decided_at = Status.DECIDED, event.at
    complaint.decision_facts, complaint.decision_basis = facts.strip(), basis.strip()
    complaint.decision_reasons, complaint.decision_remedies = reasons.strip(), remedies.strip()
    complaint.upheld = upheld
    return _save(complaint, before, actor, "complaint.decide")


@transaction.atomic
def complaint_notify(
    *, actor: Any, complaint: Complaint, method: str, reference: str, at: dt.datetime | None = None
) -> Complaint:
    """Art. 21: keep proof of every notification (letter, SMS, email, call log)."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _require_status(complaint, Status.DECIDED, Status.PAUSED, Status.ACCEPTED)
    if method not in NOTIFY_METHODS:
        raise _invalid("method", _("Choose how the customer was notified."))
    if not (reference or "").strip():
        raise _invalid("reference", _("Record the evidence (letter number, SMS id, call log reference)."))
    _event(
        complaint,
        EventKind.NOTIFIED,
        actor=actor,
        at=at,
        note=reference.strip()[:300],
        data={"method": method},
    )
    audit.record(action="complaint.notify", actor=actor, obj=complaint, detail={"method": method})
    return complaint


@transaction.atomic
def complaint_close(*, actor: Any, complaint: Complaint, at: dt.datetime | None = None) -> Complaint:
    """Close after the decision was notified (a suggestion closes straight away); opens the satisfaction survey."""
    _require_handler(actor, complaint)
    if complaint.kind == Complaint.Kind.SUGGESTION:
        _require_status(complaint, Status.REGISTERED, Status.ACCEPTED, Status.DECIDED)
    else:
        _require_status(complaint, Status.DECIDED)
        decided = complaint.events.filter(kind=EventKind.DECIDED).values_list("at", flat=True).last()
        if not complaint.events.filter(kind=EventKind.NOTIFIED, at__gte=decided).exists():
            raise Conflict(_("Record how the customer was notified of the decision before closing."))
    before = audit.snapshot(complaint)
    event = _event(complaint, EventKind.CLOSED, actor=actor, at=at)
    complaint.status, complaint.closed_at = Status.CLOSED, event.at
    _save(complaint, before, actor, "complaint.close")
    if complaint.kind == Complaint.Kind.COMPLAINT:
        survey_create(kind=Survey.Kind.COMPLAINT_HANDLING, org_unit=complaint.org_unit, complaint=complaint)
    return complaint


@transaction.atomic
def complaint_withdraw(
    *, actor: Any, complaint: Complaint, note: str = "", at: dt.datetime | None = None
) -> Complaint:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _require_status(complaint, Status.REGISTERED, Status.ACCEPTED, Status.PAUSED)
    before = audit.snapshot(complaint)
    event = _event(complaint, EventKind.WITHDRAWN, actor=actor, at=at, note=note)
    complaint.status, complaint.closed_at = Status.WITHDRAWN, event.at
    return _save(complaint, before, actor, "complaint.withdraw")


@transaction.atomic
def complaint_recheck(
    *, actor: Any, complaint: Complaint, note: str = "", at: dt.datetime | None = None
) -> Complaint:
    """Art. 20: the customer asks for a re-check within 30 days of the decision; a linked sub-case, 30-day clock."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _require_status(complaint, Status.DECIDED, Status.CLOSED)
    if complaint.is_recheck:
        raise Conflict(_("A re-check cannot itself be re-checked."))
    if complaint.rechecks.exists():
        raise Conflict(_("A re-check of this complaint already exists."))
    requested = at or timezone.now()
    if complaint.kind != Complaint.Kind.COMPLAINT or complaint.decided_at is None:
        raise Conflict(_("Only a decided complaint can be re-checked."))
    if requested > complaint.decided_at + dt.timedelta(days=RECHECK_WINDOW_DAYS):
        raise Conflict(_("A re-check must be requested within 30 days of the decision."))
    _event(complaint, EventKind.RECHECK_REQUESTED, actor=actor, at=requested, note=note)
    sub = complaint_register(
        actor=actor,
        org_unit=complaint.org_unit,
        subject=record_text(gettext_lazy("Re-check: %(subject)s"), {"subject": complaint.subject}),
        text=note.strip() or complaint.text,
        product_line=complaint.product_line,
        channel=complaint.channel,
        category=complaint.category if complaint.category and complaint.category.is_active else None,
        complainant_name=complaint.complainant_name or "",
        complainant_phone=complaint.complainant_phone or "",
        complainant_id_number=complaint.complainant_id_number or "",
        respondent=complaint.respondent,
        respondent_text=complaint.respondent_text,
        severity=complaint.severity,
        group_size=complaint.group_size,
        cause=complaint.cause,
        received_at=requested,
        recheck_of=complaint,
    )
    audit.record(
        action="complaint.recheck", actor=actor, obj=complaint, detail={"recheck": sub.tracking_number}
    )
    return sub


@transaction.atomic
def complaint_set_root_cause(
    *, actor: Any, complaint: Complaint, root_cause: str, note: str = ""
) -> Complaint:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if root_cause not in Complaint.RootCause.values:
        raise _invalid("root_cause", _("Unknown root cause."))
    before = audit.snapshot(complaint)
    complaint.root_cause = root_cause
    _event(complaint, EventKind.ROOT_CAUSE, actor=actor, at=None, note=note, data={"root_cause": root_cause})
    return _save(complaint, before, actor, "complaint.root_cause")


@transaction.atomic
def complaint_remediate(
    *, actor: Any, complaint: Complaint, title: str, owner: User, due: dt.date, description: str = ""
) -> Any:
    """Root-cause remediation (溯源整改, Art. 26): a corrective action in the framework's shared loop."""
    from finassure.framework import services as framework_services

    access.require(actor, perms.HANDLE, complaint.org_unit)
    if not complaint.root_cause:
        raise _invalid("root_cause", _("Record the root cause before raising a corrective action."))
    action = framework_services.corrective_action_open(
        actor=actor,
        source=complaint,
        title=title,
        description=description,
        owner=owner,
        due=due,
        org_unit=complaint.org_unit,
    )
    audit.record(
        action="complaint.remediate", actor=actor, obj=complaint, detail={"corrective_action": action.pk}
    )
    return action


def complaint_reveal(*, actor: Any, complaint: Complaint) -> dict[str, str]:
    """The complainant's personal data in full, for a role allowed to see it; every reveal is audited."""
    access.require(actor, perms.VIEW, complaint.org_unit)
    access.require(actor, Perm.PII_UNMASK, complaint.org_unit)
    fields = [
        "complainant_name",
        "complainant_id_number",
        "complainant_phone",
        "complainant_address",
        "account_number",
    ]
    values = {name: getattr(complaint, name) or "" for name in fields}
    audit.record(
        action="pii.reveal",
        actor=actor,
        obj=complaint,
        detail={"fields": [name for name, value in values.items() if value]},
    )
    return values


@transaction.atomic
def complaint_classify(
    *, actor: Any, complaint: Complaint, category: ComplaintCategory, product_line: str
) -> Complaint:
    """A person confirms (or corrects) the category and product line; the classifier only suggests."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if product_line not in ProductLine.values:
        raise _invalid("product_line", _("Unknown product line."))
    if not category.is_active:
        raise _invalid("category", _("This category is no longer in use."))
    before = audit.snapshot(complaint)
    complaint.category, complaint.product_line = category, product_line
    if complaint.status == Status.REGISTERED:
        complaint.sla_hours, complaint.sla_basis = category.sla_hours, category.sla_basis
    _event(
        complaint,
        EventKind.NOTE,
        actor=actor,
        at=None,
        note=record_text(gettext_lazy("Classified: %(category)s / %(product)s"),
                         {"category": category, "product": ProductLine(complaint.product_line).label}),
        data={"category": category.code, "product_line": product_line},
    )
    return _save(complaint, before, actor, "complaint.classify")
