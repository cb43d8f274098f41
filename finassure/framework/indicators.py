"""Computations the framework registers itself: corrective actions on time, overdue tasks, budget execution."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from finassure.framework.models import BudgetLine, CorrectiveAction, WorkTask
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation


@computation("framework.actions_closed_on_time_share")
def actions_closed_on_time_share(*, units: QuerySet[Any, Any], period: Period) -> Measurement:
    due = CorrectiveAction.objects.filter(org_unit__in=units, due__gte=period.start, due__lt=period.end)
    total = due.count()
    if total == 0:
        return Measurement.no_data()
    on_time = due.filter(completed_at__isnull=False, completed_at__date__lte=F("due")).count()
    return Measurement(value=100 * on_time / total, numerator=on_time, denominator=total, records=due)


@computation("framework.tasks_overdue_count")
def tasks_overdue_count(*, units: QuerySet[Any, Any], period: Period) -> Measurement:
    tasks = WorkTask.objects.filter(org_unit__in=units, deadline__lt=period.end)
    if not tasks.exists():
        return Measurement.no_data()
    overdue = tasks.filter(Q(status__in=[WorkTask.Status.TODO, WorkTask.Status.IN_PROGRESS])
                           & Q(deadline__lt=min(period.end, _today())))
    n = overdue.count()
    return Measurement(value=float(n), numerator=n, denominator=None, records=overdue)


@computation("framework.budget_execution_share")
def budget_execution_share(*, units: QuerySet[Any, Any], period: Period) -> Measurement:
    lines = BudgetLine.objects.filter(org_unit__in=units, year=period.start.year)
    sums = lines.aggregate(planned=Sum("planned"), spent=Sum("spent"))
    if not sums["planned"]:
        return Measurement.no_data()
    spent, planned = float(sums["spent"] or 0), float(sums["planned"])
    return Measurement(value=100 * spent / planned, numerator=spent, denominator=planned, records=lines)


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()
