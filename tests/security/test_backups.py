"""Platform backups: the scheduled backup and restore test run end to end on the suite's engine and are recorded
(rows per table against the manifest, audit chain on the copy, duration); damaged backups are recorded failures;
retention prunes old files; RPO/RTO achieved are shown against the targets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from finassure.accounts import services as accounts_services
from finassure.accounts.roles import Role
from finassure.platform import backup, backup_check, scheduling
from finassure.platform.models import AuditEvent
from finassure.security import backups, selectors, tasks
from finassure.security.models import BackupPolicy, BackupRun, RestoreTest
from tests.support import audit_triggers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _backup_dir(settings: Any, tmp_path: Path) -> Path:
    settings.FINASSURE_BACKUP_DIR = str(tmp_path / "backups")
    return tmp_path / "backups"


def _populate() -> None:
    institution = accounts_services.institution_create(
        actor=None, code="bk-bank", name="示例银行", head_office_name="总行"
    )
    head = institution.org_units.get(parent__isnull=True)
    accounts_services.user_create(actor=None, username="wangwu", display_name="王五", org_unit=head)


def _live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return backup.row_counts(cursor, connection.vendor)


def _scratch_exists(name: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(name).exists()
    params = backup_check.make_admin_params(backup.libpq_params(connection.settings_dict))
    with psycopg.connect(**params) as db:
        return db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _run_queued(task: Any) -> DBTaskResult:
    """Enqueue a task on the database queue and let the worker run it, as the schedule does."""
    result = task.enqueue()
    call_command("db_worker", batch=True, verbosity=0)
    return DBTaskResult.objects.get(pk=result.id)


def test_backup_and_restore_test_are_scheduled_daily() -> None:
    names = {s.name: s for s in scheduling.schedules()}
    assert names["security.backup"].every == dt.timedelta(days=1)
    assert names["security.restore_test"].every == dt.timedelta(days=1)
    assert names["security.restore_test"].task is tasks.restore_test


def test_the_scheduled_restore_test_restores_the_backup_into_a_scratch_database_and_records_it(
    _backup_dir: Path,
) -> None:
    _populate()
    audit_records = AuditEvent.objects.count()  # the backup's own audit record comes after the snapshot

    backed_up = _run_queued(tasks.backup_platform)

    assert backed_up.status == "SUCCESSFUL", backed_up.traceback
    run = BackupRun.objects.get()
    assert run.status == "succeeded" and run.reason == ""
    path = Path(run.file_path)
    assert path.parent == _backup_dir and path.is_file()
    assert run.sha256 == backup.sha256_file(path) == backup.Manifest.read(path).sha256
    assert run.row_counts["accounts_user"] == 1 and run.row_counts["platform_auditevent"] == audit_records
    assert run.row_count == sum(run.row_counts.values()) and run.table_count == len(run.row_counts)

    tested = _run_queued(tasks.restore_test)

    assert tested.status == "SUCCESSFUL", tested.traceback
    test = RestoreTest.objects.get()
    assert test.reason == "" and test.ok is True
    assert test.backup == run and test.file_name == path.name and test.engine == connection.vendor
    assert test.row_comparison == {table: [count, count] for table, count in run.row_counts.items()}
    assert test.table_count == len(run.row_counts) and test.mismatch_count == 0
    assert test.rows_expected == test.rows_restored == run.row_count
    assert test.chain_ok is True and test.chain_checked == audit_records
    assert 0 < test.restore_seconds <= test.duration_seconds
    assert tested.return_value == {
        "restore_test": test.pk,
        "ok": True,
        "seconds": test.duration_seconds,
        "reason": "",
    }
    if connection.vendor == "postgresql":
        assert test.scratch == f"{connection.settings_dict['NAME']}_restore_check"
    assert not _scratch_exists(test.scratch), "the scratch database is removed after the test"
    event = AuditEvent.objects.get(action="backup.restore_test")
    assert event.outcome == "success" and event.channel == "worker" and event.actor_repr == "system"


def test_a_corrupt_backup_file_is_a_recorded_failure_with_its_reason(_backup_dir: Path) -> None:
    _populate()
    run = backups.backup_create()
    path = Path(run.file_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    tested = _run_queued(tasks.restore_test)

    assert tested.status == "SUCCESSFUL", "a failed restore test is recorded, the task does not crash"
    test = RestoreTest.objects.get()
    assert test.ok is False and test.backup == run
    assert "does not match its manifest" in test.reason and "nothing was restored" in test.reason
    assert test.chain_ok is None and test.rows_restored == 0
    assert AuditEvent.objects.get(action="backup.restore_test").outcome == "failure"


def test_a_missing_backup_file_is_a_recorded_failure() -> None:
    _populate()
    run = backups.backup_create()
    Path(run.file_path).unlink()
    test = backups.restore_test_run()
    assert test is not None and test.ok is False and "no backup file" in test.reason


def test_a_restore_whose_row_counts_differ_from_the_manifest_fails_naming_the_table() -> None:
    _populate()
    run = backups.backup_create()
    manifest_file = backup.manifest_path(Path(run.file_path))
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["row_counts"]["accounts_user"] = 5  # the file still matches its sha256; the counts do not
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")

    test = backups.restore_test_run()

    assert test is not None and test.ok is False and test.mismatch_count == 1
    assert test.row_comparison["accounts_user"] == [5, 1]
    assert "accounts_user: expected 5, found 1" in test.reason
    assert test.chain_ok is True


def test_a_backup_with_a_broken_audit_chain_fails_the_restore_test() -> None:
    _populate()
    victim = AuditEvent.objects.order_by("id").first()
    assert victim is not None
    audit_triggers(enabled=False)
    AuditEvent.objects.filter(pk=victim.pk).update(object_repr="tampered")
    audit_triggers(enabled=True)
    backups.backup_create()

    test = backups.restore_test_run()

    assert test is not None and test.ok is False and test.chain_ok is False and test.mismatch_count == 0
    assert f"record {victim.pk}: record content does not match its hash" in test.chain_reason
    assert "audit chain broken on the copy" in test.reason


def test_without_any_backup_the_restore_test_records_nothing() -> None:
    assert _run_queued(tasks.restore_test).return_value == {
        "restore_test": None,
        "reason": "no backup to test yet",
    }
    assert not RestoreTest.objects.exists()


def test_a_failed_backup_is_recorded_with_its_reason(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.FINASSURE_BACKUP_DIR = str(blocker)  # a file where the folder should be
    run = backups.backup_create()
    assert run.status == "failed" and run.reason and run.sha256 == ""
    assert AuditEvent.objects.get(action="backup.create").outcome == "failure"
    assert backups.restore_test_run() is None


def _fake_run(folder: Path, name: str, started_at: dt.datetime) -> BackupRun:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"backup")
    backup.manifest_path(path).write_text("{}")
    return BackupRun.objects.create(
        started_at=started_at, status="succeeded", file_name=name, file_path=str(path), sha256="0" * 64
    )


def test_retention_keeps_the_newest_and_the_young_backups_and_records_each_pruning(_backup_dir: Path) -> None:
    now = timezone.now()
    BackupPolicy.objects.create(keep_count=2, keep_days=3)
    ages = {"a": 0, "b": 1, "c": 2, "d": 4, "e": 5, "f": 9}  # days old
    runs = {
        key: _fake_run(_backup_dir, f"{key}.backup", now - dt.timedelta(days=age, hours=1))
        for key, age in ages.items()
    }
    # f is the newest verified backup (its restore test passed): it is kept whatever its age.
    RestoreTest.objects.create(backup=runs["f"], file_name="f.backup", started_at=now, ok=True)

    pruned = backups.backup_prune(now=now)

    # Newest two (a, b) kept; c is younger than 3 days; f is the recovery point; d and e go.
    assert sorted(r.file_name for r in pruned) == ["d.backup", "e.backup"]
    for key in "de":
        runs[key].refresh_from_db()
        assert runs[key].pruned_at == now
        assert not Path(runs[key].file_path).exists()
        assert not backup.manifest_path(Path(runs[key].file_path)).exists()
    for key in "abcf":
        assert Path(runs[key].file_path).exists()
    assert AuditEvent.objects.filter(action="backup.prune").count() == 2
    assert backups.backup_prune(now=now) == []  # pruned once


def _verified_at(started: dt.datetime, seconds: float) -> RestoreTest:
    run = BackupRun.objects.create(
        started_at=started, status="succeeded", file_name="x.backup", sha256="1" * 64
    )
    return RestoreTest.objects.create(
        backup=run, file_name="x.backup", started_at=started, ok=True, duration_seconds=seconds
    )


def test_rpo_and_rto_achieved_are_the_age_and_restore_time_of_the_newest_verified_backup(
    make_user: Any,
) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    now = timezone.now()
    status = selectors.recovery_status(actor=admin, now=now)
    assert status.rpo_minutes is None and not status.rpo_met and not status.rto_met
    _verified_at(now - dt.timedelta(hours=30), 60)
    newest = _verified_at(now - dt.timedelta(hours=10), 90)
    failed_run = BackupRun.objects.create(
        started_at=now - dt.timedelta(hours=1), status="succeeded", file_name="y.backup", sha256="2" * 64
    )
    RestoreTest.objects.create(backup=failed_run, file_name="y.backup", started_at=now, ok=False, reason="x")

    status = selectors.recovery_status(actor=admin, now=now)

    assert status.verified == newest
    assert status.rpo_minutes == 600 and status.rpo_met  # 10 h ≤ 25 h
    assert status.rto_minutes == 1.5 and status.rto_met  # 90 s ≤ 4 h
    BackupPolicy.objects.create(rpo_target_minutes=599, rto_target_minutes=1)
    status = selectors.recovery_status(actor=admin, now=now)
    assert not status.rpo_met and not status.rto_met


def test_the_demo_records_one_verified_restore_once() -> None:
    from finassure.security import demo as security_demo

    _populate()
    for _ in range(2):
        security_demo.seed_backup({})
    test = RestoreTest.objects.get()
    assert test.ok and BackupRun.objects.count() == 1


def test_a_sqlite_backup_inside_an_open_transaction_is_a_recorded_failure_not_a_hang() -> None:
    from django.db import transaction

    if connection.vendor != "sqlite":
        assert backups.backup_create().succeeded  # pg_dump reads its own snapshot of committed data
        return
    with transaction.atomic():
        run = backups.backup_create()
    assert run.status == "failed" and "inside an open transaction" in run.reason
