"""Periodic schedules declared next to their app (in `<app>/scheduled.py`) and enqueued by `finassure worker`."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from finassure.platform.models import ScheduleState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta


_schedules: dict[str, Schedule] = {}


def every(interval: dt.timedelta, *, name: str | None = None) -> Any:
    """Declare that a task (decorated with django_tasks' @task) runs every `interval`."""

    def decorator(task: Any) -> Any:
        key = name or f"{task.module_path}"
        _schedules[key] = Schedule(key, task, interval)
        return task

    return decorator


def schedules() -> list[Schedule]:
    autodiscover_modules("scheduled")
    return sorted(_schedules.values(), key=lambda s: s.name)


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every schedule whose interval has passed since it was last enqueued; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for schedule in schedules():
        with transaction.atomic():
            state, _ = ScheduleState.objects.select_for_update().get_or_create(name=schedule.name)
            if state.last_enqueued_at and state.last_enqueued_at + schedule.every > now:
                continue
            result = schedule.task.enqueue()
            state.last_enqueued_at = now
            state.last_result_id = str(result.id)
            state.save(update_fields=["last_enqueued_at", "last_result_id"])
            enqueued.append(schedule.name)
            log.info("enqueued periodic task %s", schedule.name)
    return enqueued
