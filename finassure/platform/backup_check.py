"""Restore test of a backup into a scratch database: the proof that a backup can actually be restored.

``restore_check(path)`` restores a backup (made by ``backup.backup_database``) with the same code as
``finassure restore`` into a scratch database on the configured engine (SQLite: a temporary file;
PostgreSQL: ``<db>_restore_check``, created and dropped), compares the rows per table with the manifest,
walks the audit hash chain on the copy, and returns what it found with the time it took. It never raises
for a bad backup: the failure and its reason are in the result, so the caller can record them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from psycopg import sql

from finassure.platform import audit, backup
from finassure.platform.models import AuditEvent

SCRATCH_ALIAS = "restore_check"
SCRATCH_SUFFIX = "_restore_check"


@dataclass
class RestoreCheck:
    """What a restore test found: ok only when the restore worked, every count matched and the chain holds."""

    file: str
    engine: str = ""
    scratch: str = ""
    ok: bool = False
    reason: str = ""
    expected_rows: dict[str, int] = field(default_factory=dict)
    restored_rows: dict[str, int] = field(default_factory=dict)
    mismatches: dict[str, list[int | None]] = field(default_factory=dict)
    chain_ok: bool | None = None
    chain_checked: int = 0
    chain_reason: str = ""
    restore_seconds: float = 0.0
    total_seconds: float = 0.0


def verify_chain(using: str) -> audit.VerifyResult:
    """``audit.verify`` on another database alias: the same walk, reading the copy instead of the live data."""
    events = AuditEvent.objects.using(using)
    prev_hash: str | None = None
    checked = 0
    for event in events.order_by("id").iterator(chunk_size=2000):
        if prev_hash is None:
            anchored = events.filter(action="audit.purged", detail__through_hash=event.prev_hash).exists()
            if event.prev_hash != audit.GENESIS and not anchored:
                return audit.VerifyResult(False, checked, event.id, audit.REASON_START)
        elif event.prev_hash != prev_hash:
            return audit.VerifyResult(False, checked, event.id, audit.REASON_LINK)
        if audit.compute_hash(event) != event.hash:
            return audit.VerifyResult(False, checked, event.id, audit.REASON_CONTENT)
        prev_hash = event.hash
        checked += 1
    return audit.VerifyResult(True, checked)


def restore_check(path: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> RestoreCheck:
    """Restore ``path`` into a scratch database, compare and verify; see the module docstring."""
    started = time.perf_counter()
    path = Path(path)
    result = RestoreCheck(file=path.name)
    try:
        result.engine = backup.engine_name(connections[using])
        manifest = backup.verify_backup(path)
        result.expected_rows = dict(manifest.row_counts)
        with _scratch_database(using) as (alias, scratch):
            result.scratch = scratch
            restore_started = time.perf_counter()
            restored = backup.restore_database(path, using=alias)
            result.restore_seconds = time.perf_counter() - restore_started
            result.restored_rows = restored.row_counts
            result.mismatches = {t: [e, f] for t, (e, f) in sorted(restored.mismatches.items())}
            chain = verify_chain(alias)
            result.chain_ok, result.chain_checked = chain.ok, chain.checked
            result.chain_reason = "" if chain.ok else f"record {chain.broken_id}: {chain.reason}"
    except backup.BackupError as exc:
        result.reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - a restore test records any failure instead of crashing the worker
        result.reason = f"{type(exc).__name__}: {exc}"[:2000]
    else:
        problems = []
        if result.mismatches:
            shown = ", ".join(
                f"{t}: expected {e}, found {f}" for t, (e, f) in list(result.mismatches.items())[:5]
            )
            problems.append(
                f"row counts differ from the manifest in {len(result.mismatches)} tables ({shown})"
            )
        if not result.chain_ok:
            problems.append(f"audit chain broken on the copy at {result.chain_reason}")
        result.ok = not problems
        result.reason = "; ".join(problems)
    result.total_seconds = time.perf_counter() - started
    return result


@contextmanager
def _scratch_database(using: str) -> Iterator[tuple[str, str]]:
    """A new empty database on the engine of ``using``, reachable as a Django alias while the block runs."""
    source = connections[using].settings_dict
    if connections[using].vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="finassure-restore-check-") as folder:
            name = str(Path(folder) / "restore_check.sqlite3")
            with _alias({**source, "NAME": name, "TEST": {**source.get("TEST", {}), "NAME": name}}) as alias:
                yield alias, name
        return
    params = backup.libpq_params(source)
    name = f"{params.get('dbname', 'finassure')}{SCRATCH_SUFFIX}"[:63]
    admin = make_admin_params(params)
    _drop_pg(admin, name)  # a leftover of an interrupted check
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with _alias({**source, "NAME": name, "TEST": {**source.get("TEST", {}), "NAME": name}}) as alias:
            yield alias, name
    finally:
        _drop_pg(admin, name)


def make_admin_params(params: dict[str, str]) -> dict[str, Any]:
    """Connection parameters for the maintenance database, to create and drop the scratch database."""
    return {**params, "dbname": "postgres"}


def _drop_pg(admin: dict[str, Any], name: str) -> None:
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def _alias(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A connection to the scratch database under its own alias, created directly (not from DATABASES)."""
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, SCRATCH_ALIAS)
    connections[SCRATCH_ALIAS] = wrapper
    try:
        yield SCRATCH_ALIAS
    finally:
        wrapper.close()
        del connections[SCRATCH_ALIAS]
