"""`finassure calendar status | load YEAR FILE | refresh`: the business calendar's official schedules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform import calendar, context
from finassure.platform.errors import ValidationFailed
from finassure.platform.management.base import LocalizedCommand
from finassure.platform.models import CalendarYear
from finassure.platform.uploads import decode_text


class Command(LocalizedCommand):
    help = gettext_noop("Show, load or refresh the official holiday schedules of the business calendar.")

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title=_("actions"))
        sub.add_parser("status", help=_("years loaded and warnings"))
        load = sub.add_parser("load", help=_("load a year from a file of `YYYY-MM-DD,holiday|workday,name` lines"))
        load.add_argument("year", type=int, help=_("the year"))
        load.add_argument("file", type=Path, help=_("the schedule file (UTF-8 or GB18030)"))
        sub.add_parser("refresh", help=_("reload every year the chinesecalendar package knows"))

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with context.acting(context.RequestContext(channel="cli")):
            if action == "status":
                years = list(CalendarYear.objects.order_by("year").values_list("year", "source"))
                self.stdout.write(_("official schedules: %(first)s–%(last)s") % {"first": years[0][0], "last": years[-1][0]}
                                  if years else _("no official schedule loaded"))
                for warning in calendar.warnings():
                    self.stderr.write(self.style.WARNING(warning))
            elif action == "refresh":
                self.stdout.write(_("loaded %(count)s years") % {"count": len(calendar.calendar_load_library_years())})
            else:
                self._load(options["year"], options["file"])

    def _load(self, year: int, file: Path) -> None:
        try:
            text = decode_text(file.read_bytes())
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        if text is None:
            raise CommandError(_("%(file)s is not UTF-8 or GB18030 text.") % {"file": file})
        try:
            holidays, workdays = calendar.calendar_load_year(actor=None, year=year, text=text)
        except ValidationFailed as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs if m != exc.message)
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(_("%(year)s: %(holidays)s holidays and %(workdays)s make-up working days loaded") % {
            "year": year, "holidays": holidays, "workdays": workdays})
