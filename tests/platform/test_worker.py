"""Background work: periodic schedules enqueue once per interval; the worker runs queued tasks on the database queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from finassure.platform import scheduling
from finassure.platform.models import AuditEvent, ScheduleState

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_platform_declares_a_daily_audit_verification() -> None:
    names = {s.name: s for s in scheduling.schedules()}
    assert names["platform.verify_audit_chain"].every == dt.timedelta(days=1)


def test_a_schedule_is_enqueued_once_per_interval() -> None:
    now = timezone.now()
    assert "platform.verify_audit_chain" in scheduling.enqueue_due(now)
    assert "platform.verify_audit_chain" not in scheduling.enqueue_due(now + dt.timedelta(hours=23))
    assert "platform.verify_audit_chain" in scheduling.enqueue_due(now + dt.timedelta(hours=24, seconds=1))
    assert ScheduleState.objects.get(name="platform.verify_audit_chain").last_result_id


def test_the_worker_runs_due_tasks_and_they_record_their_result(capsys: Any) -> None:
    call_command("worker", "--once")
    result = DBTaskResult.objects.get(task_path__endswith="verify_audit_chain")
    assert result.status == "SUCCESSFUL"
    event = AuditEvent.objects.get(action="audit.verify", channel="worker")
    assert event.outcome == "success"
