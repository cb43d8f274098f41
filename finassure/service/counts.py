"""Day arithmetic of the pre-aggregated complaint counts (`ComplaintDailyCount`): local days of settings.TIME_ZONE.

How the counts stay exact: triggers on the complaint table mark the UTC hour of every complaint whose counted
fields change (`ComplaintCountDirtyHour`, migration 0008); a day holding a marked hour is *dirty*. The
statistics read the summary rows for clean days and count dirty days (and the partial days at the edges of
a period) live from the complaint table; the worker rebuilds dirty days every few minutes
(`services.complaint_counts_refresh`). Days never summarised are dirty too: a new complaint marks its hour,
and migration 0008 marked every complaint that existed before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings

HOUR = dt.timedelta(hours=1)


def zone() -> ZoneInfo:
    return ZoneInfo(str(settings.TIME_ZONE))


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a local day (as `Period.bounds` computes it)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone())


def days_of_hours(hours: Iterable[dt.datetime]) -> set[dt.date]:
    """The local days a UTC hour [h, h + 1 h) overlaps: one, or two for a zone whose offset is not whole hours."""
    tz = zone()
    days: set[dt.date] = set()
    for hour in hours:
        days.add(hour.astimezone(tz).date())
        days.add((hour + HOUR - dt.timedelta(microseconds=1)).astimezone(tz).date())
    return days


def whole_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """[first, stop): the local days lying wholly inside [start, end) (first >= stop when there is none)."""
    tz = zone()
    first = start.astimezone(tz).date()
    if day_start(first) < start:
        first += dt.timedelta(days=1)
    return first, max(first, end.astimezone(tz).date())


def runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as [first, stop) runs, in order."""
    found: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if found and found[-1][1] == day:
            found[-1] = (found[-1][0], day + dt.timedelta(days=1))
        else:
            found.append((day, day + dt.timedelta(days=1)))
    return found


def live_ranges(start: dt.datetime, end: dt.datetime, dirty: Iterable[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The instants of [start, end) to count live: the partial days at either edge and the dirty whole days."""
    first, stop = whole_days(start, end)
    if first >= stop:
        return [(start, end)] if start < end else []
    ranges = [(day_start(a), day_start(b)) for a, b in runs(d for d in dirty if first <= d < stop)]
    if start < day_start(first):
        ranges.insert(0, (start, day_start(first)))
    if day_start(stop) < end:
        ranges.append((day_start(stop), end))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for lo, hi in ranges:
        if merged and merged[-1][1] >= lo:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged
