"""`finassure restore PATH [--force]`: check a backup against its manifest, restore it, report row counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from finassure.platform import backup


class Command(BaseCommand):
    help = (
        "Restore PATH (made by `backup`) into the configured database after verifying its sha256. Refuses a "
        "database that already holds data unless --force. Stop the server and worker first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help="backup file; PATH.manifest.json must sit beside it")
        parser.add_argument(
            "--force", action="store_true", help="replace the contents of a non-empty database"
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args: Any, path: Path, force: bool, database: str, **options: Any) -> None:
        try:
            result = backup.restore_database(path, using=database, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {path} (made {result.manifest.created_at}); rows per table:")
        width = max((len(table) for table in result.row_counts), default=0)
        for table, count in sorted(result.row_counts.items()):
            self.stdout.write(f"  {table:<{width}}  {count}")
        if result.mismatches:
            detail = ", ".join(
                f"{t}: expected {e}, found {f}" for t, (e, f) in sorted(result.mismatches.items())
            )
            raise CommandError(f"restored row counts differ from the manifest: {detail}")
        self.stdout.write(
            self.style.SUCCESS(f"row counts match the manifest ({len(result.row_counts)} tables)")
        )
