"""`finassure worker`: run queued background tasks and enqueue the periodic schedules when they fall due."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.db import close_old_connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform import scheduling
from finassure.platform.language import institution_language
from finassure.platform.management.base import LocalizedCommand


class Command(LocalizedCommand):
    help = gettext_noop("Run background tasks (django-tasks database backend) and periodic schedules.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=30.0, help=_("seconds between schedule checks"))
        parser.add_argument("--once", action="store_true", help=_("enqueue due schedules, run queued tasks, exit"))

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        names = [s.name for s in scheduling.schedules()]
        self.stdout.write(_("periodic schedules: %(names)s") % {"names": ", ".join(names) or _("(none)")})
        with institution_language():  # the tasks' notifications and e-mails (the schedule thread has it by default)
            if once:
                scheduling.enqueue_due()
                call_command("db_worker", batch=True, verbosity=options.get("verbosity", 1))
                return
            stop = threading.Event()
            thread = threading.Thread(target=self._schedule_loop, args=(stop, interval), daemon=True)
            thread.start()
            try:
                call_command("db_worker", verbosity=options.get("verbosity", 1))
            finally:
                stop.set()

    @staticmethod
    def _schedule_loop(stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                scheduling.enqueue_due()
            finally:
                close_old_connections()
            stop.wait(interval)
