"""The audit trail: append hash-chained records, describe changes safely, verify and purge the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from finassure.platform import context
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import AuditEvent

GENESIS = ""
# Reasons are fixed phrases so the page can translate them (gettext_noop marks them for the catalogue).
REASON_START = gettext_noop("first record does not start the chain")
REASON_LINK = gettext_noop("link to the previous record is broken")
REASON_CONTENT = gettext_noop("record content does not match its hash")
REDACTED = "[redacted]"
# Serialises appends on PostgreSQL; SQLite takes its write lock at BEGIN IMMEDIATE (see settings).
_PG_LOCK_KEY = 7246001


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def canonical_ts(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(event: AuditEvent) -> str:
    body = {
        "ts": canonical_ts(event.ts),
        "actor": event.actor_id,
        "actor_repr": event.actor_repr,
        "org_unit": event.org_unit_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "channel": event.channel,
        "request_id": event.request_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "outcome": event.outcome,
        "detail": event.detail,
        "prev": event.prev_hash,
    }
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def field_value_for_audit(instance: models.Model, field: models.Field) -> Any:
    """A field's value as the audit trail may keep it: C3 never, C2 masked."""
    value = getattr(instance, field.attname)
    pii_class = getattr(field, "pii_class", None)
    if pii_class == "C3":
        return REDACTED
    if pii_class == "C2" and value:
        from finassure.platform.masking import mask

        return mask(str(value), getattr(field, "mask_kind", "generic"))
    return _jsonable(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audit-safe values of a model instance's concrete fields (for before/after)."""
    wanted = set(fields) if fields is not None else None
    result = {}
    for field in instance._meta.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        if field.name in {"password", "created_at", "updated_at"}:
            continue
        result[field.name] = field_value_for_audit(instance, field)
    return result


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {name: [before, after]}."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    org_unit_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
    actor_repr: str = "",
) -> AuditEvent:
    """Append one record to the chain. Commits with the caller's transaction, or on its own."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
        if org_unit_id is None:
            org_unit_id = getattr(obj, "org_unit_id", None)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if org_unit_id is None and user is not None:
        org_unit_id = getattr(user, "org_unit_id", None)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            ts=timezone.now(),
            actor=user,
            actor_repr=actor_repr or (_user_repr(user) if user else ""),
            org_unit_id=org_unit_id,
            ip=ctx.ip[:64],
            user_agent=ctx.user_agent[:300],
            channel=ctx.channel,
            request_id=ctx.request_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:300],
            changes=_jsonable(dict(changes or {})),
            outcome=outcome,
            detail=_jsonable(dict(detail or {})),
            prev_hash=last or GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


def _user_repr(user: Any) -> str:
    name = getattr(user, "display_name", "") or ""
    return f"{user.get_username()} ({name})" if name else user.get_username()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(*, chunk_size: int = 2000) -> VerifyResult:
    """Walk the chain in id order; report the first record whose hash or link does not hold."""
    prev_hash: str | None = None
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if prev_hash is None:
            if event.prev_hash != GENESIS and not _is_purge_anchor(event):
                return VerifyResult(False, checked, event.id, REASON_START)
        elif event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.id, REASON_LINK)
        if compute_hash(event) != event.hash:
            return VerifyResult(False, checked, event.id, REASON_CONTENT)
        prev_hash = event.hash
        checked += 1
    return VerifyResult(True, checked)


def _is_purge_anchor(first: AuditEvent) -> bool:
    """After a purge the first remaining record links to a hash that a purge record vouches for."""
    return AuditEvent.objects.filter(action="audit.purged", detail__through_hash=first.prev_hash).exists()


def retention_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)


@transaction.atomic
def purge(*, actor: Any, before: dt.datetime) -> int:
    """Delete records older than `before`; refuses anything inside the retention period."""
    if before > retention_cutoff():
        raise ValidationFailed(gettext("Audit records younger than %(days)s days cannot be purged.")
                               % {"days": settings.AUDIT_RETENTION_DAYS})
    doomed = AuditEvent.objects.filter(ts__lt=before).order_by("-id")
    last = doomed.values("id", "hash").first()
    if last is None:
        return 0
    # The anchor is appended before the delete so the surviving chain stays verifiable.
    record(
        action="audit.purged",
        actor=actor,
        detail={"through_id": last["id"], "through_hash": last["hash"], "before": before.isoformat()},
    )
    count, _ = AuditEvent.objects.filter(id__lte=last["id"]).delete()
    return count
