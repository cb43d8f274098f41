"""Intake: registering a complaint from any channel (with its attachments) and the major-complaint alarm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.accounts.roles import Role
from finassure.platform import audit, crypto
from finassure.platform.errors import ValidationFailed
from finassure.platform.language import in_language, lazy_text, user_language
from finassure.service import perms
from finassure.service.models import (
    DEFAULT_SLA_HOURS,
    MAJOR_GROUP_SIZE,
    Channel,
    Complaint,
    ComplaintCategory,
    ProductLine,
    SlaBasis,
)
from finassure.service.selectors import ID_NUMBER_CONTEXT, PHONE_CONTEXT, normalise_id_number, normalise_phone
from finassure.service.services._common import (
    EventKind,
    _event,
    _tracking_number,
    refresh_clocks,
)


@transaction.atomic
def complaint_register(
    *,
    actor: Any,
    org_unit: OrgUnit,
    subject: str,
    text: str,
    product_line: str = ProductLine.OTHER,
    channel: str = Channel.COUNTER,
    kind: str = Complaint.Kind.COMPLAINT,
    category: ComplaintCategory | None = None,
    complainant_name: str = "",
    complainant_phone: str = "",
    complainant_id_number: str = "",
    complainant_address: str = "",
    account_number: str = "",
    respondent: User | None = None,
    respondent_text: str = "",
    severity: str = Complaint.Severity.MEDIUM,
    group_size: int = 1,
    cause: str = Complaint.Cause.ORDINARY,
    received_at: dt.datetime | None = None,
    external_id: str = "",
    recheck_of: Complaint | None = None,
    attachments: Sequence[Any] = (),
) -> Complaint:
    """Record a complaint from any channel. `actor=None` is the customer portal or a system feed.

    Attachments are checked before anything is written: one refused file refuses the whole submission
    (no complaint, no file), with the reason per file under the `attachments` field.
    """
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
    checked: list[Any] = []
    if attachments:
        from finassure.service.attachments import check_all

        checked, refused = check_all(attachments)
        if refused:
            errors["attachments"] = refused
    if errors:
        raise ValidationFailed(_("The complaint has invalid or missing values."), fields=errors)
    received_at = received_at or timezone.now()
    is_major = group_size >= MAJOR_GROUP_SIZE or cause != Complaint.Cause.ORDINARY
    complaint = Complaint(
        tracking_number=_tracking_number(received_at),
        kind=kind,
        org_unit=org_unit,
        subject=subject[:200],
        text=text[:10000],
        product_line=product_line,
        channel=channel,
        category=category,
        complainant_name=(complainant_name or "").strip()[:100],
        complainant_phone=phone,
        complainant_id_number=id_number,
        complainant_address=(complainant_address or "").strip()[:300],
        account_number=(account_number or "").replace(" ", "")[:40],
        respondent=respondent,
        respondent_text=(respondent_text or "").strip()[:200],
        severity=severity,
        group_size=group_size,
        cause=cause,
        is_major=is_major,
        received_at=received_at,
        external_id=external_id,
        sla_hours=category.sla_hours if category else DEFAULT_SLA_HOURS,
        recheck_of=recheck_of,
        sla_basis=category.sla_basis if category else SlaBasis.NATURAL,
        phone_index=crypto.blind_index(phone, context=PHONE_CONTEXT) if phone else "",
        id_number_index=crypto.blind_index(id_number, context=ID_NUMBER_CONTEXT) if id_number else "",
    )
    complaint.save()
    _event(
        complaint,
        EventKind.REGISTERED,
        actor=actor,
        at=received_at,
        data={"channel": channel, "sla_hours": complaint.sla_hours, "sla_basis": complaint.sla_basis},
    )
    refresh_clocks(complaint)
    audit.record(
        action="complaint.register",
        actor=actor,
        obj=complaint,
        actor_repr="" if actor else channel,
        changes=audit.snapshot(complaint),
    )
    if checked:
        from finassure.service.services.attachments import attachments_store

        attachments_store(complaint=complaint, checked=checked, actor=actor, channel=channel)
    if is_major:
        _notify_major(complaint)
    return complaint


def _notify_major(complaint: Complaint) -> None:
    """Art. 29: a major complaint triggers the emergency plan: tell the consumer-protection officers."""
    from finassure.framework import notify

    officers = [u for u in access.users_with_role(role=Role.CONSUMER_PROTECTION_OFFICER, unit=complaint.org_unit)
                if u.email]
    recipients = [u.email for u in officers]
    audit.record(
        action="complaint.major",
        actor=None,
        obj=complaint,
        actor_repr="system",
        detail={"group_size": complaint.group_size, "cause": complaint.cause, "notified": len(recipients)},
    )
    by_language: dict[str, list[str]] = {}
    for officer in officers:  # each officer reads it in their language, not the complainant's
        by_language.setdefault(user_language(officer), []).append(officer.email)
    for language, addresses in by_language.items():
        subject = in_language(lazy_text(gettext_lazy("Major complaint %(number)s"),
                                        {"number": complaint.tracking_number}), language)
        body = in_language(lazy_text(gettext_lazy(
            "A major complaint was registered (%(n)s people, cause: %(cause)s). Start the emergency plan."),
            {"n": complaint.group_size, "cause": Complaint.Cause(complaint.cause).label}), language)
        notify.mail_on_commit(addresses=addresses, subject=subject, body=body, url=complaint.get_absolute_url(),
                              language=language)


# --- handling -----------------------------------------------------------------------------------
