"""Training's indicator computations for the assurance framework (seed 三.1 and 三.4).

- training.coverage: assignments due in the period, completed by its end ÷ assigned (target 100 %).
- training.pass_rate: examinees of the period's exams who passed at least once ÷ examinees (target ≥ 98 %).
- training.awareness_score_avg: mean of each employee's latest risk-awareness score in the period (target ≥ 85).
- training.annual_plan_approved: a published plan for the year covering the unit (1 met / 0 not met).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from finassure.accounts.models import OrgUnit
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation
from finassure.training.models import Assignment, Attempt, Employee, Exam, TrainingPlan
from finassure.training.selectors import latest_awareness_scores


def _finished(units: QuerySet[OrgUnit, Any], period: Period, kind: str) -> QuerySet[Attempt]:
    lo, hi = period.bounds()
    return Attempt.objects.filter(org_unit__in=units, exam__kind=kind, submitted_at__gte=lo,
                                  submitted_at__lt=hi).exclude(status=Attempt.Status.IN_PROGRESS)


@computation("training.coverage")
def coverage(*, units: QuerySet[OrgUnit, Any], period: Period) -> Measurement:
    assigned = Assignment.objects.filter(org_unit__in=units, due_date__gte=period.start,
                                         due_date__lt=period.end).exclude(status=Assignment.Status.CANCELLED)
    total = assigned.count()
    if total == 0:
        return Measurement.no_data()
    completed = assigned.filter(status=Assignment.Status.COMPLETED, completed_at__lt=period.bounds()[1]).count()
    return Measurement(value=100 * completed / total, numerator=completed, denominator=total,
                       records=assigned.select_related("employee", "course", "exam").order_by("status", "due_date"))


@computation("training.pass_rate")
def pass_rate(*, units: QuerySet[OrgUnit, Any], period: Period) -> Measurement:
    attempts = _finished(units, period, Exam.Kind.EXAM)
    examinees = set(attempts.values_list("employee_id", flat=True))
    if not examinees:
        return Measurement.no_data()
    passed = set(attempts.filter(passed=True).values_list("employee_id", flat=True))
    return Measurement(value=100 * len(passed) / len(examinees), numerator=len(passed),
                       denominator=len(examinees),
                       records=Employee.objects.filter(pk__in=attempts.values("employee_id")).order_by("employee_no"))


@computation("training.awareness_score_avg")
def awareness_score_avg(*, units: QuerySet[OrgUnit, Any], period: Period) -> Measurement:
    attempts = _finished(units, period, Exam.Kind.AWARENESS)
    scores = latest_awareness_scores(attempts)
    if not scores:
        return Measurement.no_data()
    total = sum(scores.values())
    return Measurement(value=total / len(scores), numerator=total, denominator=len(scores),
                       records=attempts.select_related("employee").order_by("score"))


@computation("training.annual_plan_approved")
def annual_plan_approved(*, units: QuerySet[OrgUnit, Any], period: Period) -> Measurement:
    root = units.order_by("depth").first()
    if root is None:
        return Measurement.no_data()
    above = [int(part) for part in root.path.strip("/").split("/") if part]
    plans = TrainingPlan.objects.filter(Q(org_unit__in=units) | Q(org_unit_id__in=above),
                                        status=TrainingPlan.Status.PUBLISHED, year=period.start.year)
    met = plans.exists()
    return Measurement(value=1 if met else 0, numerator=1 if met else 0, denominator=1, records=plans)
