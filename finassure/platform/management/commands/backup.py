"""`finassure backup PATH`: a consistent backup of the database, with PATH.manifest.json beside it."""

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
        "Back up the database to PATH and write PATH.manifest.json (engine, row counts per table, sha256).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path, help=_("backup file to write (replaced if it exists)"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=_("database alias (default: %(default)s)"))

    def handle(self, *args: Any, path: Path, database: str, **options: Any) -> None:
        try:
            manifest = backup.backup_database(path, using=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest.row_counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                _("%(engine)s backup written to %(path)s (%(size)s bytes, %(tables)s tables, %(rows)s rows, "
                  "sha256 %(sha256)s)") % {"engine": manifest.engine, "path": path, "size": manifest.size,
                                          "tables": len(manifest.row_counts), "rows": rows, "sha256": manifest.sha256}
            )
        )
        self.stdout.write(_("manifest: %(path)s") % {"path": backup.manifest_path(path)})
