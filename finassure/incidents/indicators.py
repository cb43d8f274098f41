"""Incidents' indicator computations for the assurance framework (docs/framework-contract.md §5)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from finassure.accounts.models import OrgUnit
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation
from finassure.incidents.models import MAJOR_GRADES, Drill, Incident

RESPONSE_LIMIT = dt.timedelta(hours=2)


def _occurred_in(units: QuerySet[OrgUnit], period: Period) -> QuerySet[Incident]:
    """Incidents of the units that occurred in the period (the time reported when no occurrence time is known)."""
    start, end = period.bounds()
    return Incident.objects.filter(org_unit__in=units).filter(
        Q(occurred_at__gte=start, occurred_at__lt=end)
        | Q(occurred_at__isnull=True, reported_at__gte=start, reported_at__lt=end))


@computation("incidents.security_incidents_count")
def security_incidents_count(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Information-security incidents (types marked security, incl. personal-data leaks) in the period."""
    records = _occurred_in(units, period).filter(incident_type__is_security=True)
    count = records.count()
    return Measurement(value=count, numerator=count, records=records)


@computation("incidents.pii_leak_count")
def pii_leak_count(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Personal-information leak incidents in the period (信息泄露事件)."""
    records = _occurred_in(units, period).filter(incident_type__is_pii_leak=True)
    count = records.count()
    return Measurement(value=count, numerator=count, records=records)


@computation("incidents.response_within_2h_share")
def response_within_2h_share(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Percent of incidents reported in the period acknowledged within 2 hours of the report.

    An incident still unacknowledged whose 2 hours have not yet passed is left out (not yet decided).
    """
    start, end = period.bounds()
    now = timezone.now()
    qs = Incident.objects.filter(org_unit__in=units, reported_at__gte=start, reported_at__lt=end).exclude(
        acknowledged_at__isnull=True, reported_at__gt=now - RESPONSE_LIMIT)
    total = qs.count()
    if total == 0:
        return Measurement.no_data("no incidents reported in the period")
    late = [i.pk for i in qs.only("pk", "reported_at", "acknowledged_at")
            if i.acknowledged_at is None or i.acknowledged_at - i.reported_at > RESPONSE_LIMIT]
    within = total - len(late)
    return Measurement(value=100 * within / total, numerator=within, denominator=total,
                       records=qs.filter(pk__in=late))


def _mean_handling_hours(units: QuerySet[OrgUnit], period: Period) -> tuple[float | None, QuerySet[Incident]]:
    start, end = period.bounds()
    qs = Incident.objects.filter(org_unit__in=units, grade__in=MAJOR_GRADES, resolved_at__gte=start,
                                 resolved_at__lt=end)
    hours = [(i.resolved_at - i.reported_at).total_seconds() / 3600
             for i in qs.only("reported_at", "resolved_at") if i.resolved_at is not None]
    return (sum(hours) / len(hours) if hours else None), qs


@computation("incidents.major_handling_efficiency_gain")
def major_handling_efficiency_gain(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Percent reduction of the mean report-to-resolution time of serious-and-above incidents (较大及以上)
    resolved in the period, against the previous period's mean (the baseline)."""
    current, records = _mean_handling_hours(units, period)
    baseline, _ = _mean_handling_hours(units, period.previous())
    if current is None or baseline is None or baseline == 0:
        return Measurement.no_data("needs major incidents resolved in this period and in the previous one")
    gain = 100 * (baseline - current) / baseline
    return Measurement(value=gain, numerator=current, denominator=baseline, records=records,
                       note=f"mean {current:.1f} h against {baseline:.1f} h in {period.previous().label()}")


@computation("incidents.emergency_drill_held")
def emergency_drill_held(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """1 if an emergency drill of the units, or of an ancestor covering them, was completed in the period."""
    start, end = period.bounds()
    root = units.order_by("depth", "path").first()
    ancestors = [int(p) for p in root.path.strip("/").split("/") if p] if root is not None else []
    drills = Drill.objects.filter(Q(org_unit__in=units) | Q(org_unit_id__in=ancestors), state=Drill.State.COMPLETED,
                                  ended_at__gte=start, ended_at__lt=end)
    held = drills.exists()
    return Measurement(value=1 if held else 0, numerator=1 if held else 0, denominator=1, records=drills,
                       note="" if held else "no emergency drill completed in the period")
