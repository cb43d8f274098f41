"""Evaluation periods: containment, labels, neighbours and bounds in the institution's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from finassure.framework.periods import Period


@pytest.mark.parametrize(("kind", "start", "end", "label"), [
    ("month", dt.date(2026, 8, 1), dt.date(2026, 9, 1), "2026-08"),
    ("quarter", dt.date(2026, 7, 1), dt.date(2026, 10, 1), "2026Q3"),
    ("half", dt.date(2026, 7, 1), dt.date(2027, 1, 1), "2026H2"),
    ("year", dt.date(2026, 1, 1), dt.date(2027, 1, 1), "2026"),
])
def test_a_period_contains_its_day(kind: str, start: dt.date, end: dt.date, label: str) -> None:
    period = Period.containing(dt.date(2026, 8, 17), kind)
    assert (period.start, period.end, period.label()) == (start, end, label)
    assert Period.parse(label) == period


def test_previous_and_next_cross_the_year() -> None:
    q1 = Period.containing(dt.date(2026, 2, 3), "quarter")
    assert q1.previous().label() == "2025Q4"
    assert q1.previous().next() == q1
    assert Period.containing(dt.date(2026, 12, 31), "month").next().label() == "2027-01"


def test_bounds_are_aware_and_in_the_institutions_zone(settings: object) -> None:
    start, end = Period.containing(dt.date(2026, 3, 1), "quarter").bounds()
    assert start.utcoffset() == dt.timedelta(hours=8)
    assert start.isoformat() == "2026-01-01T00:00:00+08:00" and end.isoformat() == "2026-04-01T00:00:00+08:00"


def test_unknown_kinds_and_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown period kind"):
        Period.containing(dt.date(2026, 1, 1), "week")
    with pytest.raises(ValueError, match="not a period label"):
        Period.parse("2026Q9x")
    for label in ("9" * 40, "9" * 40 + "Q1", "2026-" + "9" * 30, "²", "2026Q²", "0", "10000"):
        with pytest.raises(ValueError, match="not a period label"):
            Period.parse(label)
