"""Background tasks of training: take ids, call services."""

from __future__ import annotations

from django_tasks import task

from finassure.platform import context
from finassure.training import services


@task()
def remind_and_escalate() -> dict[str, int]:
    """Remind staff of trainings due soon; escalate overdue ones to the unit's trainers; close abandoned exams."""
    with context.acting(context.RequestContext(channel="worker")):
        return {"reminded": services.assignments_remind(), "escalated": services.assignments_escalate_overdue(),
                "expired_attempts": services.attempts_expire_overdue()}
