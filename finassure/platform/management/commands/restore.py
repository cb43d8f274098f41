"""`finassure restore PATH [--force]`: check a backup against its manifest, restore it, report row counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform import backup
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop(
        "Restore PATH (made by `backup`) into the configured database after verifying its sha256. Refuses a "
        "database that already holds data unless --force. Stop the server and worker first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help=_("backup file; PATH.manifest.json must sit beside it"))
        parser.add_argument(
            "--force", action="store_true", help=_("replace the contents of a non-empty database")
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("database alias (default: %(default)s)"))

    def handle(self, *args: Any, path: Path, force: bool, database: str, **options: Any) -> None:
        try:
            result = backup.restore_database(path, using=database, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("restored %(path)s (made %(created)s); rows per table:") % {
            "path": path, "created": result.manifest.created_at})
        width = max((len(table) for table in result.row_counts), default=0)
        for table, count in sorted(result.row_counts.items()):
            self.stdout.write(f"  {table:<{width}}  {count}")
        if result.mismatches:
            differs = _("%(table)s: expected %(expected)s, found %(found)s")
            detail = ", ".join(
                differs % {"table": t, "expected": e, "found": f} for t, (e, f) in sorted(result.mismatches.items())
            )
            raise CommandError(_("restored row counts differ from the manifest: %(detail)s") % {"detail": detail})
        self.stdout.write(
            self.style.SUCCESS(_("row counts match the manifest (%(tables)s tables)") % {"tables": len(result.row_counts)})
        )
