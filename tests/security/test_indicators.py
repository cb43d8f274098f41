"""Indicator computations of information security, against values worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finassure.framework.periods import Period
from tests.incidents.test_indicators import at, measure
from tests.security.helpers import make_vulnerability

pytestmark = pytest.mark.django_db


def test_a_scan_held_in_the_half_year_including_a_head_office_scan(org: Any) -> None:
    h1 = Period.containing(dt.date(2026, 1, 1), "half")
    assert measure("security.vulnerability_scan_held", org, period=h1).value == 0
    vulnerability = make_vulnerability(org.head)  # a head-office scan covers the branches
    scan = vulnerability.first_scan
    scan.scanned_at = at(3, 15)
    scan.save()
    assert measure("security.vulnerability_scan_held", org, period=h1).value == 1
    assert measure("security.vulnerability_scan_held", org,
                   period=Period.containing(dt.date(2026, 7, 1), "half")).value == 0
    assert measure("security.vulnerability_scan_held", org, period=h1, unit="shanghai").value == 1


def test_major_vulnerabilities_open_at_the_end_of_the_quarter(org: Any) -> None:
    assert measure("security.major_vulnerabilities_open", org).value is None  # no scan yet
    make_vulnerability(org.haidian, severity="critical", first_seen_at=at(5, 1), last_seen_at=at(5, 1))
    make_vulnerability(org.haidian, severity="high", first_seen_at=at(4, 1), last_seen_at=at(4, 1),
                       status="fixed", fixed_at=at(7, 5))  # fixed only after the quarter: open at its end
    make_vulnerability(org.haidian, severity="high", first_seen_at=at(4, 1), last_seen_at=at(4, 1),
                       status="fixed", fixed_at=at(6, 1))  # fixed within the quarter
    make_vulnerability(org.haidian, severity="high", first_seen_at=at(4, 1), last_seen_at=at(4, 1),
                       status="accepted")
    make_vulnerability(org.haidian, severity="medium", first_seen_at=at(4, 1), last_seen_at=at(4, 1))
    make_vulnerability(org.haidian, severity="critical", first_seen_at=at(7, 2), last_seen_at=at(7, 2))  # Q3
    make_vulnerability(org.shanghai, severity="critical", first_seen_at=at(5, 1), last_seen_at=at(5, 1))
    assert measure("security.major_vulnerabilities_open", org).value == 2
