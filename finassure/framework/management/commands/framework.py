"""`finassure framework check FILE | load [FILE] | snapshots [--day YYYY-MM-DD]`: the assurance framework library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from finassure.framework import loader, services
from finassure.platform import context
from finassure.platform.errors import ApplicationError


class Command(BaseCommand):
    help = "Check or load a framework library file, or compute the snapshots now."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="check a library file without loading it")
        check.add_argument("file", type=Path)
        load = sub.add_parser("load", help="load a library file (the shipped one by default)")
        load.add_argument("file", type=Path, nargs="?", default=loader.DEFAULT_LIBRARY)
        snapshots = sub.add_parser("snapshots", help="compute every indicator for every org unit")
        snapshots.add_argument("--day", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with context.acting(context.RequestContext(channel="cli")):
            try:
                if action == "check":
                    library = loader.read(options["file"])
                    items = sum(len(m["items"]) for m in library.measures)
                    self.stdout.write(f"{options['file'].name}: {library.code} v{library.version}, "
                                      f"{len(library.measures)} measures, {items} indicators and obligations")
                elif action == "load":
                    report = services.library_load(actor=None, path=options["file"])
                    if report.unchanged:
                        self.stdout.write(f"{report.code} v{report.version} is already loaded; nothing changed")
                    else:
                        self.stdout.write(f"loaded {report.code} v{report.version}")
                        for line in report.lines():
                            self.stdout.write(f"  {line}")
                else:
                    run = services.snapshots_run(actor=None, day=options["day"])
                    self.stdout.write(f"{run.computed} snapshots {run.by_status}; "
                                      f"{run.actions_opened} corrective actions opened")
            except loader.LibraryInvalid as exc:
                raise CommandError("\n".join(str(p) for p in exc.problems)) from None
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from None
