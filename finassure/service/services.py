"""Writes of customer service: the complaint lifecycle, surveys, compensation. Each checks, changes, audits.

Lifecycle: register → accept → (pause ↔ resume for appraisal or mediation) → decide → notify → close;
re-check as a linked sub-case; withdrawal at any open step. Every step appends a `ComplaintEvent`, from
which the two clocks are computed (see `clock.py`). `at=` lets imports and the demo record past events;
events must not go back in time.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.accounts.roles import Perm, Role
from finassure.platform import audit, crypto
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.service import perms
from finassure.service.models import (
    MAJOR_GROUP_SIZE,
    Channel,
    Compensation,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ProductLine,
    Survey,
)
from finassure.service.selectors import ID_NUMBER_CONTEXT, PHONE_CONTEXT, normalise_id_number, normalise_phone

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


def _event(complaint: Complaint, kind: str, *, actor: Any, at: dt.datetime | None, note: str = "",
           data: dict[str, Any] | None = None) -> ComplaintEvent:
    at = at or timezone.now()
    last = complaint.events.order_by("-at").values_list("at", flat=True).first()
    if last is not None and at < last:
        raise _invalid("at", _("An event cannot be dated before the previous step of the complaint."))
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise _invalid("at", _("An event cannot be dated in the future."))
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = ComplaintEvent.objects.create(complaint=complaint, kind=kind, at=at, actor=user, note=note[:4000],
                                          data=data or {})
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
        raise Conflict(_("This step is not possible while the complaint is %(status)s.")
                       % {"status": complaint.get_status_display()})


def _check_recusal(complaint: Complaint, user: Any) -> None:
    """Art. 17: the handler must have no direct interest: not the staff member complained about."""
    if user is None:
        return
    if complaint.respondent_id is not None and complaint.respondent_id == user.pk:
        raise PermissionDenied(_("You are the staff member complained about and must not handle this complaint."))
    original = complaint.recheck_of
    if original is not None and original.handler_id is not None and original.handler_id == user.pk:
        raise PermissionDenied(_("A re-check must be handled by someone other than the original handler."))


# --- intake -------------------------------------------------------------------------------------


@transaction.atomic
def complaint_register(
    *, actor: Any, org_unit: OrgUnit, subject: str, text: str, product_line: str = ProductLine.OTHER,
    channel: str = Channel.COUNTER, kind: str = Complaint.Kind.COMPLAINT, category: ComplaintCategory | None = None,
    complainant_name: str = "", complainant_phone: str = "", complainant_id_number: str = "",
    complainant_address: str = "", account_number: str = "", respondent: User | None = None,
    respondent_text: str = "", severity: str = Complaint.Severity.MEDIUM, group_size: int = 1,
    cause: str = Complaint.Cause.ORDINARY, received_at: dt.datetime | None = None, external_id: str = "",
    recheck_of: Complaint | None = None,
) -> Complaint:
    """Record a complaint from any channel. `actor=None` is the customer portal or a system feed."""
    if actor is not None:
        access.require(actor, perms.CREATE, org_unit)
    errors: dict[str, list[str]] = {}
    subject, text = (subject or "").strip(), (text or "").strip()
    if not subject:
        errors["subject"] = [_("A subject is required.")]
    if not text:
        errors["text"] = [_("A description is required.")]
    if product_line not in ProductLine.values:
        errors["product_line"] = [_("Unknown product line.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if kind not in Complaint.Kind.values:
        errors["kind"] = [_("Unknown type.")]
    if severity not in Complaint.Severity.values:
        errors["severity"] = [_("Unknown severity.")]
    if cause not in Complaint.Cause.values:
        errors["cause"] = [_("Unknown cause.")]
    if not isinstance(group_size, int) or group_size < 1 or group_size > 1_000_000:
        errors["group_size"] = [_("The number of complainants must be at least 1.")]
    phone = normalise_phone(complainant_phone or "")
    if complainant_phone and not (7 <= len(phone) <= 15):
        errors["complainant_phone"] = [_("Enter a valid phone number.")]
    id_number = normalise_id_number(complainant_id_number or "")
    if category is not None and not category.is_active:
        errors["category"] = [_("This category is no longer in use.")]
    if external_id and Complaint.objects.filter(external_id=external_id).exists():
        errors["external_id"] = [_("A complaint with this external id already exists.")]
    if errors:
        raise ValidationFailed(_("The complaint has invalid or missing values."), fields=errors)
    received_at = received_at or timezone.now()
    is_major = group_size >= MAJOR_GROUP_SIZE or cause != Complaint.Cause.ORDINARY
    complaint = Complaint(
        tracking_number=_tracking_number(received_at), kind=kind, org_unit=org_unit, subject=subject[:200],
        text=text[:10000], product_line=product_line, channel=channel, category=category,
        complainant_name=(complainant_name or "").strip()[:100], complainant_phone=phone,
        complainant_id_number=id_number, complainant_address=(complainant_address or "").strip()[:300],
        account_number=(account_number or "").replace(" ", "")[:40], respondent=respondent,
        respondent_text=(respondent_text or "").strip()[:200], severity=severity, group_size=group_size,
        cause=cause, is_major=is_major, received_at=received_at, external_id=external_id,
        sla_hours=category.sla_hours if category else 48, recheck_of=recheck_of,
        phone_index=crypto.blind_index(phone, context=PHONE_CONTEXT) if phone else "",
        id_number_index=crypto.blind_index(id_number, context=ID_NUMBER_CONTEXT) if id_number else "",
    )
    complaint.save()
    _event(complaint, EventKind.REGISTERED, actor=actor, at=received_at, data={"channel": channel})
    refresh_clocks(complaint)
    audit.record(action="complaint.register", actor=actor, obj=complaint, actor_repr="" if actor else channel,
                 changes=audit.snapshot(complaint))
    if is_major:
        _notify_major(complaint)
    return complaint


def _notify_major(complaint: Complaint) -> None:
    """Art. 29: a major complaint triggers the emergency plan: tell the consumer-protection officers."""
    recipients = [u.email for u in access.users_with_role(role=Role.CONSUMER_PROTECTION_OFFICER,
                                                          unit=complaint.org_unit) if u.email]
    audit.record(action="complaint.major", actor=None, obj=complaint, actor_repr="system",
                 detail={"group_size": complaint.group_size, "cause": complaint.cause,
                         "notified": len(recipients)})
    if recipients:
        from django.core.mail import send_mail

        subject = _("Major complaint %(number)s") % {"number": complaint.tracking_number}
        body = _("A major complaint was registered (%(n)s people, cause: %(cause)s). Start the emergency plan.") % {
            "n": complaint.group_size, "cause": complaint.get_cause_display()}
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))


# --- handling -----------------------------------------------------------------------------------


def _require_handler(actor: Any, complaint: Complaint) -> None:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _check_recusal(complaint, actor)


def _save(complaint: Complaint, before: dict[str, Any], actor: Any, action: str,
          detail: dict[str, Any] | None = None) -> Complaint:
    complaint.save()
    refresh_clocks(complaint)
    audit.record(action=action, actor=actor, obj=complaint, changes=audit.diff(before, audit.snapshot(complaint)),
                 detail=detail)
    return complaint


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
def complaint_assign(*, actor: Any, complaint: Complaint, handler: User, at: dt.datetime | None = None) -> Complaint:
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
    _event(complaint, EventKind.INFO_REQUESTED if request_info else EventKind.NOTE, actor=actor, at=None,
           note=note.strip())
    audit.record(action="complaint.request_info" if request_info else "complaint.note", actor=actor, obj=complaint)
    return complaint


@transaction.atomic
def complaint_pause(*, actor: Any, complaint: Complaint, reason: str, note: str = "", customer_notified: bool = False,
                    at: dt.datetime | None = None) -> Complaint:
    """Appraisal/testing (Art. 18) or mediation (Art. 23): the regulatory clock stops until resumed."""
    _require_handler(actor, complaint)
    _require_status(complaint, Status.ACCEPTED)
    if reason not in PAUSE_REASONS:
        raise _invalid("reason", _("A pause is for appraisal or mediation only."))
    if not customer_notified:
        raise _invalid("customer_notified", _("The customer must be told that the time limit is paused."))
    before = audit.snapshot(complaint)
    _event(complaint, EventKind.PAUSED, actor=actor, at=at, note=note, data={"reason": reason, "customer_notified": True})
    complaint.status = Status.PAUSED
    return _save(complaint, before, actor, "complaint.pause", {"reason": reason})


@transaction.atomic
def complaint_resume(*, actor: Any, complaint: Complaint, note: str = "", at: dt.datetime | None = None) -> Complaint:
    _require_handler(actor, complaint)
    _require_status(complaint, Status.PAUSED)
    before = audit.snapshot(complaint)
    _event(complaint, EventKind.RESUMED, actor=actor, at=at, note=note)
    complaint.status = Status.ACCEPTED
    return _save(complaint, before, actor, "complaint.resume")


@transaction.atomic
def complaint_extend(*, actor: Any, complaint: Complaint, reason: str, at: dt.datetime | None = None) -> Complaint:
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
            raise PermissionDenied(_("The second extension must be approved by someone other than the handler."))
    before = audit.snapshot(complaint)
    _event(complaint, EventKind.EXTENDED, actor=actor, at=at, note=reason.strip(),
           data={"level": complaint.extensions + 1})
    complaint.extensions += 1
    return _save(complaint, before, actor, "complaint.extend", {"level": complaint.extensions})


@transaction.atomic
def complaint_decide(*, actor: Any, complaint: Complaint, facts: str, basis: str, reasons: str, remedies: str,
                     upheld: bool | None = None, at: dt.datetime | None = None) -> Complaint:
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
def complaint_notify(*, actor: Any, complaint: Complaint, method: str, reference: str,
                     at: dt.datetime | None = None) -> Complaint:
    """Art. 21: keep proof of every notification (letter, SMS, email, call log)."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _require_status(complaint, Status.DECIDED, Status.PAUSED, Status.ACCEPTED)
    if method not in NOTIFY_METHODS:
        raise _invalid("method", _("Choose how the customer was notified."))
    if not (reference or "").strip():
        raise _invalid("reference", _("Record the evidence (letter number, SMS id, call log reference)."))
    _event(complaint, EventKind.NOTIFIED, actor=actor, at=at, note=reference.strip()[:300], data={"method": method})
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
def complaint_withdraw(*, actor: Any, complaint: Complaint, note: str = "", at: dt.datetime | None = None) -> Complaint:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    _require_status(complaint, Status.REGISTERED, Status.ACCEPTED, Status.PAUSED)
    before = audit.snapshot(complaint)
    event = _event(complaint, EventKind.WITHDRAWN, actor=actor, at=at, note=note)
    complaint.status, complaint.closed_at = Status.WITHDRAWN, event.at
    return _save(complaint, before, actor, "complaint.withdraw")


@transaction.atomic
def complaint_recheck(*, actor: Any, complaint: Complaint, note: str = "", at: dt.datetime | None = None) -> Complaint:
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
        actor=actor, org_unit=complaint.org_unit, subject=_("Re-check: %(subject)s") % {"subject": complaint.subject},
        text=note.strip() or complaint.text, product_line=complaint.product_line, channel=complaint.channel,
        category=complaint.category if complaint.category and complaint.category.is_active else None,
        complainant_name=complaint.complainant_name or "", complainant_phone=complaint.complainant_phone or "",
        complainant_id_number=complaint.complainant_id_number or "", respondent=complaint.respondent,
        respondent_text=complaint.respondent_text, severity=complaint.severity, group_size=complaint.group_size,
        cause=complaint.cause, received_at=requested, recheck_of=complaint,
    )
    audit.record(action="complaint.recheck", actor=actor, obj=complaint, detail={"recheck": sub.tracking_number})
    return sub


@transaction.atomic
def complaint_set_root_cause(*, actor: Any, complaint: Complaint, root_cause: str, note: str = "") -> Complaint:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if root_cause not in Complaint.RootCause.values:
        raise _invalid("root_cause", _("Unknown root cause."))
    before = audit.snapshot(complaint)
    complaint.root_cause = root_cause
    _event(complaint, EventKind.ROOT_CAUSE, actor=actor, at=None, note=note, data={"root_cause": root_cause})
    return _save(complaint, before, actor, "complaint.root_cause")


@transaction.atomic
def complaint_remediate(*, actor: Any, complaint: Complaint, title: str, owner: User, due: dt.date,
                        description: str = "") -> Any:
    """Root-cause remediation (溯源整改, Art. 26): a corrective action in the framework's shared loop."""
    from finassure.framework import services as framework_services

    access.require(actor, perms.HANDLE, complaint.org_unit)
    if not complaint.root_cause:
        raise _invalid("root_cause", _("Record the root cause before raising a corrective action."))
    action = framework_services.corrective_action_open(
        actor=actor, source=complaint, title=title, description=description, owner=owner, due=due,
        org_unit=complaint.org_unit,
    )
    audit.record(action="complaint.remediate", actor=actor, obj=complaint, detail={"corrective_action": action.pk})
    return action


def complaint_reveal(*, actor: Any, complaint: Complaint) -> dict[str, str]:
    """The complainant's personal data in full, for a role allowed to see it; every reveal is audited."""
    access.require(actor, perms.VIEW, complaint.org_unit)
    access.require(actor, Perm.PII_UNMASK, complaint.org_unit)
    fields = ["complainant_name", "complainant_id_number", "complainant_phone", "complainant_address",
              "account_number"]
    values = {name: getattr(complaint, name) or "" for name in fields}
    audit.record(action="pii.reveal", actor=actor, obj=complaint,
                 detail={"fields": [name for name, value in values.items() if value]})
    return values


# --- configuration ------------------------------------------------------------------------------


@transaction.atomic
def category_save(*, actor: Any, code: str, name: str, name_en: str = "", sla_hours: int = 48,
                  is_active: bool = True, category: ComplaintCategory | None = None) -> ComplaintCategory:
    access.require(actor, perms.CONFIGURE)
    code = (code or "").strip().lower()
    if not code or not name.strip():
        raise ValidationFailed(_("A code and a name are required."),
                               fields={k: [_("Required.")] for k, v in {"code": code, "name": name.strip()}.items()
                                       if not v})
    if sla_hours < 1 or sla_hours > 24 * 60:
        raise _invalid("sla_hours", _("The internal SLA must be between 1 hour and 60 days."))
    clash = ComplaintCategory.objects.filter(code=code)
    if category is not None:
        clash = clash.exclude(pk=category.pk)
    if clash.exists():
        raise _invalid("code", _("A category with this code already exists."))
    target = category or ComplaintCategory()
    before = audit.snapshot(target) if category else {}
    target.code, target.name, target.name_en = code, name.strip(), name_en.strip()
    target.sla_hours, target.is_active = sla_hours, is_active
    target.save()
    audit.record(action="complaint_category.update" if category else "complaint_category.create", actor=actor,
                 obj=target, changes=audit.diff(before, audit.snapshot(target)))
    return target


def ensure_default_categories() -> None:
    from finassure.service.models import DEFAULT_CATEGORIES

    for code, name, name_en, order in DEFAULT_CATEGORIES:
        ComplaintCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


# --- surveys ------------------------------------------------------------------------------------


@transaction.atomic
def survey_create(*, kind: str, org_unit: OrgUnit, complaint: Complaint | None = None,
                  touch_point: str = "") -> Survey:
    survey = Survey.objects.create(token=secrets.token_urlsafe(24), kind=kind, org_unit=org_unit, complaint=complaint,
                                   touch_point=touch_point[:100])
    audit.record(action="survey.create", actor=None, obj=survey, actor_repr="system")
    return survey


@transaction.atomic
def survey_answer(*, token: str, rating: int, comment: str = "", at: dt.datetime | None = None) -> Survey:
    """The customer's one answer (no login: the token is the credential, and it works once)."""
    survey = Survey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise ValidationFailed(_("This survey link is not valid."))
    if survey.responded_at is not None:
        raise Conflict(_("This survey has already been answered. Thank you."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise _invalid("rating", _("Choose a rating from 1 to 5."))
    survey.rating, survey.comment, survey.responded_at = rating, (comment or "").strip()[:2000], at or timezone.now()
    survey.save(update_fields=["rating", "comment", "responded_at", "updated_at"])
    audit.record(action="survey.answer", actor=None, obj=survey, actor_repr="customer", detail={"rating": rating})
    return survey


# --- compensation -------------------------------------------------------------------------------


@transaction.atomic
def compensation_propose(*, actor: Any, complaint: Complaint, amount: Decimal, reason: str) -> Compensation:
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if amount is None or amount <= 0:
        raise _invalid("amount", _("The amount must be positive."))
    if not (reason or "").strip():
        raise _invalid("reason", _("Give the reason."))
    if complaint.kind != Complaint.Kind.COMPLAINT or complaint.status == Status.WITHDRAWN:
        raise Conflict(_("Compensation belongs to a complaint in handling or decided."))
    item = Compensation.objects.create(complaint=complaint, org_unit=complaint.org_unit, amount=amount,
                                       reason=reason.strip(), proposed_by=actor)
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
    audit.record(action="compensation.approve" if approve else "compensation.reject", actor=actor, obj=compensation,
                 changes=audit.diff(before, audit.snapshot(compensation)))
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
    audit.record(action="compensation.pay", actor=actor, obj=compensation,
                 changes=audit.diff(before, audit.snapshot(compensation)))
    return compensation


# --- bulk import --------------------------------------------------------------------------------


def _choice(value: str, choices: Any, column: str = "") -> str | None:
    """A TextChoices value from its value, its label (English or Chinese) or a register's Chinese name."""
    from finassure.service.importing import ZH_ALIASES

    text = (value or "").strip()
    if not text:
        return None
    alias = ZH_ALIASES.get(column, {}).get(text)
    if alias is not None:
        return alias
    for choice_value, label in choices.choices:
        if text.lower() == str(choice_value).lower() or text == str(label):
            return str(choice_value)
    from django.utils import translation

    with translation.override("zh-hans"):
        for choice_value, label in choices.choices:
            if text == str(label):
                return str(choice_value)
    return None


def complaint_import(*, actor: Any, file_name: str, content: bytes) -> Any:
    """Import a complaint register (Excel/CSV). Valid rows are registered; the others are reported per row
    (line, field, reason) and kept for download. total = imported + rejected, always."""
    import json

    from finassure.service import importing
    from finassure.service.models import ComplaintImport

    access.require(actor, perms.IMPORT)
    try:
        header, rows = importing.read_rows(file_name, content)
        parsed = list(rows)
    except importing.FileRejected as exc:
        raise _invalid("file", str(exc)) from None
    institution_id = actor.org_unit.institution_id if actor.org_unit_id else 0
    units = {u.code: u for u in OrgUnit.objects.filter(institution_id=institution_id)}
    categories = {c.code: c for c in ComplaintCategory.objects.filter(is_active=True)}
    categories.update({c.name: c for c in categories.values()})
    seen: set[str] = set()
    existing = set(Complaint.objects.exclude(external_id="").filter(
        external_id__in=[r.get("external_id", "") for _, r in parsed]).values_list("external_id", flat=True))
    errors: list[list[Any]] = []
    rejected: list[dict[str, Any]] = []
    imported = 0
    for line, raw in parsed:
        row = importing.Row(line, raw)
        values = _import_values(row, actor, units, categories, seen, existing)
        if not row.errors:
            try:
                with transaction.atomic():
                    complaint_register(actor=actor, **values)
            except (ValidationFailed, PermissionDenied) as exc:
                for name, messages in (exc.fields or {"row": [str(exc.message)]}).items():
                    for message in messages:
                        row.error(name, str(message))
        if row.errors:
            errors.extend([list(e) for e in row.errors])
            rejected.append({"line": line, "values": raw})
        else:
            imported += 1
    with transaction.atomic():
        record = ComplaintImport.objects.create(
            created_by=actor, org_unit=actor.org_unit, file_name=file_name[:200], total=len(parsed),
            imported=imported, rejected=len(rejected), errors=errors, header=header,
            rejected_rows=json.dumps(rejected, ensure_ascii=False) if rejected else "",
        )
        audit.record(action="complaint.import", actor=actor, obj=record,
                     detail={"total": record.total, "imported": imported, "rejected": record.rejected})
    return record


def _import_values(row: Any, actor: Any, units: dict[str, OrgUnit], categories: dict[str, ComplaintCategory],
                   seen: set[str], existing: set[str]) -> dict[str, Any]:
    from finassure.service import importing

    raw = row.raw
    for name in importing.REQUIRED:
        if not raw.get(name):
            row.error(name, _("Required."))
    external_id = raw.get("external_id", "")[:64]
    if external_id and (external_id in seen or external_id in existing):
        row.error("external_id", _("Duplicate external id: already imported or earlier in this file."))
    if external_id:
        seen.add(external_id)
    received_at = importing.parse_datetime(raw.get("received_at", "")) if raw.get("received_at") else None
    if raw.get("received_at") and received_at is None:
        row.error("received_at", _("Not a date (use YYYY-MM-DD HH:MM)."))
    elif received_at is not None and received_at > timezone.now():
        row.error("received_at", _("The date is in the future."))
    unit = units.get(raw.get("org_unit", ""))
    if raw.get("org_unit") and unit is None:
        row.error("org_unit", _("Unknown org unit code."))
    elif unit is not None and not access.has_perm(actor, perms.IMPORT, unit):
        row.error("org_unit", _("You may not import complaints for this org unit."))
    category = None
    if raw.get("category"):
        category = categories.get(raw["category"])
        if category is None:
            row.error("category", _("Unknown category."))
    product_line = _choice(raw.get("product_line", ""), ProductLine, "product_line") if raw.get("product_line") else ProductLine.OTHER
    if product_line is None:
        row.error("product_line", _("Unknown product line."))
    channel = _choice(raw.get("channel", ""), Channel, "channel") if raw.get("channel") else Channel.IMPORT
    if channel is None:
        row.error("channel", _("Unknown channel."))
    cause = _choice(raw.get("cause", ""), Complaint.Cause, "cause") if raw.get("cause") else Complaint.Cause.ORDINARY
    if cause is None:
        row.error("cause", _("Unknown cause."))
    severity = _choice(raw.get("severity", ""), Complaint.Severity, "severity") if raw.get("severity") else Complaint.Severity.MEDIUM
    if severity is None:
        row.error("severity", _("Unknown severity."))
    group_size = importing.parse_int(raw.get("group_size", ""), 1)
    if group_size is None or group_size < 1:
        row.error("group_size", _("Not a whole number of at least 1."))
    return {"org_unit": unit, "subject": raw.get("subject", ""), "text": raw.get("text", ""),
            "product_line": product_line, "channel": channel, "category": category,
            "complainant_name": raw.get("complainant_name", ""), "complainant_phone": raw.get("complainant_phone", ""),
            "complainant_id_number": raw.get("complainant_id_number", ""), "group_size": group_size or 1,
            "cause": cause, "severity": severity, "received_at": received_at, "external_id": external_id}


# --- FAQ knowledge base ---------------------------------------------------------------------------


@transaction.atomic
def faq_save(*, actor: Any, question: str, answer: str, product_line: str = ProductLine.OTHER,
             question_en: str = "", answer_en: str = "", is_published: bool = True, article: Any = None) -> Any:
    from finassure.service.models import FaqArticle

    access.require(actor, perms.CONFIGURE)
    errors = {k: [_("Required.")] for k, v in {"question": question, "answer": answer}.items() if not (v or "").strip()}
    if product_line not in ProductLine.values:
        errors["product_line"] = [_("Unknown product line.")]
    if errors:
        raise ValidationFailed(_("The article has invalid or missing values."), fields=errors)
    target = article or FaqArticle()
    before = audit.snapshot(target) if article else {}
    target.question, target.answer = question.strip(), answer.strip()
    target.question_en, target.answer_en = (question_en or "").strip(), (answer_en or "").strip()
    target.product_line, target.is_published = product_line, is_published
    target.save()
    audit.record(action="faq.update" if article else "faq.create", actor=actor, obj=target,
                 changes=audit.diff(before, audit.snapshot(target)))
    return target


def faq_vote(*, article: Any, helpful: bool) -> None:
    """A portal reader's rating of an article (anonymous, throttled by the view)."""
    from django.db.models import F

    from finassure.service.models import FaqArticle

    column = "helpful" if helpful else "not_helpful"
    FaqArticle.objects.filter(pk=article.pk).update(**{column: F(column) + 1})


# --- classification -----------------------------------------------------------------------------


@transaction.atomic
def complaint_classify(*, actor: Any, complaint: Complaint, category: ComplaintCategory,
                       product_line: str) -> Complaint:
    """A person confirms (or corrects) the category and product line; the classifier only suggests."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if product_line not in ProductLine.values:
        raise _invalid("product_line", _("Unknown product line."))
    if not category.is_active:
        raise _invalid("category", _("This category is no longer in use."))
    before = audit.snapshot(complaint)
    complaint.category, complaint.product_line = category, product_line
    if complaint.status == Status.REGISTERED:
        complaint.sla_hours = category.sla_hours
    _event(complaint, EventKind.NOTE, actor=actor, at=None, note=_("Classified: %(category)s / %(product)s") % {
        "category": category, "product": complaint.get_product_line_display()},
        data={"category": category.code, "product_line": product_line})
    return _save(complaint, before, actor, "complaint.classify")


def classifier_retrain(*, actor: Any) -> Any:
    """Retrain on the seed corpus plus the institution's confirmed complaints; cross-validated accuracy kept."""
    from finassure.service import classifier

    if actor is not None:
        access.require(actor, perms.CONFIGURE)
    seed = classifier.seed_examples()
    confirmed = [
        classifier.Example(f"{c['subject']} {c['text']}", c["category__code"], c["product_line"])
        for c in Complaint.objects.filter(category__isnull=False, kind=Complaint.Kind.COMPLAINT,
                                          status__in=[Status.DECIDED, Status.CLOSED])
        .values("subject", "text", "category__code", "product_line").order_by("-id")[:50_000]
    ]
    model = classifier.train(seed + confirmed, seed_count=len(seed))
    classifier.save(model)
    audit.record(action="classifier.retrain", actor=actor, actor_repr="" if actor else "system",
                 detail={"examples": model.examples, "confirmed": len(confirmed), "accuracy": model.accuracy})
    return model


# --- key rotation -------------------------------------------------------------------------------


def complaints_rotate_keys(*, batch: int = 500) -> int:
    """Re-encrypt complainants' data under the active key and recompute the blind indexes.

    Reading decrypts with whichever key a value was written with; saving encrypts with the active one.
    """
    from finassure.service.models import ComplaintImport

    fields = ["complainant_name", "complainant_id_number", "complainant_phone", "complainant_address",
              "account_number", "phone_index", "id_number_index"]
    count = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(Complaint.objects.filter(pk__gt=last).order_by("pk")[:batch])
            if not rows:
                break
            for c in rows:
                phone, id_number = c.complainant_phone or "", c.complainant_id_number or ""
                c.phone_index = crypto.blind_index(phone, context=PHONE_CONTEXT) if phone else ""
                c.id_number_index = crypto.blind_index(id_number, context=ID_NUMBER_CONTEXT) if id_number else ""
            Complaint.objects.bulk_update(rows, fields)
            count += len(rows)
            last = rows[-1].pk
    for item in ComplaintImport.objects.exclude(rejected_rows=""):
        item.save(update_fields=["rejected_rows"])
        count += 1
    audit.record(action="complaint.rotate_keys", actor=None, actor_repr="system", detail={"records": count})
    return count
