"""The internal SLA in business hours: working hours of working days on the business calendar (holidays, 调休)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finassure.accounts.roles import Role
from finassure.platform import calendar
from finassure.platform.models import CalendarDay, CalendarYear
from finassure.service import clock, services
from finassure.service.clock import BusinessHours, Event
from finassure.service.models import ComplaintCategory
from tests.service.factories import make_complaint

TZ = ZoneInfo("Asia/Shanghai")
# A National Day week as the State Council schedules it: Thu 1 – Wed 7 October off, Saturday 10 October worked.
HOLIDAYS = {dt.date(2026, 10, d) for d in range(1, 8)}
MAKE_UP = {dt.date(2026, 10, 10)}


def working(day: dt.date) -> bool:
    if day in HOLIDAYS:
        return False
    if day in MAKE_UP:
        return True
    return day.weekday() < 5


HOURS = BusinessHours(is_working_day=working, opens=dt.time(9), closes=dt.time(17), tz=TZ)


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=TZ)


def sla(events: list[Event], now: dt.datetime, hours: float) -> clock.ClockState:
    return clock.sla_clock(events, now=now, sla_hours=hours, basis=clock.BUSINESS_HOURS, business=HOURS)


def test_the_holiday_week_counts_nothing() -> None:
    # Wed 30 Sep 15:00: 2 h that day, then nothing until Thu 8 Oct, 6 h more → 15:00.
    assert HOURS.add(at("2026-09-30", "15:00"), dt.timedelta(hours=8)) == at("2026-10-08", "15:00")
    assert HOURS.between(at("2026-09-30", "15:00"), at("2026-10-08", "09:00")) == dt.timedelta(hours=2)


def test_the_make_up_saturday_counts_like_a_weekday() -> None:
    # Fri 9 Oct 13:00: 4 h on Friday, 4 h on the make-up Saturday → Sat 13:00 (not Monday).
    assert HOURS.add(at("2026-10-09", "13:00"), dt.timedelta(hours=8)) == at("2026-10-10", "13:00")
    # an ordinary Saturday a week later does not count: Fri 16 Oct 13:00 + 8 h → Mon 19 Oct 13:00
    assert HOURS.add(at("2026-10-16", "13:00"), dt.timedelta(hours=8)) == at("2026-10-19", "13:00")


def test_48_business_hours_span_six_working_days_across_the_holiday() -> None:
    # Mon 28, Tue 29, Wed 30 Sep, Thu 8, Fri 9 and the make-up Sat 10 Oct: due at 17:00 on the Saturday.
    start = at("2026-09-28", "09:00")
    state = sla([Event("registered", start)], now=start, hours=48)
    assert state.due_at == at("2026-10-10", "17:00")


def test_time_outside_working_hours_starts_at_the_next_opening() -> None:
    assert HOURS.add(at("2026-10-12", "07:30"), dt.timedelta(hours=1)) == at("2026-10-12", "10:00")
    assert HOURS.add(at("2026-10-12", "20:00"), dt.timedelta(hours=1)) == at("2026-10-13", "10:00")
    assert HOURS.add(at("2026-09-30", "17:00"), dt.timedelta(hours=1)) == at("2026-10-08", "10:00")


def test_closing_exactly_at_the_due_time_meets_and_one_second_later_breaches() -> None:
    start = at("2026-09-30", "15:00")
    due = at("2026-10-08", "15:00")
    met = sla([Event("registered", start), Event("closed", due)], now=due, hours=8)
    late = sla([Event("registered", start), Event("closed", due + dt.timedelta(seconds=1))], now=due, hours=8)
    assert (met.state, met.elapsed) == (clock.MET, dt.timedelta(hours=8))
    assert late.state == clock.BREACHED


def test_warnings_follow_business_time_not_natural_time() -> None:
    start = at("2026-09-30", "15:00")
    events = [Event("registered", start)]
    # five natural days later, but only 2 business hours (25 %) have passed: still running
    assert sla(events, now=at("2026-10-05", "15:00"), hours=8).state == clock.RUNNING
    assert sla(events, now=at("2026-10-08", "11:00"), hours=8).state == clock.WARNING  # 4 h = 50 %
    assert sla(events, now=at("2026-10-08", "13:00"), hours=8).state == clock.CRITICAL  # 6 h = 75 %
    assert sla(events, now=at("2026-10-08", "15:01"), hours=8).state == clock.BREACHED


def test_pauses_still_count_toward_the_internal_sla_in_business_hours() -> None:
    start = at("2026-10-12", "09:00")
    events = [Event("registered", start), Event("accepted", start), Event("paused", at("2026-10-12", "10:00")),
              Event("resumed", at("2026-10-12", "16:00"))]
    assert sla(events, now=at("2026-10-12", "17:00"), hours=16).elapsed == dt.timedelta(hours=8)


@settings(max_examples=200, deadline=None)
@given(start=st.datetimes(min_value=dt.datetime(2026, 9, 20), max_value=dt.datetime(2026, 10, 25)),
       minutes=st.integers(min_value=1, max_value=100 * 60))
def test_adding_then_measuring_business_time_gives_it_back(start: dt.datetime, minutes: int) -> None:
    begin = start.replace(tzinfo=TZ)
    amount = dt.timedelta(minutes=minutes)
    due = HOURS.add(begin, amount)
    assert HOURS.between(begin, due) == amount
    local = due.astimezone(TZ)
    assert working(local.date()) and dt.time(9) < local.time() <= dt.time(17) or local.time() == dt.time(17)
    assert HOURS.add(begin, amount + dt.timedelta(minutes=1)) > due


@settings(max_examples=100, deadline=None)
@given(start=st.datetimes(min_value=dt.datetime(2026, 9, 25), max_value=dt.datetime(2026, 10, 15)),
       a=st.integers(min_value=0, max_value=20 * 24 * 60), b=st.integers(min_value=0, max_value=20 * 24 * 60))
def test_business_time_is_additive_and_never_more_than_natural_time(start: dt.datetime, a: int, b: int) -> None:
    t0 = start.replace(tzinfo=TZ)
    t1, t2 = t0 + dt.timedelta(minutes=a), t0 + dt.timedelta(minutes=a + b)
    assert HOURS.between(t0, t2) == HOURS.between(t0, t1) + HOURS.between(t1, t2)
    assert HOURS.between(t0, t2) <= t2 - t0


def test_a_holiday_on_no_working_day_is_rejected_not_looped_forever() -> None:
    never = BusinessHours(is_working_day=lambda day: False)
    with pytest.raises(ValueError, match="no working time"):
        never.add(at("2026-10-12"), dt.timedelta(hours=1))


# --- with the platform calendar and a category policy ------------------------------------------


@pytest.fixture
def national_day(db: Any) -> None:
    CalendarDay.objects.filter(day__year=2026).delete()  # whatever the shipped schedule says, use this one
    CalendarDay.objects.bulk_create([CalendarDay(day=d, is_working=False, name="国庆节") for d in HOLIDAYS]
                                    + [CalendarDay(day=d, is_working=True, name="国庆节") for d in MAKE_UP])
    CalendarYear.objects.update_or_create(year=2026, defaults={"source": CalendarYear.Source.ADMIN})
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def test_a_business_hours_category_gives_its_complaints_a_calendar_due_time(org: Any, make_user: Any,
                                                                          national_day: None) -> None:
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="head")
    services.ensure_default_categories()
    fees = ComplaintCategory.objects.get(code="fees")
    services.category_save(actor=officer, category=fees, code="fees", name=fees.name, sla_hours=8,
                           sla_basis="business")
    complaint = make_complaint(org.haidian, category=ComplaintCategory.objects.get(code="fees"),
                               received_at=at("2026-09-30", "15:00"))
    complaint.refresh_from_db()
    assert (complaint.sla_hours, complaint.sla_basis) == (8, "business")
    assert complaint.sla_due_at == at("2026-10-08", "15:00")
    registered = complaint.events.get(kind="registered")
    assert registered.data["sla_basis"] == "business" and registered.data["sla_hours"] == 8


def test_changing_the_category_later_does_not_rewrite_an_existing_complaint(org: Any, make_user: Any,
                                                                           national_day: None) -> None:
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="head")
    services.ensure_default_categories()
    fees = ComplaintCategory.objects.get(code="fees")
    complaint = make_complaint(org.haidian, category=fees, received_at=at("2026-09-30", "15:00"))
    services.category_save(actor=officer, category=fees, code="fees", name=fees.name, sla_hours=8,
                           sla_basis="business")
    complaint.refresh_from_db()
    assert complaint.sla_basis == "natural"
    assert complaint.sla.due_at == at("2026-09-30", "15:00") + dt.timedelta(hours=48)


def test_an_unknown_basis_is_refused(org: Any, make_user: Any) -> None:
    from finassure.platform.errors import ValidationFailed

    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="head")
    with pytest.raises(ValidationFailed):
        services.category_save(actor=officer, code="x", name="X", sla_basis="lunar")
