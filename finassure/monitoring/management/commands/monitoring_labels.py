"""`finassure monitoring_labels export|evaluate`: the feedback loop from case dispositions to the engine's training.

finassure monitoring_labels export --user li.si --unit head-office --out var/labels/2026-12
finassure engine train --amlsim var/labels/2026-12 --registry var/models
finassure monitoring_labels evaluate --user li.si --model 3 --labels var/labels/2026-12   (each version)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform.errors import ApplicationError
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop("Export case dispositions as engine training labels, or evaluate a model version on them.")

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="what", required=True, title=_("actions"))
        export = sub.add_parser("export", help=_("write the labels of disposed cases as an AMLSim-style folder"))
        export.add_argument("--user", required=True, help=_("who exports (needs the rule-change permission)"))
        export.add_argument("--unit", required=True, help=_("org unit code (its subtree's cases)"))
        export.add_argument("--out", required=True, help=_("the folder to write"))
        export.add_argument("--store", default=None, help=_("transaction store (default: the configured one)"))
        export.add_argument("--since", default=None, help=_("only cases disposed on or after this ISO date"))
        export.add_argument("--until", default=None, help=_("only cases disposed before this ISO date"))
        evaluate = sub.add_parser("evaluate", help=_("score exported labels with a registered model version"))
        evaluate.add_argument("--user", required=True, help=_("who evaluates"))
        evaluate.add_argument("--model", type=int, required=True, help=_("registered model version id"))
        evaluate.add_argument("--labels", required=True, help=_("a folder written by export"))

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        from finassure.accounts.models import OrgUnit, User
        from finassure.monitoring import feedback
        from finassure.monitoring.models import ModelVersion

        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("no active user '%(username)s'") % {"username": options["user"]})
        try:
            if what == "export":
                unit = OrgUnit.objects.filter(code=options["unit"]).first()
                if unit is None:
                    raise CommandError(_("no org unit '%(code)s'") % {"code": options["unit"]})
                result: Any = feedback.labels_export(
                    actor=user,
                    org_unit=unit,
                    out=Path(options["out"]),
                    store=Path(options["store"]) if options["store"] else None,
                    since=_day(options["since"]),
                    until=_day(options["until"]),
                )
            else:
                model = ModelVersion.objects.filter(pk=options["model"]).first()
                if model is None:
                    raise CommandError(_("no model version %(id)s") % {"id": options["model"]})
                result = feedback.model_evaluate(
                    actor=user, model=model, labels=Path(options["labels"])
                ).metrics
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def _day(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(raw), dt.time()))
    except ValueError:
        raise CommandError(_("not an ISO date: '%(value)s'") % {"value": raw}) from None
