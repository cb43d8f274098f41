"""Bulk import of a complaint register (Excel/CSV) with a row-level report whose counts reconcile."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.platform import audit
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.service import perms
from finassure.service.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    ProductLine,
)
from finassure.service.services._common import (
    _invalid,
)
from finassure.service.services.intake import complaint_register


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
    existing = set(
        Complaint.objects.exclude(external_id="")
        .filter(external_id__in=[r.get("external_id", "") for _, r in parsed])
        .values_list("external_id", flat=True)
    )
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
            created_by=actor,
            org_unit=actor.org_unit,
            file_name=file_name[:200],
            total=len(parsed),
            imported=imported,
            rejected=len(rejected),
            errors=errors,
            header=header,
            rejected_rows=json.dumps(rejected, ensure_ascii=False) if rejected else "",
        )
        audit.record(
            action="complaint.import",
            actor=actor,
            obj=record,
            detail={"total": record.total, "imported": imported, "rejected": record.rejected},
        )
    return record


def _import_values(
    row: Any,
    actor: Any,
    units: dict[str, OrgUnit],
    categories: dict[str, ComplaintCategory],
    seen: set[str],
    existing: set[str],
) -> dict[str, Any]:
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
    product_line = (
        _choice(raw.get("product_line", ""), ProductLine, "product_line")
        if raw.get("product_line")
        else ProductLine.OTHER
    )
    if product_line is None:
        row.error("product_line", _("Unknown product line."))
    channel = _choice(raw.get("channel", ""), Channel, "channel") if raw.get("channel") else Channel.IMPORT
    if channel is None:
        row.error("channel", _("Unknown channel."))
    cause = (
        _choice(raw.get("cause", ""), Complaint.Cause, "cause")
        if raw.get("cause")
        else Complaint.Cause.ORDINARY
    )
    if cause is None:
        row.error("cause", _("Unknown cause."))
    severity = (
        _choice(raw.get("severity", ""), Complaint.Severity, "severity")
        if raw.get("severity")
        else Complaint.Severity.MEDIUM
    )
    if severity is None:
        row.error("severity", _("Unknown severity."))
    group_size = importing.parse_int(raw.get("group_size", ""), 1)
    if group_size is None or group_size < 1:
        row.error("group_size", _("Not a whole number of at least 1."))
    return {
        "org_unit": unit,
        "subject": raw.get("subject", ""),
        "text": raw.get("text", ""),
        "product_line": product_line,
        "channel": channel,
        "category": category,
        "complainant_name": raw.get("complainant_name", ""),
        "complainant_phone": raw.get("complainant_phone", ""),
        "complainant_id_number": raw.get("complainant_id_number", ""),
        "group_size": group_size or 1,
        "cause": cause,
        "severity": severity,
        "received_at": received_at,
        "external_id": external_id,
    }
