"""The business calendar: working days on the Chinese calendar (holidays and 调休 make-up working days).

Official schedules are data: loaded from the `chinesecalendar` package for the years it knows, and by an
administrator for later years (the State Council publishes each year's schedule late in the year before).
A year with no official schedule falls back to Monday–Friday working days — never a crash — and
`warnings()` says so loudly until it is loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.platform import audit
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import CalendarDay, CalendarYear

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@lru_cache(maxsize=64)
def _exceptions(year: int) -> dict[dt.date, bool]:
    rows = CalendarDay.objects.filter(day__year=year).values_list("day", "is_working")
    return dict(rows)


def clear_cache() -> None:
    _exceptions.cache_clear()
    _official_years.cache_clear()


@lru_cache(maxsize=1)
def _official_years() -> frozenset[int]:
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


def has_official_schedule(year: int) -> bool:
    return year in _official_years()


def is_working_day(day: dt.date) -> bool:
    exception = _exceptions(day.year).get(day)
    if exception is not None:
        return exception
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, remaining = start, days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current)
    return count


def warnings(today: dt.date | None = None) -> list[str]:
    """Loud messages while the current or next year has no official schedule."""
    today = today or timezone.localdate()
    return [
        _("No official holiday schedule is loaded for %(year)s: working-day deadlines in %(year)s count Monday "
          "to Friday only. Load the State Council's schedule under Administration → Business calendar.")
        % {"year": year}
        for year in (today.year, today.year + 1)
        if not has_official_schedule(year)
    ]


def _replace_year(year: int, holidays: Iterable[tuple[dt.date, str]], workdays: Iterable[tuple[dt.date, str]],
                  source: str) -> tuple[int, int]:
    holidays, workdays = list(holidays), list(workdays)
    for day, _name in holidays + workdays:
        if day.year != year:
            raise ValidationFailed(_("%(day)s is not in %(year)s.") % {"day": day, "year": year})
    clash = {d for d, _ in holidays} & {d for d, _ in workdays}
    if clash:
        raise ValidationFailed(_("A day cannot be both a holiday and a working day: %(days)s")
                               % {"days": ", ".join(sorted(str(d) for d in clash))})
    CalendarDay.objects.filter(day__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=d, is_working=False, name=n) for d, n in holidays]
        + [CalendarDay(day=d, is_working=True, name=n) for d, n in workdays]
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    transaction.on_commit(clear_cache)
    clear_cache()
    return len(holidays), len(workdays)


@transaction.atomic
def calendar_load_library_years(*, actor: Any = None) -> list[int]:
    """Load every year the chinesecalendar package knows; returns the years loaded."""
    import chinese_calendar

    by_year: dict[int, tuple[list[tuple[dt.date, str]], list[tuple[dt.date, str]]]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, ([], []))[0].append((day, HOLIDAY_NAMES_ZH.get(name, name)))
    for day, name in chinese_calendar.workdays.items():
        by_year.setdefault(day.year, ([], []))[1].append((day, HOLIDAY_NAMES_ZH.get(name, name)))
    admin_years = set(CalendarYear.objects.filter(source=CalendarYear.Source.ADMIN).values_list("year", flat=True))
    loaded = []
    for year, (holidays, workdays) in sorted(by_year.items()):
        if year in admin_years:
            continue  # an administrator's own schedule wins over the package's
        _replace_year(year, holidays, workdays, CalendarYear.Source.LIBRARY)
        loaded.append(year)
    if actor is not None or loaded:
        audit.record(action="calendar.load_library", actor=actor, detail={"years": loaded})
    return loaded


def parse_schedule(text: str) -> tuple[list[tuple[dt.date, str]], list[tuple[dt.date, str]]]:
    """Parse a schedule: one `YYYY-MM-DD,holiday|workday,name` per line (# comments allowed)."""
    holidays, workdays, errors = [], [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 2:
            errors.append(_("line %(n)s: expected date,holiday|workday,name") % {"n": number})
            continue
        try:
            day = dt.date.fromisoformat(parts[0])
        except ValueError:
            errors.append(_("line %(n)s: %(value)s is not a date (YYYY-MM-DD)") % {"n": number, "value": parts[0]})
            continue
        kind, name = parts[1].lower(), (parts[2] if len(parts) > 2 else "")
        if kind == "holiday":
            holidays.append((day, name))
        elif kind == "workday":
            workdays.append((day, name))
        else:
            errors.append(_("line %(n)s: kind must be holiday or workday, not %(value)s")
                          % {"n": number, "value": parts[1]})
    if errors:
        raise ValidationFailed(_("The schedule has errors; nothing was loaded."), fields={"schedule": errors})
    return holidays, workdays


@transaction.atomic
def calendar_load_year(*, actor: Any, year: int, text: str) -> tuple[int, int]:
    """An administrator loads (or replaces) a year's official schedule; audited with the counts."""
    from finassure.accounts import selectors as access

    if actor is not None:
        access.require(actor, "platform.manage_calendar")
    if not 2000 <= year <= 2100:
        message = _("The year must be between 2000 and 2100.")
        raise ValidationFailed(message, fields={"year": [message]})
    holidays, workdays = parse_schedule(text)
    counts = _replace_year(year, holidays, workdays, CalendarYear.Source.ADMIN)
    audit.record(action="calendar.load_year", actor=actor, object_type="platform.calendaryear", object_id=str(year),
                 object_repr=str(year), detail={"holidays": counts[0], "workdays": counts[1]})
    return counts
