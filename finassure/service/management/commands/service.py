"""`finassure service retrain` (the complaint classifier), `finassure service rotate-keys` (re-encrypt) and
`finassure service rebuild-counts [--from DAY] [--to DAY]` (the daily complaint counts of the statistics page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop(
        "Customer service: retrain the complaint classifier, re-encrypt complainants' data under the active key, "
        "or rebuild the daily complaint counts (all days, or --from/--to local dates).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["retrain", "rotate-keys", "rebuild-counts"], help=_("what to do"))
        parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, help=_("first day (YYYY-MM-DD)"))
        parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, help=_("last day, included"))

    def handle(self, *args: Any, action: str, first: dt.date | None = None, last: dt.date | None = None,
               **options: Any) -> None:
        from finassure.platform import context
        from finassure.service import services

        with context.acting(context.RequestContext(channel="cli")):
            if action == "retrain":
                model = services.classifier_retrain(actor=None)
                accuracy = ", ".join(f"{k} {v:.2f}" if v is not None else f"{k} n/a" for k, v in model.accuracy.items())
                self.stdout.write(_("trained on %(examples)s examples (%(seed)s seed); cross-validated accuracy: "
                                    "%(accuracy)s") % {"examples": model.examples, "seed": model.seed_examples,
                                                       "accuracy": accuracy})
            elif action == "rebuild-counts":
                rows = services.complaint_counts_rebuild(first=first, last=last)
                self.stdout.write(_("rebuilt the daily complaint counts: %(rows)s rows") % {"rows": rows})
            else:
                count = services.complaints_rotate_keys()
                self.stdout.write(_("re-encrypted %(count)s complaints and imports under the active key") % {"count": count})
