"""Work plans, reminders and escalation, accountability records, special funds, and the framework's computations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework import registry, services
from finassure.framework.models import AccountabilityRecord, BudgetLine, Notification, WorkTask
from finassure.framework.periods import Period
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.framework.factories import make_measure

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 8, 15)


def test_reminders_go_once_a_day_for_due_soon_and_overdue_actions(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    for title, due in (("快到期", TODAY + dt.timedelta(days=2)), ("已逾期", TODAY - dt.timedelta(days=1)),
                       ("还早", TODAY + dt.timedelta(days=30))):
        services.corrective_action_open(actor=None, source=None, title=title, owner=owner, due=due,
                                        org_unit=org.haidian)
    first = services.reminders_send(today=TODAY)
    again = services.reminders_send(today=TODAY)
    assert (first["due_soon"], first["overdue"]) == (1, 1) and (again["due_soon"], again["overdue"]) == (0, 0)
    kinds = sorted(Notification.objects.filter(recipient=owner).exclude(kind="assigned")
                   .values_list("kind", flat=True))
    assert kinds == ["due_soon", "overdue"]


def test_an_overdue_task_escalates_once_to_the_owners_manager(org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    planner = make_user(Role.QUALITY_MANAGER, unit="beijing")
    worker = make_user(Role.EMPLOYEE, unit="haidian")
    measure = make_measure(owner=manager)
    late = services.work_task_create(actor=planner, measure=measure, org_unit=org.haidian, title="制度梳理",
                                     owner=worker, deadline=TODAY - dt.timedelta(days=3))
    services.work_task_create(actor=planner, measure=measure, org_unit=org.haidian, title="未到期",
                              owner=worker, deadline=TODAY + dt.timedelta(days=3))
    assert services.reminders_send(today=TODAY)["escalated"] == 1
    assert services.reminders_send(today=TODAY)["escalated"] == 0
    assert Notification.objects.filter(recipient=manager, kind="overdue", title__contains="制度梳理").exists()
    assert WorkTask.objects.get(pk=late.pk).escalated_at is not None


def test_a_task_owned_by_the_measure_owner_escalates_to_a_quality_manager(org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    task = services.work_task_create(actor=manager, measure=make_measure(owner=owner), org_unit=org.haidian,
                                     title="x", owner=owner, deadline=TODAY)
    assert services.task_manager(task) == manager


def test_a_task_is_done_only_with_evidence(org: Any, make_user: Any) -> None:
    worker = make_user(Role.EMPLOYEE, unit="haidian")
    task = services.work_task_create(actor=make_user(Role.QUALITY_MANAGER, unit="beijing"), measure=make_measure(),
                                     org_unit=org.haidian, title="应急演练", owner=worker, deadline=TODAY)
    with pytest.raises(ValidationFailed, match="evidence"):
        services.work_task_progress(actor=worker, work_task=task, status="done")
    with pytest.raises(PermissionDenied):
        services.work_task_progress(actor=make_user(Role.EMPLOYEE, unit="haidian"), work_task=task, status="done",
                                    evidence_note="x")
    task = services.work_task_progress(actor=worker, work_task=task, status="done", evidence_note="演练记录见附件")
    assert task.status == "done" and task.done_at is not None
    assert AuditEvent.objects.filter(action="work_task.progress", object_id=str(task.pk)).exists()


def test_planning_needs_the_permission_in_the_unit(org: Any, make_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.work_task_create(actor=make_user(Role.EXECUTIVE, unit="head"), measure=make_measure(),
                                  org_unit=org.haidian, title="x", owner=make_user(Role.EMPLOYEE), deadline=TODAY)


def test_accountability_records_need_what_who_finding_and_outcome(org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    person = make_user(Role.EMPLOYEE, unit="haidian")
    with pytest.raises(ValidationFailed) as exc:
        services.accountability_record_create(actor=manager, org_unit=org.haidian, subject="投诉超时",
                                              person=person, finding="", outcome="", decided_on=TODAY)
    assert set(exc.value.fields) == {"finding", "outcome"} and not AccountabilityRecord.objects.exists()
    record = services.accountability_record_create(actor=manager, org_unit=org.haidian, subject="投诉超时未处理",
                                                   person=person, finding="48小时内未响应", outcome="通报批评",
                                                   decided_on=TODAY)
    assert AuditEvent.objects.filter(action="accountability_record.create", object_id=str(record.pk)).exists()


def test_budget_lines_refuse_negative_amounts(org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    with pytest.raises(ValidationFailed):
        services.budget_line_save(actor=manager, measure=make_measure(), org_unit=org.head, year=2026,
                                  title="防火墙升级", planned=Decimal(100), spent=Decimal(-1))
    assert not BudgetLine.objects.exists()


def test_the_frameworks_own_computations_match_hand_counts(org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="head")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    measure = make_measure()
    units = org.head.__class__.objects.filter(path__startswith=org.beijing.path)
    quarter = Period.containing(TODAY, "quarter")
    # actions due in the quarter: one done on time, one done late, one not done → 1/3
    on_time = services.corrective_action_open(actor=None, source=None, title="a", owner=owner,
                                              due=dt.date(2026, 8, 31), org_unit=org.haidian)
    late = services.corrective_action_open(actor=None, source=None, title="b", owner=owner,
                                           due=dt.date(2026, 7, 10), org_unit=org.haidian)
    services.corrective_action_open(actor=None, source=None, title="c", owner=owner, due=dt.date(2026, 9, 1),
                                    org_unit=org.haidian)
    services.corrective_action_open(actor=None, source=None, title="elsewhere", owner=owner,
                                    due=dt.date(2026, 8, 1), org_unit=org.shanghai)
    zone = timezone.get_current_timezone()
    type(on_time).objects.filter(pk=on_time.pk).update(
        status="done", completed_at=dt.datetime(2026, 8, 30, 23, 0, tzinfo=zone))
    type(late).objects.filter(pk=late.pk).update(status="done",
                                                 completed_at=dt.datetime(2026, 7, 20, tzinfo=zone))
    share = registry.measure("framework.actions_closed_on_time_share", units=units, period=quarter)
    assert share is not None and (share.numerator, share.denominator) == (1, 3)
    assert share.value == pytest.approx(100 / 3)
    empty = registry.measure("framework.actions_closed_on_time_share", units=units,
                             period=Period.containing(dt.date(2020, 1, 1), "quarter"))
    assert empty is not None and empty.value is None
    services.budget_line_save(actor=manager, measure=measure, org_unit=org.haidian, year=2026, title="培训经费",
                              planned=Decimal(200000), committed=Decimal(100000), spent=Decimal(50000))
    budget = registry.measure("framework.budget_execution_share", units=units, period=Period.parse("2026"))
    assert budget is not None and budget.value == 25
    assert registry.measure("framework.budget_execution_share", units=units,
                            period=Period.parse("2025")).value is None  # type: ignore[union-attr]
    services.work_task_create(actor=manager, measure=measure, org_unit=org.haidian, title="逾期任务", owner=owner,
                              deadline=dt.date(2026, 7, 1))
    overdue = registry.measure("framework.tasks_overdue_count", units=units, period=quarter)
    assert overdue is not None and overdue.value == 1
