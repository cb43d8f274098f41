"""Indicator computations of risk monitoring, registered with the assurance framework (contract §2).

- `monitoring.alert_backlog`: alerts raised before the end of the period and not closed by then (count);
  the note gives their mean age in days.
- `monitoring.alerts_reviewed_within_deadline_share`: percent of alerts reviewed (closed or taken into a case)
  in the period on or before their review due date.
- `monitoring.lv_reports_filed_on_time_share`: percent of large-value reports due in the period (and already
  filed or past due) that were filed by their due date.
- `monitoring.suspicious_reports_filed`: count of suspicious reports approved and filed in the period.

A period with no records answers "no data", never 0 % or 100 %.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation
from finassure.monitoring.models import Alert, LargeValueReport, ReportStatus, SuspiciousReport


def _share(qs: QuerySet[Any], on_time: int) -> Measurement:
    total = qs.count()
    if total == 0:
        return Measurement.no_data()
    return Measurement(value=100 * on_time / total, numerator=on_time, denominator=total, records=qs)


@computation("monitoring.alert_backlog")
def alert_backlog(*, units: QuerySet[Any], period: Period) -> Measurement:
    _, end = period.bounds()
    qs = Alert.objects.filter(org_unit__in=units, created_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    if not Alert.objects.filter(org_unit__in=units, created_at__lt=end).exists():
        return Measurement.no_data()
    ages = [(end - created).days for created in qs.values_list("created_at", flat=True)]
    if not ages:
        return Measurement(value=0, records=qs)
    return Measurement(value=len(ages), records=qs, note=f"mean age {sum(ages) / len(ages):.1f} days")


@computation("monitoring.alerts_reviewed_within_deadline_share")
def alerts_reviewed_within_deadline_share(*, units: QuerySet[Any], period: Period) -> Measurement:
    start, end = period.bounds()
    qs = Alert.objects.filter(org_unit__in=units, reviewed_at__gte=start, reviewed_at__lt=end)
    on_time = sum(1 for reviewed, due in qs.values_list("reviewed_at", "due_date")
                  if timezone.localtime(reviewed).date() <= due)
    return _share(qs, on_time)


@computation("monitoring.lv_reports_filed_on_time_share")
def lv_reports_filed_on_time_share(*, units: QuerySet[Any], period: Period) -> Measurement:
    today = timezone.localdate()
    qs = LargeValueReport.objects.filter(org_unit__in=units, due_date__gte=period.start, due_date__lt=period.end).filter(
        Q(status=ReportStatus.FILED) | Q(due_date__lt=today))
    on_time = sum(1 for filed, due in qs.values_list("filed_at", "due_date")
                  if filed is not None and timezone.localtime(filed).date() <= due)
    return _share(qs, on_time)


@computation("monitoring.suspicious_reports_filed")
def suspicious_reports_filed(*, units: QuerySet[Any], period: Period) -> Measurement:
    start, end = period.bounds()
    qs = SuspiciousReport.objects.filter(org_unit__in=units, status=ReportStatus.FILED, filed_at__gte=start,
                                         filed_at__lt=end)
    return Measurement(value=qs.count(), records=qs)
