"""Back up and restore the Django database (SQLite online backup, or pg_dump/pg_restore) with a checksummed manifest.

``backup_database(path)`` writes the backup to ``path`` and ``path.manifest.json`` beside it (engine,
time, row counts per table, sha256). ``restore_database(path)`` checks the sha256, refuses a target
that already holds data unless ``force``, restores, and returns the row counts found afterwards.
Stop the server and worker before a restore: it replaces the data under them.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.conninfo import make_conninfo

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
# Tables that `migrate` itself fills: a freshly migrated database still counts as empty.
# Tables that migrations fill themselves (bookkeeping, and the business calendar loaded from chinesecalendar).
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission",
                                "platform_calendarday", "platform_calendaryear"})
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    engine: str
    created_at: str
    file: str
    size: int
    sha256: str
    row_counts: dict[str, int] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT

    def write(self, backup_path: Path) -> Path:
        path = manifest_path(backup_path)
        path.write_text(
            json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
        return path

    @classmethod
    def read(cls, backup_path: Path) -> Manifest:
        path = manifest_path(backup_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except FileNotFoundError:
            raise BackupError(_("no manifest at %(path)s: a backup is only restored with its manifest") % {
                "path": path}) from None
        except (ValueError, TypeError) as exc:
            raise BackupError(_("manifest %(path)s is unreadable: %(error)s") % {"path": path, "error": exc}) from None


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    row_counts: dict[str, int]

    @property
    def mismatches(self) -> dict[str, tuple[int, int | None]]:
        """Tables whose restored row count differs from the manifest: {table: (expected, found)}."""
        return {
            table: (expected, self.row_counts.get(table))
            for table, expected in self.manifest.row_counts.items()
            if self.row_counts.get(table) != expected
        }


def manifest_path(backup_path: Path) -> Path:
    return Path(f"{backup_path}{MANIFEST_SUFFIX}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def engine_name(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in {"sqlite", "postgresql"}:
        raise BackupError(_("backup supports SQLite and PostgreSQL, not %(vendor)s") % {"vendor": connection.vendor})
    return connection.vendor


# --- backup -------------------------------------------------------------------------------------------


def backup_database(path: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> Manifest:
    """Write a consistent backup of the database to ``path`` plus its manifest; returns the manifest."""
    path = Path(path).resolve()
    connection = connections[using]
    engine = engine_name(connection)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a crash never leaves a half-written file under the real name.
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        counts = (
            _sqlite_backup(connection, partial) if engine == "sqlite" else _pg_backup(connection, partial)
        )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    manifest = Manifest(
        engine=engine,
        created_at=timezone.now().isoformat(),
        file=path.name,
        size=path.stat().st_size,
        sha256=sha256_file(path),
        row_counts=counts,
    )
    manifest.write(path)
    return manifest


def _sqlite_backup(connection: BaseDatabaseWrapper, target: Path) -> dict[str, int]:
    if connection.in_atomic_block:
        # SQLite's backup step would wait forever on the connection's own write lock (and copy uncommitted rows).
        raise BackupError(_("a SQLite backup cannot run inside an open transaction; run it outside transaction.atomic"))
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
        # A rollback-journal file is self-contained; a WAL-mode copy would need its -wal/-shm companions.
        destination.execute("PRAGMA journal_mode=DELETE")
        return row_counts(destination.cursor(), "sqlite")
    finally:
        destination.close()


def _pg_backup(connection: BaseDatabaseWrapper, target: Path) -> dict[str, int]:
    params = libpq_params(connection.settings_dict)
    pg_dump = find_pg_binary("pg_dump")
    # Count rows in the very snapshot pg_dump copies, so the manifest matches the file even under writes.
    conninfo = make_conninfo("", **params)
    with psycopg.connect(conninfo, autocommit=False) as snapshot_conn, snapshot_conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        counts = row_counts(cursor, "postgresql")
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], params, "pg_dump")
    return counts


# --- restore ------------------------------------------------------------------------------------------


def restore_database(
    path: Path | str, *, using: str = DEFAULT_DB_ALIAS, force: bool = False
) -> RestoreResult:
    """Restore ``path`` into the configured database after checking its sha256; see the module docstring."""
    path = Path(path).resolve()
    manifest = verify_backup(path)
    connection = connections[using]
    engine = engine_name(connection)
    if manifest.engine != engine:
        raise BackupError(_("%(file)s is a %(backup)s backup; the configured database is %(database)s") % {
            "file": path.name, "backup": manifest.engine, "database": engine})
    occupied = tables_with_data(connection)
    if occupied and not force:
        shown = ", ".join(occupied[:5]) + (" …" if len(occupied) > 5 else "")
        raise BackupError(
            _("the target database is not empty (%(count)s tables hold data: %(tables)s); restore into an empty "
              "database, or pass --force to replace its contents") % {"count": len(occupied), "tables": shown}
        )
    if engine == "sqlite":
        _sqlite_restore(connection, path)
    else:
        _pg_restore(connection, path)
    with connection.cursor() as cursor:
        counts = row_counts(cursor, engine)
    return RestoreResult(manifest=manifest, row_counts=counts)


def verify_backup(path: Path) -> Manifest:
    """The manifest of ``path`` once the file's size and sha256 match it; BackupError otherwise."""
    if not path.is_file():
        raise BackupError(_("no backup file at %(path)s") % {"path": path})
    manifest = Manifest.read(path)
    actual = sha256_file(path)
    if actual != manifest.sha256:
        raise BackupError(
            _("%(file)s does not match its manifest (sha256 %(actual)s…, expected %(expected)s…): the file is damaged "
              "or was changed; nothing was restored") % {"file": path.name, "actual": actual[:16],
                                                         "expected": manifest.sha256[:16]}
        )
    return manifest


def tables_with_data(connection: BaseDatabaseWrapper) -> list[str]:
    """Tables other than migrate's own bookkeeping that hold at least one row."""
    with connection.cursor() as cursor:
        tables = list_tables(cursor, connection.vendor)
        return [t for t in tables if t not in BOOKKEEPING_TABLES and _has_rows(cursor, t)]


def _sqlite_restore(connection: BaseDatabaseWrapper, path: Path) -> None:
    connection.ensure_connection()
    # The backup API writes through the live connection and SQLite's own locking, which copying the file
    # over a database in WAL mode would not do safely.
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _pg_restore(connection: BaseDatabaseWrapper, path: Path) -> None:
    params = libpq_params(connection.settings_dict)
    command = [find_pg_binary("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction"]
    with connection.cursor() as cursor:
        if list_tables(cursor, "postgresql"):
            # Objects from the backup replace same-named ones; in one transaction, so a failure changes nothing.
            command += ["--clean", "--if-exists"]
    connection.close()
    _run([*command, f"--dbname={params['dbname']}", str(path)], params, "pg_restore")


# --- shared helpers -----------------------------------------------------------------------------------


def list_tables(cursor: Any, engine: str) -> list[str]:
    if engine == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' ORDER BY name"
        )
    else:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    return [row[0] for row in cursor.fetchall()]


def _quote(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'


def _has_rows(cursor: Any, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608 - name from the catalogue, quoted
    return cursor.fetchone() is not None


def row_counts(cursor: Any, engine: str) -> dict[str, int]:
    counts = {}
    for table in list_tables(cursor, engine):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - name from the catalogue, quoted
        counts[table] = cursor.fetchone()[0]
    return counts


def libpq_params(settings_dict: dict[str, Any]) -> dict[str, str]:
    """Connection parameters from a Django DATABASES entry, in libpq's names."""
    options = settings_dict.get("OPTIONS") or {}
    params = {
        "dbname": settings_dict.get("NAME") or "",
        "user": settings_dict.get("USER") or "",
        "password": settings_dict.get("PASSWORD") or "",
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
        **{key: str(value) for key, value in options.items() if key in _LIBPQ_ENV},
    }
    return {key: value for key, value in params.items() if value}


def find_pg_binary(name: str) -> str:
    """``name`` from PATH, else the newest /usr/lib/postgresql/<version>/bin/<name>."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if candidates:
        return max(candidates, key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parent.parent.name)])
    raise BackupError(
        _("%(tool)s was not found on PATH or in /usr/lib/postgresql/*/bin; install the PostgreSQL client tools "
          "matching the server's version (Debian/Ubuntu: apt-get install postgresql-client)") % {"tool": name}
    )


def _run(command: list[str], params: dict[str, str], tool: str) -> None:
    # Everything goes through libpq's environment, so the password never appears in a process listing.
    env = {**os.environ, **{_LIBPQ_ENV[key]: value for key, value in params.items()}}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(_("%(tool)s failed (exit %(code)s): %(error)s") % {
            "tool": tool, "code": result.returncode, "error": result.stderr.strip()[-2000:]})
