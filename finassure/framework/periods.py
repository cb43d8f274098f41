"""Evaluation periods of indicators: month, quarter, half-year and year, as half-open date ranges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

KINDS = ("month", "quarter", "half", "year")
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """One evaluation period: `start` inclusive, `end` (first day of the next period) exclusive."""

    kind: str
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        if kind not in KINDS:
            raise ValueError(f"unknown period kind {kind!r}")
        if isinstance(day, dt.datetime):
            day = day.date()
        size = _MONTHS[kind]
        first_month = ((day.month - 1) // size) * size + 1
        start = dt.date(day.year, first_month, 1)
        return cls(kind, start, _add_months(start, size))

    @classmethod
    def parse(cls, label: str) -> Period:
        """The inverse of `label()`: "2026Q3", "2026H2", "2026-07", "2026"."""
        text = label.strip().upper()
        try:
            if "Q" in text:
                year, quarter = text.split("Q")
                return cls.containing(dt.date(int(year), (int(quarter) - 1) * 3 + 1, 1), "quarter")
            if "H" in text:
                year, half = text.split("H")
                return cls.containing(dt.date(int(year), (int(half) - 1) * 6 + 1, 1), "half")
            if "-" in text:
                year, month = text.split("-")
                return cls.containing(dt.date(int(year), int(month), 1), "month")
            return cls.containing(dt.date(int(text), 1, 1), "year")
        except (ValueError, TypeError, OverflowError):  # OverflowError: a year of 40 digits
            raise ValueError(f"not a period label: {label!r}") from None

    def previous(self) -> Period:
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def next(self) -> Period:
        return Period.containing(self.end, self.kind)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{self.start.year}H{(self.start.month - 1) // 6 + 1}"
        return str(self.start.year)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes in settings.TIME_ZONE, [start, end)."""
        zone = ZoneInfo(str(settings.TIME_ZONE))
        return (dt.datetime.combine(self.start, dt.time.min, tzinfo=zone),
                dt.datetime.combine(self.end, dt.time.min, tzinfo=zone))

    def __str__(self) -> str:
        return self.label()
