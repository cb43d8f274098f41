"""`finassure audit verify | purge`: check the audit hash chain; purge records past the retention period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform import audit, context
from finassure.platform.errors import ValidationFailed
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop("Verify the audit trail's hash chain, or purge records older than the retention period.")

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title=_("actions"))
        sub.add_parser("verify", help=_("walk the chain; exit 1 and name the first broken record if any"))
        purge = sub.add_parser("purge", help=_("delete records older than --before (≥ 184 days ago)"))
        purge.add_argument("--before", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with context.acting(context.RequestContext(channel="cli")):
            if action == "verify":
                self._verify()
            else:
                self._purge(options["before"])

    def _verify(self) -> None:
        result = audit.verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(_("audit chain intact: %(checked)s records verified") % {"checked": result.checked}))
            return
        raise CommandError(
            _("audit chain broken at record %(id)s: %(reason)s (%(checked)s records verified before it)")
            % {"id": result.broken_id, "reason": _(result.reason), "checked": result.checked}
        )

    def _purge(self, before: dt.date) -> None:
        moment = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
        try:
            count = audit.purge(actor=None, before=moment)
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(_("purged %(count)s audit records older than %(day)s") % {"count": count, "day": before})
