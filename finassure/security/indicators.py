"""Information security's indicator computations for the assurance framework (docs/framework-contract.md §5)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from finassure.accounts.models import OrgUnit
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation
from finassure.security.models import Scan, Vulnerability


def _ancestor_ids(units: QuerySet[OrgUnit]) -> list[int]:
    root = units.order_by("depth", "path").first()
    if root is None:
        return []
    return [int(part) for part in root.path.strip("/").split("/") if part]


@computation("security.vulnerability_scan_held")
def vulnerability_scan_held(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """1 if a scan of the units, or of an ancestor covering them (a head-office scan), ran in the period."""
    start, end = period.bounds()
    scans = Scan.objects.filter(Q(org_unit__in=units) | Q(org_unit_id__in=_ancestor_ids(units)),
                                scanned_at__gte=start, scanned_at__lt=end)
    held = scans.exists()
    return Measurement(value=1 if held else 0, numerator=1 if held else 0, denominator=1, records=scans,
                       note="" if held else "no vulnerability scan in the period")


@computation("security.major_vulnerabilities_open")
def major_vulnerabilities_open(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Critical and high vulnerabilities open at the end of the period: found before it ended and not fixed by
    then (risk-accepted ones do not count). No data when no scan had run on the units by then."""
    _, end = period.bounds()
    if not Scan.objects.filter(org_unit__in=units, scanned_at__lt=end).exists():
        return Measurement.no_data("no vulnerability scan yet")
    records = Vulnerability.objects.filter(org_unit__in=units, severity__in=["critical", "high"],
                                           first_seen_at__lt=end).exclude(
        status=Vulnerability.Status.ACCEPTED).exclude(fixed_at__lt=end)
    count = records.count()
    today = min(timezone.localdate(), period.end)
    past_due = records.filter(due_on__lt=today).count()
    return Measurement(value=count, numerator=count, records=records,
                       note=f"{past_due} past the remediation deadline" if past_due else "")
