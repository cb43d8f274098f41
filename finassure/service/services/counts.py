"""Rebuilds of the daily complaint counts behind the statistics page (see `finassure/service/counts.py`).

`complaint_counts_refresh` (the worker, every few minutes) rebuilds the days holding a changed-hour mark and
removes the marks it has seen; `complaint_counts_rebuild` (the `finassure service rebuild-counts` command)
rebuilds a date range or everything. Both are idempotent and recompute a day from the complaint table, so
running them again changes nothing.

Concurrency: a write that commits while a rebuild runs bumps its mark's `version` (the trigger's upsert);
the rebuild deletes a mark only if its version is still the one it read, so such a write keeps its day dirty
until the next refresh. Two rebuilds never run at once (a transaction-level advisory lock on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDate

from finassure.service import counts
from finassure.service.models import Complaint, ComplaintCountDirtyHour, ComplaintDailyCount

_PG_LOCK_KEY = 0x5EC0_C0DE  # any constant of our own: serialises the rebuilds


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _rebuild_days(first: dt.date, stop: dt.date) -> int:
    """Replace the summary rows of the local days [first, stop) by a fresh grouped count; returns rows written."""
    ComplaintDailyCount.objects.filter(day__gte=first, day__lt=stop).delete()
    closed_q = Q(status=Complaint.Status.CLOSED)
    groups = (Complaint.objects.filter(received_at__gte=counts.day_start(first), received_at__lt=counts.day_start(stop),
                                       kind=Complaint.Kind.COMPLAINT, merged_into__isnull=True)
              .annotate(local_day=TruncDate("received_at", tzinfo=counts.zone()))
              .values("local_day", "org_unit_id", "product_line", "category_id", "root_cause")
              .annotate(n=Count("id"), major=Count("id", filter=Q(is_major=True)), closed=Count("id", filter=closed_q),
                        within=Count("id", filter=closed_q & Q(handling_hours__lte=48))).order_by())
    rows = [ComplaintDailyCount(day=g["local_day"], org_unit_id=g["org_unit_id"], product_line=g["product_line"],
                                category_id=g["category_id"], root_cause=g["root_cause"], n=g["n"],
                                major=g["major"], closed=g["closed"], closed_within_48h=g["within"])
            for g in groups.iterator(chunk_size=5000)]
    ComplaintDailyCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _analyze(rows_written: int) -> None:
    # after a large rebuild the planner's row estimates are stale (one row instead of 60,000 at a million
    # complaints): it then sorts on disk instead of hashing; autovacuum would catch up only later
    if connection.vendor == "postgresql" and rows_written >= 10_000:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ComplaintDailyCount._meta.db_table}")


def _clear(marks: list[tuple[int, int]]) -> None:
    """Delete the marks (pk, version) read before the rebuild, unless a later write bumped them."""
    for start in range(0, len(marks), 500):
        chunk = marks[start:start + 500]
        ComplaintCountDirtyHour.objects.filter(reduce(or_, (Q(pk=pk, version=v) for pk, v in chunk))).delete()


@transaction.atomic
def complaint_counts_refresh() -> int:
    """Rebuild every day holding a changed-hour mark and clear those marks; returns the number of days rebuilt."""
    _lock()
    marks = list(ComplaintCountDirtyHour.objects.values_list("pk", "hour", "version"))
    days = counts.days_of_hours(hour for _, hour, _ in marks)
    _analyze(sum(_rebuild_days(first, stop) for first, stop in counts.runs(days)))
    _clear([(pk, version) for pk, _, version in marks])
    return len(days)


@transaction.atomic
def complaint_counts_rebuild(*, first: dt.date | None = None, last: dt.date | None = None) -> int:
    """Rebuild the days [first, last] (by default from the earliest to the latest complaint or summary row) and
    clear the marks lying wholly inside them; returns the number of summary rows written."""
    _lock()
    if first is None or last is None:
        found = Complaint.objects.aggregate(lo=Min("received_at"), hi=Max("received_at"))
        summary = ComplaintDailyCount.objects.aggregate(lo=Min("day"), hi=Max("day"))
        tz = counts.zone()
        days = [d for d in (summary["lo"], summary["hi"]) if d]
        days += [t.astimezone(tz).date() for t in (found["lo"], found["hi"]) if t]
        if not days:
            return 0
        first = first or min(days)
        last = last or max(days)
    stop = last + dt.timedelta(days=1)
    written = _rebuild_days(first, stop)
    _analyze(written)
    marks = ComplaintCountDirtyHour.objects.filter(hour__gte=counts.day_start(first) - counts.HOUR,
                                                   hour__lt=counts.day_start(stop))
    _clear([(pk, version) for pk, hour, version in marks.values_list("pk", "hour", "version")
            if all(first <= d < stop for d in counts.days_of_hours([hour]))])
    return written
