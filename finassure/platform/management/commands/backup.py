"""`finassure backup PATH`: a consistent backup of the database, with PATH.manifest.json beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from finassure.platform import backup


class Command(BaseCommand):
    help = "Back up the database to PATH and write PATH.manifest.json (engine, row counts per table, sha256)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="backup file to write (replaced if it exists)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args: Any, path: Path, database: str, **options: Any) -> None:
        try:
            manifest = backup.backup_database(path, using=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.row_counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{manifest.engine} backup written to {path} ({manifest.size} bytes, "
                f"{len(manifest.row_counts)} tables, {rows} rows, sha256 {manifest.sha256})"
            )
        )
        self.stdout.write(f"manifest: {backup.manifest_path(path)}")
