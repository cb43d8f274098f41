"""Governance's indicator computations against hand-computed values, including the no-data case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finassure.accounts import selectors as access
from finassure.framework import registry
from finassure.framework.periods import Period
from finassure.governance.models import PolicyReview
from tests.governance import factories as f

pytestmark = pytest.mark.django_db
Q3 = Period.containing(dt.date(2026, 8, 1), "quarter")


def _measure(name: str, unit: Any, period: Period = Q3) -> registry.Measurement:
    result = registry.measure(name, units=access.units_under(unit), period=period)
    assert result is not None, f"{name} is not registered"
    return result


def test_the_governance_computations_are_registered() -> None:
    assert {"governance.policy_coverage", "governance.internal_audit_held",
            "governance.policy_review_held"} <= set(registry.names())


def test_coverage_is_the_share_of_processes_with_a_policy_in_force_at_period_end(org: Any) -> None:
    a, b, c, d = (f.make_process(org.beijing) for _ in range(4))
    f.make_process(org.shanghai)
    f.make_policy(org.beijing, processes=[a], effective_from=dt.date(2026, 1, 1))
    f.make_policy(org.haidian, processes=[b], effective_from=dt.date(2026, 9, 30))  # in force on the last day
    f.make_policy(org.beijing, processes=[c], effective_from=dt.date(2026, 10, 1))  # too late for Q3
    ended = f.make_policy(org.beijing, processes=[d], effective_from=dt.date(2026, 1, 1))
    ended.versions.update(status="superseded", ended_on=dt.date(2026, 9, 1))
    m = _measure("governance.policy_coverage", org.beijing)
    assert (m.value, m.numerator, m.denominator) == (50.0, 2, 4)
    assert m.records is not None and {p.pk for p in m.records} == {c.pk, d.pk}


def test_coverage_without_processes_is_no_data(org: Any) -> None:
    f.make_process(org.shanghai)
    assert not _measure("governance.policy_coverage", org.beijing).has_data


def test_the_quarterly_audit_is_held_when_a_report_is_issued_in_the_quarter(org: Any) -> None:
    f.make_engagement(org.haidian, status="reported", starts_on=dt.date(2026, 9, 1), reported_on=dt.date(2026, 9, 30))
    assert _measure("governance.internal_audit_held", org.beijing).value == 1
    assert _measure("governance.internal_audit_held", org.haidian).value == 1
    assert _measure("governance.internal_audit_held", org.shanghai).value == 0
    assert _measure("governance.internal_audit_held", org.beijing, Q3.next()).value == 0


def test_an_audit_of_an_ancestor_covers_the_units_below_it(org: Any) -> None:
    f.make_engagement(org.beijing, status="reported", starts_on=dt.date(2026, 7, 1), reported_on=dt.date(2026, 7, 20))
    assert _measure("governance.internal_audit_held", org.haidian).value == 1
    assert _measure("governance.internal_audit_held", org.head).value == 1


def test_an_engagement_without_report_does_not_count(org: Any) -> None:
    f.make_engagement(org.beijing, status="fieldwork", starts_on=dt.date(2026, 7, 1))
    m = _measure("governance.internal_audit_held", org.beijing)
    assert (m.value, m.numerator, m.denominator) == (0, 0, 1)


def test_the_policy_review_is_held_when_every_policy_in_force_was_reviewed_in_the_year(org: Any) -> None:
    year = Period.containing(dt.date(2026, 6, 1), "year")
    assert not _measure("governance.policy_review_held", org.beijing, year).has_data
    old = f.make_policy(org.beijing, effective_from=dt.date(2025, 1, 1))
    f.make_policy(org.haidian, effective_from=dt.date(2026, 3, 1))  # a new version counts as reviewed
    m = _measure("governance.policy_review_held", org.beijing, year)
    assert (m.value, m.numerator, m.denominator) == (0, 1, 2)
    PolicyReview.objects.create(policy=old, reviewed_on=dt.date(2026, 5, 1), reviewer=f.make_author(org.beijing),
                                outcome="keep", next_review=dt.date(2027, 5, 1))
    m = _measure("governance.policy_review_held", org.beijing, year)
    assert (m.value, m.numerator, m.denominator) == (1, 2, 2)


def _assign(user: Any, version: Any, *, assigned: dt.datetime, confirmed: dt.datetime | None = None) -> Any:
    from finassure.governance.models import Attestation

    attestation = Attestation.objects.create(version=version, user=user, org_unit=user.org_unit)
    Attestation.objects.filter(pk=attestation.pk).update(created_at=assigned, confirmed_at=confirmed)
    return attestation


def test_attestation_completion_is_the_share_of_assignments_confirmed_by_period_end(org: Any) -> None:
    from django.utils import timezone

    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))

    in_force = f.make_policy(org.beijing, effective_from=dt.date(2026, 1, 1)).effective_version
    ended = f.make_policy(org.beijing, effective_from=dt.date(2026, 1, 1)).effective_version
    ended.__class__.objects.filter(pk=ended.pk).update(status="superseded", ended_on=dt.date(2026, 9, 1))
    staff = [f.make_author(org.haidian) for _ in range(4)] + [f.make_author(org.beijing)]
    shanghai = f.make_author(org.shanghai)
    _assign(staff[0], in_force, assigned=at(dt.date(2026, 7, 1)), confirmed=at(dt.date(2026, 7, 2)))  # done
    _assign(staff[1], in_force, assigned=at(dt.date(2026, 7, 1)), confirmed=at(dt.date(2026, 10, 2)))  # too late
    late = _assign(staff[2], in_force, assigned=at(dt.date(2026, 7, 1)))  # never
    _assign(staff[3], in_force, assigned=at(dt.date(2026, 10, 5)))  # assigned after Q3: not counted
    _assign(staff[4], in_force, assigned=at(dt.date(2026, 8, 1)), confirmed=at(dt.date(2026, 9, 30)))  # done
    _assign(staff[0], ended, assigned=at(dt.date(2026, 2, 1)))  # version no longer in force at Q3 end
    _assign(shanghai, in_force, assigned=at(dt.date(2026, 7, 1)))  # another subtree

    m = _measure("governance.attestation_completion_share", org.beijing)
    assert (m.value, m.numerator, m.denominator) == (50.0, 2, 4)  # 2 of the 4 Beijing-subtree assignments
    assert m.records is not None and {a.user_id for a in m.records} == {staff[1].pk, staff[2].pk}
    m = _measure("governance.attestation_completion_share", org.haidian)
    assert (m.value, m.numerator, m.denominator) == (pytest.approx(100 / 3), 1, 3)
    assert late.pk in {a.pk for a in m.records or []}
    m = _measure("governance.attestation_completion_share", org.shanghai)
    assert (m.value, m.numerator, m.denominator) == (0.0, 0, 1)


def test_attestation_completion_without_assignments_is_no_data(org: Any) -> None:
    f.make_policy(org.beijing, effective_from=dt.date(2026, 1, 1))
    assert not _measure("governance.attestation_completion_share", org.beijing).has_data
    assert "governance.attestation_completion_share" in registry.names()
