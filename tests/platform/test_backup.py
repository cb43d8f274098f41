"""Backup and restore on the suite's database engine: a restored copy has every row and an intact audit chain."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from finassure.accounts import services as accounts_services
from finassure.platform import backup, crypto
from finassure.platform.backup import BackupError

REPO_ROOT = Path(__file__).resolve().parents[2]
MOBILE = "13812345678"


@dataclass
class EmptyDatabase:
    url: str
    count_rows: Any  # () -> dict[str, int]
    fetch_mobile: Any  # (username) -> raw token


def _source_counts() -> dict[str, int]:
    """Row counts of the live test database, listed through Django's own introspection."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _populate() -> None:
    """Rows in several tables, an encrypted field and audit records (written by the services)."""
    institution = accounts_services.institution_create(
        actor=None, code="backup-bank", name="示例银行", head_office_name="总行"
    )
    head = institution.org_units.get(parent__isnull=True)
    user, _ = accounts_services.user_create(
        actor=None, username="zhangsan", display_name="张三", org_unit=head
    )
    user.mobile = MOBILE
    user.save(update_fields=["mobile"])


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[EmptyDatabase]:
    """A new, empty database on the suite's engine (a new SQLite file, or a new PostgreSQL database)."""
    if connection.vendor == "sqlite":
        yield from _empty_sqlite(tmp_path / "restored.sqlite3")
    else:
        yield from _empty_postgres()


def _empty_sqlite(path: Path) -> Iterator[EmptyDatabase]:
    def count_rows() -> dict[str, int]:
        with sqlite3.connect(path) as db:
            return _counts(
                db.cursor(), "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%'"
            )

    def fetch_mobile(username: str) -> str:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT mobile FROM accounts_user WHERE username = ?", [username]).fetchone()[0]

    yield EmptyDatabase(f"sqlite:///{path}", count_rows, fetch_mobile)


def _empty_postgres() -> Iterator[EmptyDatabase]:
    params = backup.libpq_params(connection.settings_dict)
    name = f"finassure_restore_{uuid.uuid4().hex[:12]}"
    admin = {**params, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    target = {**params, "dbname": name}

    def count_rows() -> dict[str, int]:
        with psycopg.connect(**target) as db, db.cursor() as cursor:
            return _counts(cursor, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")

    def fetch_mobile(username: str) -> str:
        with psycopg.connect(**target) as db:
            return db.execute("SELECT mobile FROM accounts_user WHERE username = %s", [username]).fetchone()[
                0
            ]

    user, password = params.get("user", ""), params.get("password", "")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    url = f"postgres://{auth}{params.get('host', '')}:{params.get('port', '5432')}/{name}"
    try:
        yield EmptyDatabase(url, count_rows, fetch_mobile)
    finally:
        with psycopg.connect(**admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(cursor: Any, list_sql: str) -> dict[str, int]:
    cursor.execute(list_sql)
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _manage(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a management command in a fresh process against ``database_url``, with this suite's keys."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "finassure.settings",
        "DATABASE_URL": database_url,
        "FINASSURE_VAR_DIR": str(tmp_path / "var"),
        "FINASSURE_SECRET_KEY": settings.SECRET_KEY,
        "FINASSURE_FIELD_KEYS": settings.FIELD_ENCRYPTION_KEYS,
        "FINASSURE_FIELD_KEY_ACTIVE": crypto.keyring().active_kid,
    }
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_restored_backup_has_every_row_and_an_intact_audit_chain(
    transactional_db, tmp_path, empty_database
):
    _populate()
    source_counts = _source_counts()
    path = tmp_path / "finassure.backup"

    manifest = backup.backup_database(path)

    assert manifest.engine == connection.vendor
    assert manifest.row_counts == source_counts
    assert manifest.row_counts["platform_auditevent"] >= 2 and manifest.row_counts["accounts_user"] == 1
    assert manifest.sha256 == backup.sha256_file(path)
    assert backup.Manifest.read(path) == manifest

    restored = _manage(empty_database.url, tmp_path, "restore", str(path))
    assert restored.returncode == 0, restored.stderr
    assert "row counts match the manifest" in restored.stdout
    assert "platform_auditevent" in restored.stdout

    verified = _manage(empty_database.url, tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr + verified.stdout
    assert empty_database.count_rows() == source_counts
    token = empty_database.fetch_mobile("zhangsan")
    assert crypto.decrypt(token, context="accounts.User.mobile") == MOBILE


def test_restore_refuses_a_database_with_data_unless_forced(transactional_db, tmp_path, empty_database):
    _populate()
    path = tmp_path / "finassure.backup"
    backup.backup_database(path)
    assert _manage(empty_database.url, tmp_path, "restore", str(path)).returncode == 0

    again = _manage(empty_database.url, tmp_path, "restore", str(path))
    assert again.returncode != 0
    assert "not empty" in again.stderr and "--force" in again.stderr

    forced = _manage(empty_database.url, tmp_path, "restore", "--force", str(path))
    assert forced.returncode == 0, forced.stderr
    assert empty_database.count_rows() == _source_counts()
    assert _manage(empty_database.url, tmp_path, "audit", "verify").returncode == 0


def test_restore_into_the_live_database_is_refused_while_it_holds_data(transactional_db, tmp_path):
    _populate()
    path = tmp_path / "finassure.backup"
    backup.backup_database(path)
    with translation.override("en"), pytest.raises(BackupError, match="not empty"):
        backup.restore_database(path)
    with translation.override("zh-hans"), pytest.raises(BackupError, match="目标数据库不为空"):
        backup.restore_database(path)


def test_a_changed_backup_is_refused_before_anything_is_restored(transactional_db, tmp_path, empty_database):
    _populate()
    path = tmp_path / "finassure.backup"
    backup.backup_database(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    result = _manage(empty_database.url, tmp_path, "restore", str(path))

    assert result.returncode != 0
    assert "does not match its manifest" in result.stderr
    assert not any(empty_database.count_rows().values())


def test_a_backup_without_its_manifest_is_refused(transactional_db, tmp_path):
    path = tmp_path / "finassure.backup"
    backup.backup_database(path)
    backup.manifest_path(path).unlink()
    with translation.override("en"), pytest.raises(BackupError, match="no manifest"):
        backup.restore_database(path, force=True)


def test_the_backup_command_writes_the_file_and_its_manifest(transactional_db, tmp_path):
    from django.core.management import call_command

    _populate()
    path = tmp_path / "nested" / "cli.backup"
    output = io.StringIO()
    call_command("backup", str(path), stdout=output)
    assert str(path) in output.getvalue()
    manifest = backup.verify_backup(path)
    assert manifest.row_counts == _source_counts()
    assert not path.with_name(path.name + ".partial").exists()


def test_a_missing_postgres_tool_is_named_with_a_remedy(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with translation.override("en"), pytest.raises(BackupError, match=r"pg_nonexistent was not found .* postgresql-client"):
        backup.find_pg_binary("pg_nonexistent")


def test_libpq_parameters_come_from_the_database_settings():
    params = backup.libpq_params(
        {
            "NAME": "fa",
            "USER": "u",
            "PASSWORD": "p",
            "HOST": "db",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require"},
        }
    )
    assert params == {
        "dbname": "fa",
        "user": "u",
        "password": "p",
        "host": "db",
        "port": "5433",
        "sslmode": "require",
    }
