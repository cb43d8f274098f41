"""Compensation: proposal, maker-checker approval, payment with evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied
from finassure.service import perms
from finassure.service.models import (
    Compensation,
    Complaint,
)
from finassure.service.services._common import (
    Status,
    _invalid,
)


@transaction.atomic
def compensation_propose(*, actor: Any, complaint: Complaint, amount: Decimal, reason: str) -> Compensation:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if amount is None or amount <= 0:
        raise _invalid("amount", _("The amount must be positive."))
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason."))
    if complaint.kind != Complaint.Kind.COMPLAINT or complaint.status == Status.WITHDRAWN:
        raise Conflict(_("Compensation belongs to a complaint in handling or decided."))
    item = Compensation.objects.create(
        complaint=complaint,
        org_unit=complaint.org_unit,
        amount=amount,
        reason=reason.strip(),
        proposed_by=actor,
    )
    audit.record(action="compensation.propose", actor=actor, obj=item, changes=audit.snapshot(item))
    return item


@transaction.atomic
def compensation_decide(*, actor: Any, compensation: Compensation, approve: bool) -> Compensation:
    """Maker-checker: the approver holds the approve permission and is not the proposer."""
    access.require(actor, perms.APPROVE, compensation.org_unit)
    if compensation.status != Compensation.Status.PROPOSED:
        raise Conflict(_("This compensation has already been decided."))
    if compensation.proposed_by_id == actor.pk:
        raise PermissionDenied(_("The person who proposed a compensation cannot approve it."))
    before = audit.snapshot(compensation)
    compensation.status = Compensation.Status.APPROVED if approve else Compensation.Status.REJECTED
    compensation.decided_by, compensation.decided_at = actor, timezone.now()
    compensation.save()
    audit.record(
        action="compensation.approve" if approve else "compensation.reject",
        actor=actor,
        obj=compensation,
        changes=audit.diff(before, audit.snapshot(compensation)),
    )
    return compensation


@transaction.atomic
def compensation_pay(*, actor: Any, compensation: Compensation, evidence: str) -> Compensation:
    access.require(actor, perms.HANDLE, compensation.org_unit)
    if compensation.status != Compensation.Status.APPROVED:
        raise Conflict(_("Only an approved compensation can be paid."))
    if not (evidence or "").strip():
        raise _invalid("evidence", _("Record the payment evidence."))
    before = audit.snapshot(compensation)
    compensation.status, compensation.paid_at = Compensation.Status.PAID, timezone.now()
    compensation.payment_evidence = evidence.strip()[:300]
    compensation.save()
    audit.record(
        action="compensation.pay",
        actor=actor,
        obj=compensation,
        changes=audit.diff(before, audit.snapshot(compensation)),
    )
    return compensation
