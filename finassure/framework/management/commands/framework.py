"""`finassure framework check FILE | load [FILE] | snapshots [--day YYYY-MM-DD]`: the assurance framework library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.framework import loader, services
from finassure.platform import context
from finassure.platform.errors import ApplicationError
from finassure.platform.language import institution_language
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop("Check or load a framework library file, or compute the snapshots now.")

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title=_("actions"))
        check = sub.add_parser("check", help=_("check a library file without loading it"))
        check.add_argument("file", type=Path, help=_("the library file (YAML)"))
        load = sub.add_parser("load", help=_("load a library file (the shipped one by default)"))
        load.add_argument("file", type=Path, nargs="?", default=loader.DEFAULT_LIBRARY, help=_("the library file (YAML)"))
        snapshots = sub.add_parser("snapshots", help=_("compute every indicator for every org unit"))
        snapshots.add_argument("--day", type=dt.date.fromisoformat, default=None, help=_("the day (YYYY-MM-DD; default: today)"))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with context.acting(context.RequestContext(channel="cli")):
            try:
                if action == "check":
                    library = loader.read(options["file"])
                    items = sum(len(m["items"]) for m in library.measures)
                    self.stdout.write(_("%(file)s: %(code)s v%(version)s, %(measures)s measures, %(items)s indicators "
                                        "and obligations") % {"file": options["file"].name, "code": library.code,
                                                              "version": library.version,
                                                              "measures": len(library.measures), "items": items})
                elif action == "load":
                    report = services.library_load(actor=None, path=options["file"])
                    if report.unchanged:
                        self.stdout.write(_("%(code)s v%(version)s is already loaded; nothing changed")
                                          % {"code": report.code, "version": report.version})
                    else:
                        self.stdout.write(_("loaded %(code)s v%(version)s") % {"code": report.code, "version": report.version})
                        for line in report.lines():
                            self.stdout.write(f"  {line}")
                else:
                    with institution_language():  # the corrective actions it opens, and their notices
                        run = services.snapshots_run(actor=None, day=options["day"])
                    self.stdout.write(_("%(computed)s snapshots %(by_status)s; %(opened)s corrective actions opened") % {
                        "computed": run.computed, "by_status": run.by_status, "opened": run.actions_opened})
            except loader.LibraryInvalid as exc:
                raise CommandError("\n".join(str(p) for p in exc.problems)) from None
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from None
