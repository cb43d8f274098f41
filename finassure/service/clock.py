"""The two complaint clocks, computed from a complaint's event history (pure Python, no database).

1. The internal SLA (the seed's target): from registration to closure within ``sla_hours`` hours
   (48 by default, per category), counted either in natural hours or in business hours: the working
   hours (09:00–17:00 by default) of working days on the platform business calendar, so a holiday
   counts nothing and a 调休 make-up Saturday counts like a weekday. Warnings at 50 % and 75 % of the
   allowance, breach after it. Paused time counts here: the promise to the customer is about elapsed
   (business) time.
2. The regulatory deadline (CBIRC Order 2020 No. 3, Art. 18/20/43): a decision within 15 natural days of
   acceptance (30 for a re-check), extendable to 30 and then by another 30 with senior approval. Time
   paused for appraisal, testing or mediation is not counted. Days are counted the Civil Code way
   (Art. 201/203): the day of acceptance is not counted and the last day ends at 24:00 local time, so
   the deadline is local midnight at the end of day N after acceptance, pushed back by every paused
   interval.

Clock state is derived from events every time, so changing a policy later never rewrites history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

REGISTERED, ACCEPTED, PAUSED, RESUMED, EXTENDED, DECIDED, CLOSED, WITHDRAWN = (
    "registered", "accepted", "paused", "resumed", "extended", "decided", "closed", "withdrawn",
)
# A repeat complaint merged into its primary: both of the duplicate's clocks stop (the primary keeps its own).
MERGED = "merged"
# Days allowed after 0, 1 and 2 extensions (Art. 18: 15, up to 30, then +30 with approval).
REGULATORY_DAYS = (15, 30, 60)
RECHECK_DAYS = 30
WARN_AT = (0.5, 0.75)
NATURAL_HOURS, BUSINESS_HOURS = "natural", "business"

NOT_STARTED, RUNNING, WARNING, CRITICAL, PAUSED_STATE, MET, BREACHED = (
    "not_started", "running", "warning", "critical", "paused", "met", "breached",
)


@dataclass(frozen=True)
class Event:
    kind: str
    at: dt.datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClockState:
    state: str
    started_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    elapsed: dt.timedelta = dt.timedelta(0)
    allowed: dt.timedelta = dt.timedelta(0)
    paused_for: dt.timedelta = dt.timedelta(0)

    @property
    def fraction(self) -> float:
        if self.allowed <= dt.timedelta(0):
            return 0.0
        return self.elapsed / self.allowed

    @property
    def remaining(self) -> dt.timedelta:
        return self.allowed - self.elapsed

    @property
    def is_breached(self) -> bool:
        return self.state == BREACHED

    @property
    def is_open(self) -> bool:
        return self.state in {RUNNING, WARNING, CRITICAL, PAUSED_STATE}


def _first(events: list[Event], kind: str) -> dt.datetime | None:
    return next((e.at for e in events if e.kind == kind), None)


def _stop(events: list[Event], kinds: tuple[str, ...]) -> dt.datetime | None:
    return next((e.at for e in events if e.kind in kinds), None)


def paused_intervals(events: Iterable[Event], *, now: dt.datetime,
                     since: dt.datetime | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    """The (start, end) of every pause; an open pause runs until `now`. Unmatched resumes are ignored."""
    intervals: list[tuple[dt.datetime, dt.datetime]] = []
    opened: dt.datetime | None = None
    for event in events:
        if since is not None and event.at < since:
            continue
        if event.kind == PAUSED and opened is None:
            opened = event.at
        elif event.kind == RESUMED and opened is not None:
            intervals.append((opened, max(opened, event.at)))
            opened = None
    if opened is not None:
        intervals.append((opened, max(opened, now)))
    return intervals


def _grade(elapsed: dt.timedelta, allowed: dt.timedelta) -> str:
    if elapsed > allowed:
        return BREACHED
    ratio = elapsed / allowed if allowed > dt.timedelta(0) else 0.0
    if ratio >= WARN_AT[1]:
        return CRITICAL
    if ratio >= WARN_AT[0]:
        return WARNING
    return RUNNING


@dataclass(frozen=True)
class BusinessHours:
    """Working hours [opens, closes) local time on the days `is_working_day` accepts (holidays, 调休)."""

    is_working_day: Callable[[dt.date], bool]
    opens: dt.time = dt.time(9)
    closes: dt.time = dt.time(17)
    tz: dt.tzinfo | str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("working hours must close after they open")

    @property
    def zone(self) -> dt.tzinfo:
        return ZoneInfo(self.tz) if isinstance(self.tz, str) else self.tz

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        zone = self.zone
        return (dt.datetime.combine(day, self.opens, tzinfo=zone), dt.datetime.combine(day, self.closes, tzinfo=zone))

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time in [start, end)."""
        if end <= start:
            return dt.timedelta(0)
        zone = self.zone
        day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
        total = dt.timedelta(0)
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    def add(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The instant at which `amount` of working time has passed since `start` (a due time ends a working
        period, never opens the next one: 8 business hours from 09:00 are due at 17:00 the same day)."""
        zone = self.zone
        remaining = amount
        day = start.astimezone(zone).date()
        if remaining <= dt.timedelta(0):
            return start
        for _ in range(3660):  # ten years of days: a calendar without working days must not loop forever
            if self.is_working_day(day):
                opens, closes = self._window(day)
                lo = max(opens, start)
                if closes > lo:
                    if lo + remaining <= closes:
                        return lo + remaining
                    remaining -= closes - lo
            day += dt.timedelta(days=1)
        raise ValueError("no working time within ten years")


def sla_clock(events: Iterable[Event], *, now: dt.datetime, sla_hours: float, basis: str = NATURAL_HOURS,
              business: BusinessHours | None = None) -> ClockState:
    """Internal SLA: registration → closure (or withdrawal, or merge), natural or business hours, pauses included."""
    history = sorted(events, key=lambda e: e.at)
    start = _first(history, REGISTERED)
    if start is None:
        return ClockState(NOT_STARTED)
    allowed = dt.timedelta(hours=sla_hours)
    stop = _stop(history, (CLOSED, WITHDRAWN, MERGED))
    end = stop or now
    if basis == BUSINESS_HOURS:
        if business is None:
            raise ValueError("a business-hours SLA needs the business calendar")
        elapsed = business.between(start, end)
        due = business.add(start, allowed)
    else:
        elapsed = max(end - start, dt.timedelta(0))
        due = start + allowed
    state = (MET if elapsed <= allowed else BREACHED) if stop is not None else _grade(elapsed, allowed)
    return ClockState(state, start, due, stop, elapsed, allowed)


def end_of_day_n(start: dt.datetime, days: int, tz: dt.tzinfo) -> dt.datetime:
    """24:00 local time of the N-th natural day after `start` (the day of `start` itself not counted)."""
    local_day = start.astimezone(tz).date() + dt.timedelta(days=days + 1)
    return dt.datetime.combine(local_day, dt.time(0), tzinfo=tz)


def regulatory_clock(events: Iterable[Event], *, now: dt.datetime, base_days: int = REGULATORY_DAYS[0],
                     tz: dt.tzinfo | str = "Asia/Shanghai") -> ClockState:
    """Regulatory deadline: acceptance → decision (or withdrawal, or merge), natural days, pauses not counted, extensions add days."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    history = sorted(events, key=lambda e: e.at)
    start = _first(history, ACCEPTED)
    if start is None:
        return ClockState(NOT_STARTED)
    stop = _stop(history, (DECIDED, WITHDRAWN, MERGED))
    end = stop or now
    extensions = sum(1 for e in history if e.kind == EXTENDED and e.at >= start and (stop is None or e.at <= stop))
    days = _allowed_days(base_days, extensions)
    pauses = paused_intervals([e for e in history if stop is None or e.at <= stop], now=end, since=start)
    paused_for = sum((b - a for a, b in pauses), dt.timedelta(0))
    base_due = end_of_day_n(start, days, zone)
    due = base_due + paused_for
    allowed = base_due - start
    elapsed = max(end - start - paused_for, dt.timedelta(0))
    currently_paused = stop is None and bool(pauses) and pauses[-1][1] == now and _is_open_pause(history)
    if stop is not None:
        state = MET if elapsed <= allowed else BREACHED
    elif currently_paused:
        state = BREACHED if elapsed > allowed else PAUSED_STATE
    else:
        state = _grade(elapsed, allowed)
    return ClockState(state, start, due, stop, elapsed, allowed, paused_for)


def _is_open_pause(history: list[Event]) -> bool:
    last = next((e.kind for e in reversed(history) if e.kind in (PAUSED, RESUMED)), None)
    return last == PAUSED


def _allowed_days(base_days: int, extensions: int) -> int:
    if base_days == REGULATORY_DAYS[0]:
        return REGULATORY_DAYS[min(extensions, len(REGULATORY_DAYS) - 1)]
    return base_days  # a re-check (Art. 20) has no extension
