"""Indicator computations of incidents (and the registration of security's), against hand-computed values."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finassure.accounts.selectors import units_under
from finassure.framework import registry
from finassure.framework.periods import Period
from tests.incidents.helpers import make_incident

pytestmark = pytest.mark.django_db

CST = ZoneInfo("Asia/Shanghai")
Q2 = Period.containing(dt.date(2026, 4, 1), "quarter")  # 2026-04-01 .. 2026-07-01 Beijing time


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST)


def measure(name: str, org: Any, period: Period = Q2, unit: str = "beijing") -> registry.Measurement:
    result = registry.measure(name, units=units_under(org.unit(unit)), period=period)
    assert result is not None, f"{name} is not registered"
    return result


def test_every_computation_of_the_two_modules_is_registered() -> None:
    for name in ("incidents.security_incidents_count", "incidents.pii_leak_count",
                 "incidents.response_within_2h_share", "incidents.major_handling_efficiency_gain",
                 "security.vulnerability_scan_held", "security.major_vulnerabilities_open"):
        assert registry.is_registered(name), name


def test_security_and_pii_leak_incidents_are_counted_by_when_they_occurred(org: Any) -> None:
    make_incident(org.haidian, code="infosec", reported_at=at(4, 2))
    make_incident(org.haidian, code="pii-leak", reported_at=at(6, 30, 23, 30))  # last evening of Q2 in Beijing
    make_incident(org.haidian, code="infosec", reported_at=at(7, 1, 0, 30))     # Q3
    make_incident(org.haidian, code="outage", reported_at=at(5, 5))             # not security
    make_incident(org.shanghai, code="infosec", reported_at=at(5, 5))           # outside the subtree
    # occurred in March, reported in April: counts in Q1
    make_incident(org.haidian, code="infosec", reported_at=at(4, 1, 9), occurred_at=at(3, 31, 22))
    security = measure("incidents.security_incidents_count", org)
    assert security.value == 2  # the infosec of 04-02 and the leak (a leak is a security incident)
    assert measure("incidents.pii_leak_count", org).value == 1
    assert measure("incidents.security_incidents_count", org,
                   period=Period.containing(dt.date(2026, 1, 1), "quarter")).value == 1


def test_a_quarter_without_incidents_counts_zero(org: Any) -> None:
    result = measure("incidents.security_incidents_count", org)
    assert result.value == 0 and result.records is not None and not result.records.exists()


def test_response_within_two_hours_share(org: Any) -> None:
    make_incident(org.haidian, reported_at=at(4, 10), acknowledged_at=at(4, 10, 11, 59))  # 1 h 59: within
    make_incident(org.haidian, reported_at=at(4, 11), acknowledged_at=at(4, 11, 12, 0))   # exactly 2 h: within
    late = make_incident(org.haidian, reported_at=at(4, 12), acknowledged_at=at(4, 12, 12, 1))  # 2 h 01: late
    never = make_incident(org.haidian, reported_at=at(5, 1))                              # never acknowledged
    result = measure("incidents.response_within_2h_share", org)
    assert (result.numerator, result.denominator) == (2, 4)
    assert result.value == 50.0
    assert set(result.records) == {late, never}


def test_response_share_without_incidents_is_no_data(org: Any) -> None:
    assert measure("incidents.response_within_2h_share", org).value is None


def test_major_incident_handling_efficiency_against_the_previous_year(org: Any) -> None:
    year = Period.containing(dt.date(2026, 1, 1), "year")
    # 2025: major incidents resolved in 10 h and 6 h → baseline mean 8 h
    make_incident(org.haidian, grade="major", reported_at=at(3, 1, year=2025), resolved_at=at(3, 1, 20, year=2025))
    make_incident(org.haidian, grade="serious", reported_at=at(9, 1, year=2025), resolved_at=at(9, 1, 16, year=2025))
    # 2026: 6 h and 4 h → mean 5 h; a general incident does not count
    make_incident(org.haidian, grade="extraordinary", reported_at=at(2, 1), resolved_at=at(2, 1, 16))
    make_incident(org.haidian, grade="major", reported_at=at(8, 1), resolved_at=at(8, 1, 14))
    make_incident(org.haidian, grade="general", reported_at=at(8, 2), resolved_at=at(8, 9))
    result = measure("incidents.major_handling_efficiency_gain", org, period=year)
    assert result.denominator == pytest.approx(8.0) and result.numerator == pytest.approx(5.0)
    assert result.value == pytest.approx(37.5)  # (8 - 5) / 8


def test_efficiency_without_a_baseline_is_no_data(org: Any) -> None:
    make_incident(org.haidian, grade="major", reported_at=at(2, 1), resolved_at=at(2, 1, 16))
    year = Period.containing(dt.date(2026, 1, 1), "year")
    assert measure("incidents.major_handling_efficiency_gain", org, period=year).value is None


def test_efficiency_reports_mean_and_p90_per_quarter_and_grade(org: Any, make_user: Any, login_client: Any) -> None:
    from finassure.accounts.roles import Role
    from finassure.incidents import selectors

    # Q2 general: acknowledged after 10, 20, ..., 100 minutes → mean 55, p90 (nearest rank 9 of 10) 90
    for i in range(1, 11):
        make_incident(org.haidian, reported_at=at(4, i), acknowledged_at=at(4, i) + dt.timedelta(minutes=10 * i),
                      resolved_at=at(4, i, 10 + i))
    make_incident(org.haidian, grade="major", reported_at=at(8, 1), resolved_at=at(8, 1, 16))
    viewer = make_user(Role.RISK_MANAGER, unit="beijing")
    rows = {(r.quarter, r.grade): r for r in selectors.efficiency(actor=viewer, year=2026)}
    general = rows[("2026Q2", "general")]
    assert general.incidents == 10
    assert general.ack_mean_minutes == pytest.approx(55)
    assert general.ack_p90_minutes == pytest.approx(90)
    assert general.resolve_mean_hours == pytest.approx(5.5) and general.resolve_p90_hours == pytest.approx(9)
    major = rows[("2026Q3", "major")]
    assert (major.incidents, major.ack_mean_minutes, major.resolve_mean_hours) == (1, None, 6)
    page = login_client(viewer).get("/incidents/efficiency/?year=2026").content.decode()
    assert "2026Q2" in page and "2026Q3" in page
