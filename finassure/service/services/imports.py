"""Bulk import of a complaint register (Excel/CSV) as a job with progress, and a row-level report whose counts
reconcile (total = imported + rejected, after every batch).

The bulk path validates every row in memory (lookups loaded once), then registers the valid rows of each batch
of `BATCH` with `bulk_create` (complaints, their registration events; personal data encrypted and blind-indexed
as the rows are built), one audit record per batch naming every tracking number it created, and one audit
record for the whole import. If a batch hits a database conflict (say, an external id registered meanwhile by
another channel) that batch falls back to `complaint_register` row by row, so a row never disappears: it is
imported or reported.

`complaint_import_start` stores the upload (sealed, random name) and queues the job for the worker;
`complaint_import_run` runs it, updating `processed`/`expected` for the progress bar. `complaint_import`
does both in the caller's request (small files, tests, scripts).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.platform import audit, crypto
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.service import clock, perms
from finassure.service.models import (
    MAJOR_GROUP_SIZE,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintImport,
    ProductLine,
    SlaBasis,
    business_hours,
)
from finassure.service.selectors import ID_NUMBER_CONTEXT, PHONE_CONTEXT, normalise_id_number, normalise_phone
from finassure.service.services._common import _invalid, _tracking_number
from finassure.service.services.intake import _notify_major, complaint_register

log = logging.getLogger(__name__)

BATCH = 1000
INLINE_MAX_BYTES = 256 * 1024  # the page runs smaller files at once; larger ones go to the worker
UPLOAD_PREFIX = "service/imports"


def _choice(value: str, choices: Any, column: str = "") -> str | None:
    """A TextChoices value from its value, its label (English or Chinese) or a register's Chinese name."""
    return _choice_map(choices, column).get((value or "").strip().lower())


_CHOICE_MAPS: dict[tuple[str, str], dict[str, str]] = {}


def _choice_map(choices: Any, column: str) -> dict[str, str]:
    key = (choices.__name__, column)
    found = _CHOICE_MAPS.get(key)
    if found is None:
        from django.utils import translation

        from finassure.service.importing import ZH_ALIASES

        found = {}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found.update({str(label).lower(): str(v) for v, label in choices.choices})
        found.update({str(v).lower(): str(v) for v in choices.values})
        found.update({k.lower(): v for k, v in ZH_ALIASES.get(column, {}).items()})
        _CHOICE_MAPS[key] = found
    return found


# --- starting and running a job -----------------------------------------------------------------------


def _read(file_name: str, content: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from finassure.service import importing

    try:
        header, rows = importing.read_rows(file_name, content)
        return header, list(rows)
    except importing.FileRejected as exc:
        raise _invalid("file", str(exc)) from None


def _check_file(file_name: str, content: bytes) -> None:
    """Refuse a file that cannot be an import (type, header) before anything is stored."""
    from finassure.service import importing

    try:
        importing.read_rows(file_name, content)  # reads the header only: rows are a lazy iterator
    except importing.FileRejected as exc:
        raise _invalid("file", str(exc)) from None


@transaction.atomic
def complaint_import_start(*, actor: Any, file_name: str, content: bytes, enqueue: bool = True) -> ComplaintImport:
    """Check the file's type and header, store it sealed, and queue the import job (run by the worker)."""
    from finassure.service import attachments

    access.require(actor, perms.IMPORT)
    _check_file(file_name, content)
    storage = attachments.new_storage_name(UPLOAD_PREFIX)
    attachments.write(storage, content)
    job = ComplaintImport.objects.create(created_by=actor, org_unit=actor.org_unit, file_name=file_name[:200],
                                         status=ComplaintImport.Status.QUEUED, upload_storage=storage)
    audit.record(action="complaint.import_start", actor=actor, obj=job, detail={"bytes": len(content)})
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from finassure.service import tasks

    tasks.complaint_import_run.enqueue(job_id)


def complaint_import_run(*, job_id: int, progress: Callable[[ComplaintImport], None] | None = None) -> ComplaintImport:
    """Run a queued import job in batches; `processed` and the counts are committed after every batch."""
    from finassure.service import attachments

    job = ComplaintImport.objects.select_related("created_by", "created_by__org_unit").get(pk=job_id)
    if job.status != ComplaintImport.Status.QUEUED:
        return job
    ComplaintImport.objects.filter(pk=job.pk).update(status=ComplaintImport.Status.RUNNING)
    started = time.monotonic()
    try:
        content = attachments.read(job.upload_storage)
        header, rows = _read(job.file_name, content)
        job.header, job.expected = header, len(rows)
        job.save(update_fields=["header", "expected", "updated_at"])
        _run_rows(job, rows, progress)
    except Exception as exc:  # noqa: BLE001 - any failure ends the job visibly; committed batches stay counted
        message = str(getattr(exc, "message", "") or exc)[:300]
        ComplaintImport.objects.filter(pk=job.pk).update(status=ComplaintImport.Status.FAILED, failure=message,
                                                         finished_at=timezone.now(),
                                                         seconds=round(time.monotonic() - started, 2))
        audit.record(action="complaint.import_failed", actor=job.created_by, obj=job, outcome="failure",
                     detail={"processed": job.processed, "reason": message})
        job.refresh_from_db()
        if isinstance(exc, ValidationFailed):
            return job
        raise
    finally:
        attachments.delete(job.upload_storage)
    job.status, job.finished_at = ComplaintImport.Status.DONE, timezone.now()
    job.seconds = round(time.monotonic() - started, 2)
    job.upload_storage = ""
    with transaction.atomic():
        job.save()
        audit.record(action="complaint.import", actor=job.created_by, obj=job,
                     detail={"total": job.total, "imported": job.imported, "rejected": job.rejected,
                             "seconds": job.seconds})
    return job


def complaint_import(*, actor: Any, file_name: str, content: bytes) -> ComplaintImport:
    """Import a register in the caller's request (same bulk path and report as the worker's job)."""
    job = complaint_import_start(actor=actor, file_name=file_name, content=content, enqueue=False)
    return complaint_import_run(job_id=job.pk)


# --- the bulk path ----------------------------------------------------------------------------------


class _Lookups:
    """Everything a row is checked against, loaded once per import."""

    def __init__(self, actor: Any, rows: list[tuple[int, dict[str, str]]]) -> None:
        institution_id = actor.org_unit.institution_id if actor.org_unit_id else 0
        self.actor = actor
        self.units = {u.code: u for u in OrgUnit.objects.filter(institution_id=institution_id)}
        self.allowed: dict[int, bool] = {}
        categories = {c.code: c for c in ComplaintCategory.objects.filter(is_active=True)}
        categories.update({c.name: c for c in list(categories.values())})
        self.categories = categories
        self.seen: set[str] = set()
        ids = [r.get("external_id", "")[:64] for _, r in rows if r.get("external_id")]
        self.existing: set[str] = set()
        for start in range(0, len(ids), 5000):
            self.existing.update(Complaint.objects.filter(external_id__in=ids[start:start + 5000])
                                 .values_list("external_id", flat=True))
        self.now = timezone.now()
        self.business: clock.BusinessHours | None = None

    def may_import(self, unit: OrgUnit) -> bool:
        if unit.pk not in self.allowed:
            self.allowed[unit.pk] = access.has_perm(self.actor, perms.IMPORT, unit)
        return self.allowed[unit.pk]

    def business_hours(self) -> clock.BusinessHours:
        if self.business is None:
            self.business = business_hours()
        return self.business


def _run_rows(job: ComplaintImport, rows: list[tuple[int, dict[str, str]]],
              progress: Callable[[ComplaintImport], None] | None) -> None:
    from finassure.service import importing

    actor = job.created_by
    lookups = _Lookups(actor, rows)
    errors: list[list[Any]] = []
    rejected: list[dict[str, Any]] = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        valid: list[tuple[int, dict[str, Any]]] = []
        batch_errors: list[list[Any]] = []
        batch_rejected: list[dict[str, Any]] = []
        for line, raw in batch:
            row = importing.Row(line, raw)
            values = _import_values(row, lookups)
            if row.errors:
                batch_errors.extend([list(e) for e in row.errors])
                batch_rejected.append({"line": line, "values": raw})
            else:
                valid.append((line, values))
        imported, late_errors, late_rejected = _register_batch(job, valid, lookups,
                                                               dict(batch))
        batch_errors.extend(late_errors)
        batch_rejected.extend(late_rejected)
        errors.extend(batch_errors)
        rejected.extend(batch_rejected)
        with transaction.atomic():
            job.imported += imported
            job.rejected += len(batch_rejected)
            job.total = job.imported + job.rejected
            job.processed = start + len(batch)
            job.errors = errors
            ComplaintImport.objects.filter(pk=job.pk).update(imported=job.imported, rejected=job.rejected,
                                                             total=job.total, processed=job.processed,
                                                             updated_at=timezone.now())
        if progress is not None:
            progress(job)
    job.errors = errors
    job.rejected_rows = json.dumps(rejected, ensure_ascii=False) if rejected else ""


def _import_values(row: Any, lookups: _Lookups) -> dict[str, Any]:
    from finassure.service import importing

    raw = row.raw
    for name in importing.REQUIRED:
        if not raw.get(name):
            row.error(name, _("Required."))
    external_id = raw.get("external_id", "")[:64]
    if external_id and (external_id in lookups.seen or external_id in lookups.existing):
        row.error("external_id", _("Duplicate external id: already imported or earlier in this file."))
    if external_id:
        lookups.seen.add(external_id)
    received_at = importing.parse_datetime(raw.get("received_at", "")) if raw.get("received_at") else None
    if raw.get("received_at") and received_at is None:
        row.error("received_at", _("Not a date (use YYYY-MM-DD HH:MM)."))
    elif received_at is not None and received_at > lookups.now:
        row.error("received_at", _("The date is in the future."))
    unit = lookups.units.get(raw.get("org_unit", ""))
    if raw.get("org_unit") and unit is None:
        row.error("org_unit", _("Unknown org unit code."))
    elif unit is not None and not lookups.may_import(unit):
        row.error("org_unit", _("You may not import complaints for this org unit."))
    category = None
    if raw.get("category"):
        category = lookups.categories.get(raw["category"])
        if category is None:
            row.error("category", _("Unknown category."))
    product_line = _choice(raw["product_line"], ProductLine, "product_line") if raw.get("product_line") \
        else ProductLine.OTHER
    if product_line is None:
        row.error("product_line", _("Unknown product line."))
    channel = _choice(raw["channel"], Channel, "channel") if raw.get("channel") else Channel.IMPORT
    if channel is None:
        row.error("channel", _("Unknown channel."))
    cause = _choice(raw["cause"], Complaint.Cause, "cause") if raw.get("cause") else Complaint.Cause.ORDINARY
    if cause is None:
        row.error("cause", _("Unknown cause."))
    severity = _choice(raw["severity"], Complaint.Severity, "severity") if raw.get("severity") \
        else Complaint.Severity.MEDIUM
    if severity is None:
        row.error("severity", _("Unknown severity."))
    group_size = importing.parse_int(raw.get("group_size", ""), 1)
    if group_size is None or group_size < 1 or group_size > 1_000_000:
        row.error("group_size", _("Not a whole number of at least 1."))
    phone = normalise_phone(raw.get("complainant_phone", ""))
    if raw.get("complainant_phone") and not 7 <= len(phone) <= 15:
        row.error("complainant_phone", _("Enter a valid phone number."))
    return {"org_unit": unit, "subject": raw.get("subject", "").strip(), "text": raw.get("text", "").strip(),
            "product_line": product_line, "channel": channel, "category": category,
            "complainant_name": raw.get("complainant_name", ""), "complainant_phone": phone,
            "complainant_id_number": raw.get("complainant_id_number", ""), "group_size": group_size or 1,
            "cause": cause, "severity": severity, "received_at": received_at, "external_id": external_id}


def _build(values: dict[str, Any], lookups: _Lookups) -> Complaint:
    phone = values["complainant_phone"]
    id_number = normalise_id_number(values["complainant_id_number"] or "")
    category = values["category"]
    received_at = values["received_at"]
    sla_hours = category.sla_hours if category else 48
    basis = category.sla_basis if category else SlaBasis.NATURAL
    allowed = dt.timedelta(hours=sla_hours)
    due = lookups.business_hours().add(received_at, allowed) if basis == SlaBasis.BUSINESS else received_at + allowed
    is_major = values["group_size"] >= MAJOR_GROUP_SIZE or values["cause"] != Complaint.Cause.ORDINARY
    return Complaint(
        tracking_number=_tracking_number(received_at), kind=Complaint.Kind.COMPLAINT, org_unit=values["org_unit"],
        subject=values["subject"][:200], text=values["text"][:10000], product_line=values["product_line"],
        channel=values["channel"], category=category, complainant_name=(values["complainant_name"] or "").strip()[:100],
        complainant_phone=phone, complainant_id_number=id_number, severity=values["severity"],
        group_size=values["group_size"], cause=values["cause"], is_major=is_major, received_at=received_at,
        external_id=values["external_id"], sla_hours=sla_hours, sla_basis=basis, sla_due_at=due,
        phone_index=crypto.blind_index(phone, context=PHONE_CONTEXT) if phone else "",
        id_number_index=crypto.blind_index(id_number, context=ID_NUMBER_CONTEXT) if id_number else "",
    )


def _register_batch(job: ComplaintImport, valid: list[tuple[int, dict[str, Any]]], lookups: _Lookups,
                    raw_by_line: dict[int, dict[str, str]]) -> tuple[int, list[list[Any]], list[dict[str, Any]]]:
    """Register a batch's valid rows in bulk; on a database conflict, row by row through the service."""
    if not valid:
        return 0, [], []
    actor = job.created_by
    try:
        with transaction.atomic():
            complaints = [_build(values, lookups) for _, values in valid]
            _insert(Complaint, complaints)
            _insert(ComplaintEvent, [
                ComplaintEvent(complaint_id=c.pk, kind=ComplaintEvent.Kind.REGISTERED, at=c.received_at, actor=actor,
                               data={"channel": c.channel, "sla_hours": c.sla_hours, "sla_basis": c.sla_basis,
                                     "import": job.pk})
                for c in complaints])
            audit.record(action="complaint.import_batch", actor=actor, obj=job,
                         detail={"lines": [valid[0][0], valid[-1][0]], "count": len(complaints),
                                 "tracking_numbers": [c.tracking_number for c in complaints]})
            for complaint in complaints:
                if complaint.is_major:
                    _notify_major(complaint)
        return len(complaints), [], []
    except IntegrityError:
        # A conflict inside the batch (say an external id registered meanwhile by the API): every row of it is
        # registered one by one below instead, so each is imported or reported, never lost.
        log.info("complaint import batch of %s rows falls back to row by row", len(valid))
    imported, errors, rejected = 0, [], []
    for line, values in valid:
        try:
            with transaction.atomic():
                complaint_register(actor=actor, **values)
            imported += 1
        except (ValidationFailed, PermissionDenied, IntegrityError) as exc:
            fields = getattr(exc, "fields", None) or {"row": [str(getattr(exc, "message", exc))]}
            errors.extend([[line, name, str(message)] for name, messages in fields.items() for message in messages])
            rejected.append({"line": line, "values": raw_by_line[line]})
    return imported, errors, rejected


def _insert(model: Any, objs: list[Any], chunk: int = 500) -> None:
    """`bulk_create` without its per-value bookkeeping: one multi-row INSERT … RETURNING id per chunk.

    Values go through each field's `get_db_prep_save` (so encrypted fields encrypt, datetimes adapt to
    the backend), but a column whose value is the same in every row of the chunk is prepared once. Sets
    `pk` on the objects in order, as `bulk_create` does on PostgreSQL and SQLite ≥ 3.35.
    """
    from django.db import connection

    if not objs:
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for obj in objs:
        for f in fields:
            if getattr(f, "auto_now", False) or (getattr(f, "auto_now_add", False) and getattr(obj, f.attname) is None):
                setattr(obj, f.attname, now)
    qn = connection.ops.quote_name
    table, pk_column = qn(model._meta.db_table), qn(model._meta.pk.column)
    columns = ", ".join(qn(f.column) for f in fields)
    for start in range(0, len(objs), chunk):
        part = objs[start:start + chunk]
        prepared: list[list[Any]] = []
        for f in fields:
            values = [getattr(obj, f.attname) for obj in part]
            first = values[0]
            if not getattr(f, "pii_class", None) and all(v == first and type(v) is type(first) for v in values):
                prepared.append([f.get_db_prep_save(first, connection)] * len(part))
            else:
                prepared.append([f.get_db_prep_save(v, connection) for v in values])
        # identifiers come from model metadata (quoted by the backend); every value is a parameter
        if connection.vendor == "postgresql":
            # one array parameter per column: a short statement psycopg need not split into 20,000 placeholders
            casts = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            params: list[Any] = [list(column) for column in prepared]
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) RETURNING {pk_column}"  # noqa: S608
        else:
            row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
            params = [value for row in zip(*prepared, strict=True) for value in row]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(part))} RETURNING {pk_column}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [r[0] for r in cursor.fetchall()]
        if len(ids) != len(part):  # pragma: no cover - the database must return one id per row
            raise IntegrityError("insert returned a different number of ids")
        for obj, pk in zip(part, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
