"""Computations the framework registers itself: corrective actions on time, overdue tasks, budget execution,
working-group meetings held and third-party assessments completed."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from finassure.framework.models import BudgetLine, CorrectiveAction, ExternalAssessment, Meeting, WorkTask
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


def _ancestor_ids(units: QuerySet[Any, Any]) -> list[int]:
    """The ids on the materialised path of the subtree's top unit (itself and its ancestors)."""
    top = units.order_by("depth", "path").first()
    if top is None:
        return []
    return [int(part) for part in top.path.strip("/").split("/") if part]


@computation("framework.working_meeting_held")
def working_meeting_held(*, units: QuerySet[Any, Any], period: Period) -> Measurement:
    """1 if a working-group meeting of the units (or of an ancestor covering them) was held with minutes."""
    start, end = period.bounds()
    meetings = Meeting.objects.filter(Q(org_unit__in=units) | Q(org_unit_id__in=_ancestor_ids(units)),
                                      kind=Meeting.Kind.WORKING_GROUP, status=Meeting.Status.HELD,
                                      held_at__gte=start, held_at__lt=end).exclude(minutes="")
    held = meetings.exists()
    return Measurement(value=1 if held else 0, numerator=1 if held else 0, denominator=1, records=meetings,
                       note="" if held else "no working-group meeting with minutes in the period")


@computation("framework.external_assessment_held")
def external_assessment_held(*, units: QuerySet[Any, Any], period: Period) -> Measurement:
    """1 if a third-party assessment covering the units (one of its units is the top unit or an ancestor of it,
    or lies inside the subtree) was completed in the period."""
    covering = Q(units__in=units) | Q(units__id__in=_ancestor_ids(units))
    assessments = ExternalAssessment.objects.filter(
        covering, status=ExternalAssessment.Status.COMPLETED, completed_on__gte=period.start,
        completed_on__lt=period.end).distinct()
    held = assessments.exists()
    return Measurement(value=1 if held else 0, numerator=1 if held else 0, denominator=1, records=assessments,
                       note="" if held else "no third-party assessment completed in the period")
