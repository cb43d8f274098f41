"""`finassure service retrain` (the complaint classifier), `finassure service rotate-keys` (re-encrypt) and
`finassure service rebuild-counts [--from DAY] [--to DAY]` (the daily complaint counts of the statistics page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = ("Customer service: retrain the complaint classifier, re-encrypt complainants' data under the active key, "
            "or rebuild the daily complaint counts (all days, or --from/--to local dates).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["retrain", "rotate-keys", "rebuild-counts"])
        parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, help="last day, included")

    def handle(self, *args: Any, action: str, first: dt.date | None = None, last: dt.date | None = None,
               **options: Any) -> None:
        from finassure.platform import context
        from finassure.service import services

        with context.acting(context.RequestContext(channel="cli")):
            if action == "retrain":
                model = services.classifier_retrain(actor=None)
                accuracy = ", ".join(f"{k} {v:.2f}" if v is not None else f"{k} n/a" for k, v in model.accuracy.items())
                self.stdout.write(f"trained on {model.examples} examples ({model.seed_examples} seed); "
                                  f"cross-validated accuracy: {accuracy}")
            elif action == "rebuild-counts":
                rows = services.complaint_counts_rebuild(first=first, last=last)
                self.stdout.write(f"rebuilt the daily complaint counts: {rows} rows")
            else:
                count = services.complaints_rotate_keys()
                self.stdout.write(f"re-encrypted {count} complaints and imports under the active key")
