"""Governance's indicator computations for the assurance framework (docs/framework-contract.md §5)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from finassure.accounts.models import OrgUnit
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation
from finassure.governance.models import Attestation, Engagement, Policy, PolicyVersion
from finassure.governance.selectors import covered_on, processes_in_scope


def _last_day(period: Period) -> Any:
    import datetime as dt

    return period.end - dt.timedelta(days=1)


@computation("governance.policy_coverage")
def policy_coverage(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Active processes of the units with a policy in force on the period's last day ÷ all of them (制度覆盖率)."""
    processes = processes_in_scope(units=units)
    total = processes.count()
    if total == 0:
        return Measurement.no_data("no business processes in scope")
    covered = processes.filter(covered_on(_last_day(period)))
    count = covered.count()
    return Measurement(value=100 * count / total, numerator=count, denominator=total,
                       records=processes.exclude(pk__in=covered.values("pk")))


def _ancestor_ids(units: QuerySet[OrgUnit]) -> list[int]:
    root = units.order_by("depth", "path").first()
    if root is None:
        return []
    return [int(part) for part in root.path.strip("/").split("/") if part]


@computation("governance.internal_audit_held")
def internal_audit_held(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """1 if an internal audit of the units, or of an ancestor covering them, reported within the period."""
    engagements = Engagement.objects.filter(
        Q(org_unit__in=units) | Q(org_unit_id__in=_ancestor_ids(units)),
        reported_on__gte=period.start, reported_on__lt=period.end,
    )
    held = engagements.exists()
    return Measurement(value=1 if held else 0, numerator=1 if held else 0, denominator=1, records=engagements,
                       note="" if held else "no internal audit report issued in the period")


@computation("governance.policy_review_held")
def policy_review_held(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """1 if every policy in force on the period's last day was reviewed (or took a new version) in the period."""
    last = _last_day(period)
    in_force = PolicyVersion.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=last),
                                            effective_from__lte=last)
    policies = Policy.objects.filter(org_unit__in=units, versions__in=in_force).distinct()
    total = policies.count()
    if total == 0:
        return Measurement.no_data("no policies in force")
    reviewed = policies.filter(
        Q(reviews__reviewed_on__gte=period.start, reviews__reviewed_on__lt=period.end)
        | Q(versions__effective_from__gte=period.start, versions__effective_from__lt=period.end)
    ).distinct()
    done = reviewed.count()
    return Measurement(value=1 if done == total else 0, numerator=done, denominator=total,
                       records=policies.exclude(pk__in=reviewed.values("pk")),
                       note=f"{done} of {total} policies reviewed")


@computation("governance.attestation_completion_share")
def attestation_completion_share(*, units: QuerySet[OrgUnit], period: Period) -> Measurement:
    """Read-and-acknowledge assignments of the units' staff for policy versions in force on the period's last day
    and assigned before the period ended: the share confirmed by then (制度学习确认完成率).

    Numerator: those confirmed before the period's end; denominator: all of them; records: the ones still
    unconfirmed at the period's end (the drill-down lists who has yet to read what). No assignments → no data.
    """
    last = _last_day(period)
    end_of_period = period.bounds()[1]
    assignments = Attestation.objects.filter(
        Q(version__ended_on__isnull=True) | Q(version__ended_on__gt=last),
        org_unit__in=units, version__effective_from__lte=last, created_at__lt=end_of_period,
    )
    total = assignments.count()
    if total == 0:
        return Measurement.no_data("no attestations assigned for policies in force")
    confirmed = Q(confirmed_at__isnull=False, confirmed_at__lt=end_of_period)
    done = assignments.filter(confirmed).count()
    pending = assignments.exclude(confirmed).select_related("user", "version__policy").order_by("org_unit_id", "pk")
    return Measurement(value=100 * done / total, numerator=done, denominator=total, records=pending,
                       note=f"{done} of {total} assignments confirmed")
