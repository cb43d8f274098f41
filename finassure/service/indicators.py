"""Indicator computations of customer service, registered with the assurance framework (contract §2 and §5).

- `service.customer_satisfaction`: percent of service (touch-point) survey answers in the period rated 4 or 5.
- `service.complaint_handling_satisfaction`: percent of complaint-handling survey answers in the period
  rated 4 or 5.
- `service.complaints_handled_within_48h_share`: percent of complaints closed in the period whose handling
  time (registration → closure) was at most 48 hours.
- `service.complaint_handling_hours_avg`: mean handling time in hours of the complaints closed in the period.

- `service.portal_self_resolution_share`: percent of portal visits started in the period that were resolved
  without a complaint (an article rated helpful, no complaint submitted in the visit). Portal visits are
  anonymous and belong to no org unit, so this is an institution-wide figure: it is computed only for a
  subtree that contains the institution's root unit, and answers "no data" for a branch.

Merged repeat complaints (status `merged`) are never counted: the primary stands for both.

A period with no records answers "no data", never 0 % or 100 %.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, QuerySet

from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation
from finassure.service.models import Complaint, Survey

TARGET_HOURS = 48


def _closed(units: QuerySet[Any], period: Period) -> QuerySet[Complaint]:
    start, end = period.bounds()
    # a merged repeat complaint has its own status and no primary of its own: never counted as closed
    return Complaint.objects.filter(org_unit__in=units, kind=Complaint.Kind.COMPLAINT, status=Complaint.Status.CLOSED,
                                    merged_into__isnull=True, closed_at__gte=start, closed_at__lt=end,
                                    handling_hours__isnull=False)


def _satisfaction(kind: str, units: QuerySet[Any], period: Period) -> Measurement:
    start, end = period.bounds()
    answers = Survey.objects.filter(org_unit__in=units, kind=kind, responded_at__gte=start, responded_at__lt=end,
                                    rating__isnull=False)
    total = answers.count()
    if total == 0:
        return Measurement.no_data()
    satisfied = answers.filter(rating__gte=4).count()
    records = Complaint.objects.filter(surveys__in=answers).distinct() if kind == Survey.Kind.COMPLAINT_HANDLING \
        else None
    return Measurement(value=100 * satisfied / total, numerator=satisfied, denominator=total, records=records)


@computation("service.customer_satisfaction")
def customer_satisfaction(*, units: QuerySet[Any], period: Period) -> Measurement:
    return _satisfaction(Survey.Kind.SERVICE, units, period)


@computation("service.complaint_handling_satisfaction")
def complaint_handling_satisfaction(*, units: QuerySet[Any], period: Period) -> Measurement:
    return _satisfaction(Survey.Kind.COMPLAINT_HANDLING, units, period)


@computation("service.complaints_handled_within_48h_share")
def complaints_handled_within_48h_share(*, units: QuerySet[Any], period: Period) -> Measurement:
    closed = _closed(units, period)
    total = closed.count()
    if total == 0:
        return Measurement.no_data()
    within = closed.filter(handling_hours__lte=TARGET_HOURS).count()
    return Measurement(value=100 * within / total, numerator=within, denominator=total,
                       records=closed.filter(handling_hours__gt=TARGET_HOURS))


@computation("service.complaint_handling_hours_avg")
def complaint_handling_hours_avg(*, units: QuerySet[Any], period: Period) -> Measurement:
    closed = _closed(units, period)
    total = closed.count()
    if total == 0:
        return Measurement.no_data()
    mean = closed.aggregate(mean=Avg("handling_hours"))["mean"]
    return Measurement(value=round(float(mean), 2), denominator=total, records=closed.order_by("-handling_hours"))


@computation("service.portal_self_resolution_share")
def portal_self_resolution_share(*, units: QuerySet[Any], period: Period) -> Measurement:
    from finassure.service.selectors import portal_self_resolution

    if not units.filter(parent__isnull=True).exists():
        return Measurement.no_data()
    start, end = period.bounds()
    resolved, total = portal_self_resolution(start=start, end=end)
    if total == 0:
        return Measurement.no_data()
    return Measurement(value=100 * resolved / total, numerator=resolved, denominator=total)
