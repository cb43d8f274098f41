"""`finassure service retrain` (the complaint classifier) and `finassure service rotate-keys` (re-encrypt)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Customer service: retrain the complaint classifier, or re-encrypt complainants' data under the active key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["retrain", "rotate-keys"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        from finassure.platform import context
        from finassure.service import services

        with context.acting(context.RequestContext(channel="cli")):
            if action == "retrain":
                model = services.classifier_retrain(actor=None)
                accuracy = ", ".join(f"{k} {v:.2f}" if v is not None else f"{k} n/a" for k, v in model.accuracy.items())
                self.stdout.write(f"trained on {model.examples} examples ({model.seed_examples} seed); "
                                  f"cross-validated accuracy: {accuracy}")
            else:
                count = services.complaints_rotate_keys()
                self.stdout.write(f"re-encrypted {count} complaints and imports under the active key")
