"""Services of the platform's backups: the scheduled backup (through `finassure backup`'s code), retention
pruning, the restore test into a scratch database, and the backup policy. Every outcome is a row and an
audit record; a failed backup or restore test is recorded with its reason and never raises to the worker.

Backups go to ``FINASSURE_BACKUP_DIR`` (setting or environment), by default ``<var>/backups``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.platform import audit, backup, backup_check
from finassure.platform.errors import ValidationFailed
from finassure.security.models import BackupPolicy, BackupRun, RestoreTest
from finassure.security.selectors import MANAGE_BACKUP

POLICY_FIELDS = ("keep_count", "keep_days", "rpo_target_minutes", "rto_target_minutes")


def backup_dir() -> Path:
    configured = getattr(settings, "FINASSURE_BACKUP_DIR", None) or os.environ.get("FINASSURE_BACKUP_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "backups"


def policy() -> BackupPolicy:
    found = BackupPolicy.objects.order_by("pk").first()
    return found if found is not None else BackupPolicy.objects.create()


def _actor_fields(actor: Any) -> dict[str, Any]:
    return {"actor": actor} if actor is not None else {"actor_repr": "system"}


def backup_create(
    *,
    actor: Any = None,
    trigger: str = BackupRun.Trigger.SCHEDULED,
    using: str = DEFAULT_DB_ALIAS,
    now: dt.datetime | None = None,
) -> BackupRun:
    """Back up the database into the backup folder with its checksummed manifest; a failure is recorded."""
    if actor is not None:
        access.require(actor, MANAGE_BACKUP)
    now = now or timezone.now()
    engine = connections[using].vendor
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    path = backup_dir() / f"finassure-{engine}-{stamp}.backup"
    started = time.perf_counter()
    run = BackupRun(started_at=now, trigger=trigger, engine=engine, file_name=path.name, file_path=str(path))
    try:
        manifest = backup.backup_database(path, using=using)
    except Exception as exc:  # noqa: BLE001 - recorded as a failed backup with its reason
        run.status, run.reason = BackupRun.Status.FAILED, str(exc)[:4000]
    else:
        run.status = BackupRun.Status.SUCCEEDED
        run.size, run.sha256, run.row_counts = manifest.size, manifest.sha256, manifest.row_counts
        run.table_count, run.row_count = len(manifest.row_counts), sum(manifest.row_counts.values())
    run.duration_seconds = round(time.perf_counter() - started, 3)
    with transaction.atomic(using=using):
        run.save(using=using)
        audit.record(
            action="backup.create",
            obj=run,
            outcome="success" if run.succeeded else "failure",
            detail={
                "file": run.file_name,
                "sha256": run.sha256,
                "rows": run.row_count,
                "seconds": run.duration_seconds,
                "reason": run.reason,
            },
            **_actor_fields(actor),
        )
    return run


def backup_prune(*, actor: Any = None, now: dt.datetime | None = None) -> list[BackupRun]:
    """Delete the backup files the retention policy no longer keeps; each pruning is recorded and audited.

    Kept: the newest `keep_count` backups, every backup younger than `keep_days`, and the newest backup whose
    restore test passed (the recovery point the RPO is measured from).
    """
    now = now or timezone.now()
    rules = policy()
    live = list(
        BackupRun.objects.filter(status=BackupRun.Status.SUCCEEDED, pruned_at__isnull=True).order_by(
            "-started_at", "-id"
        )
    )
    verified = latest_verified_backup()
    cutoff = now - dt.timedelta(days=rules.keep_days)
    doomed = [
        run
        for run in live[rules.keep_count :]
        if run.started_at < cutoff and (verified is None or run.pk != verified.pk)
    ]
    for run in doomed:
        path = Path(run.file_path)
        path.unlink(missing_ok=True)
        backup.manifest_path(path).unlink(missing_ok=True)
        with transaction.atomic():
            run.pruned_at = now
            run.save(update_fields=["pruned_at"])
            audit.record(
                action="backup.prune",
                obj=run,
                detail={
                    "file": run.file_name,
                    "started_at": run.started_at,
                    "keep_count": rules.keep_count,
                    "keep_days": rules.keep_days,
                },
                **_actor_fields(actor),
            )
    return doomed


def latest_verified_backup() -> BackupRun | None:
    test = (
        RestoreTest.objects.filter(ok=True)
        .select_related("backup")
        .order_by("-backup__started_at", "-id")
        .first()
    )
    return test.backup if test is not None else None


def restore_test_run(
    *, actor: Any = None, run: BackupRun | None = None, now: dt.datetime | None = None
) -> RestoreTest | None:
    """Restore a backup (by default the newest one kept) into a scratch database and record what it found.

    Returns None when there is no backup to test yet. A damaged or missing file is a failed test, recorded.
    """
    if actor is not None:
        access.require(actor, MANAGE_BACKUP)
    if run is None:
        run = (
            BackupRun.objects.filter(status=BackupRun.Status.SUCCEEDED, pruned_at__isnull=True)
            .order_by("-started_at", "-id")
            .first()
        )
        if run is None:
            return None
    started_at = now or timezone.now()
    check = backup_check.restore_check(run.file_path)
    comparison = {
        table: [expected, check.restored_rows.get(table)]
        for table, expected in sorted(check.expected_rows.items())
    }
    test = RestoreTest(
        backup=run,
        file_name=run.file_name,
        started_at=started_at,
        duration_seconds=round(check.total_seconds, 3),
        restore_seconds=round(check.restore_seconds, 3),
        ok=check.ok,
        reason=check.reason[:4000],
        engine=check.engine,
        scratch=check.scratch[:300],
        table_count=len(comparison),
        rows_expected=sum(check.expected_rows.values()),
        rows_restored=sum(check.restored_rows.values()),
        row_comparison=comparison,
        mismatch_count=len(check.mismatches),
        chain_ok=check.chain_ok,
        chain_checked=check.chain_checked,
        chain_reason=check.chain_reason[:300],
    )
    with transaction.atomic():
        test.save()
        audit.record(
            action="backup.restore_test",
            obj=test,
            outcome="success" if test.ok else "failure",
            detail={
                "backup": run.pk,
                "file": run.file_name,
                "seconds": test.duration_seconds,
                "mismatches": test.mismatch_count,
                "chain_ok": test.chain_ok,
                "reason": test.reason,
            },
            **_actor_fields(actor),
        )
    return test


@transaction.atomic
def policy_update(*, actor: Any, **fields: Any) -> BackupPolicy:
    """Change the retention and the RPO/RTO targets (system administrator); audited."""
    access.require(actor, MANAGE_BACKUP)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    errors = {
        name: [_("Enter a whole number of at least 1.")]
        for name, value in fields.items()
        if not isinstance(value, int) or isinstance(value, bool) or value < 1
    }
    if errors:
        raise ValidationFailed(_("Check the highlighted values."), fields=errors)
    current = BackupPolicy.objects.select_for_update().filter(pk=policy().pk).get()
    before = audit.snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    current.save()
    audit.record(
        action="backup_policy.update",
        actor=actor,
        obj=current,
        changes=audit.diff(before, audit.snapshot(current)),
    )
    return current
