"""`finassure calendar status | load YEAR FILE | refresh`: the business calendar's official schedules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from finassure.platform import calendar, context
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import CalendarYear


class Command(BaseCommand):
    help = "Show, load or refresh the official holiday schedules of the business calendar."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="years loaded and warnings")
        load = sub.add_parser("load", help="load a year from a file of `YYYY-MM-DD,holiday|workday,name` lines")
        load.add_argument("year", type=int)
        load.add_argument("file", type=Path)
        sub.add_parser("refresh", help="reload every year the chinesecalendar package knows")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with context.acting(context.RequestContext(channel="cli")):
            if action == "status":
                years = list(CalendarYear.objects.order_by("year").values_list("year", "source"))
                self.stdout.write(f"official schedules: {years[0][0]}–{years[-1][0]}" if years else "none loaded")
                for warning in calendar.warnings():
                    self.stderr.write(self.style.WARNING(warning))
            elif action == "refresh":
                self.stdout.write(f"loaded {len(calendar.calendar_load_library_years())} years")
            else:
                self._load(options["year"], options["file"])

    def _load(self, year: int, file: Path) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            holidays, workdays = calendar.calendar_load_year(actor=None, year=year, text=text)
        except ValidationFailed as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
            raise CommandError(f"{exc.message} {details}".strip()) from None
        self.stdout.write(f"{year}: {holidays} holidays and {workdays} make-up working days loaded")
