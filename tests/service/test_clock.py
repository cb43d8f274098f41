"""The two complaint clocks, computed from the event history: boundaries, pauses, extensions, year ends."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from finassure.service import clock
from finassure.service.clock import Event

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=TZ)


def reg(events: list[Event], now: dt.datetime, base_days: int = 15) -> clock.ClockState:
    return clock.regulatory_clock(events, now=now, base_days=base_days, tz=TZ)


# --- internal SLA -------------------------------------------------------------------------------


def test_a_complaint_closed_at_exactly_48_hours_meets_the_sla() -> None:
    start = at("2026-03-02")
    events = [Event("registered", start), Event("closed", start + dt.timedelta(hours=48))]
    state = clock.sla_clock(events, now=start + dt.timedelta(days=9), sla_hours=48)
    assert state.state == clock.MET and state.due_at == start + dt.timedelta(hours=48)


def test_a_complaint_closed_one_second_after_48_hours_breaches_the_sla() -> None:
    start = at("2026-03-02")
    events = [Event("registered", start), Event("closed", start + dt.timedelta(hours=48, seconds=1))]
    assert clock.sla_clock(events, now=start + dt.timedelta(days=9), sla_hours=48).state == clock.BREACHED


def test_the_sla_warns_at_half_and_three_quarters_of_the_allowance() -> None:
    start = at("2026-03-02")
    events = [Event("registered", start)]
    grade = {h: clock.sla_clock(events, now=start + dt.timedelta(hours=h), sla_hours=48).state
             for h in (23.9, 24, 35.9, 36, 48, 48.01)}
    assert grade == {23.9: clock.RUNNING, 24: clock.WARNING, 35.9: clock.WARNING, 36: clock.CRITICAL,
                     48: clock.CRITICAL, 48.01: clock.BREACHED}


def test_an_unregistered_history_has_no_clock() -> None:
    assert clock.sla_clock([], now=at("2026-03-02"), sla_hours=48).state == clock.NOT_STARTED
    assert reg([Event("registered", at("2026-03-02"))], at("2026-03-03")).state == clock.NOT_STARTED


# --- regulatory deadline ------------------------------------------------------------------------


def test_the_15_days_start_the_day_after_acceptance_and_end_at_midnight() -> None:
    accepted = at("2026-03-02", "23:59")
    state = reg([Event("accepted", accepted)], accepted)
    assert state.due_at == dt.datetime(2026, 3, 18, 0, 0, tzinfo=TZ)  # 24:00 on 17 March, day 15


def test_a_decision_at_the_last_moment_of_day_15_is_in_time_and_after_it_is_late() -> None:
    accepted = at("2026-03-02")
    due = dt.datetime(2026, 3, 18, tzinfo=TZ)
    in_time = reg([Event("accepted", accepted), Event("decided", due)], due + dt.timedelta(days=3))
    late = reg([Event("accepted", accepted), Event("decided", due + dt.timedelta(seconds=1))], due + dt.timedelta(days=3))
    assert in_time.state == clock.MET and late.state == clock.BREACHED


def test_acceptance_in_late_december_runs_into_the_next_year() -> None:
    state = reg([Event("accepted", at("2026-12-24", "16:00"))], at("2026-12-25"))
    assert state.due_at == dt.datetime(2027, 1, 9, tzinfo=TZ)


def test_natural_days_ignore_public_holidays() -> None:
    # Accepted on 30 September: the National Day week counts like any other days (Art. 43).
    state = reg([Event("accepted", at("2026-09-30"))], at("2026-10-01"))
    assert state.due_at == dt.datetime(2026, 10, 16, tzinfo=TZ)


def test_a_pause_for_appraisal_pushes_the_deadline_back_by_its_length() -> None:
    accepted = at("2026-03-02")
    events = [Event("accepted", accepted), Event("paused", at("2026-03-05", "09:00")),
              Event("resumed", at("2026-03-08", "15:30"))]
    state = reg(events, at("2026-03-10"))
    assert state.paused_for == dt.timedelta(days=3, hours=6, minutes=30)
    assert state.due_at == dt.datetime(2026, 3, 18, tzinfo=TZ) + dt.timedelta(days=3, hours=6, minutes=30)


def test_an_open_pause_keeps_moving_the_deadline_and_shows_paused() -> None:
    events = [Event("accepted", at("2026-03-02")), Event("paused", at("2026-03-05"))]
    state = reg(events, at("2026-03-25"))
    assert state.state == clock.PAUSED_STATE
    assert state.due_at == dt.datetime(2026, 3, 18, tzinfo=TZ) + (at("2026-03-25") - at("2026-03-05"))


def test_extensions_give_30_then_60_days() -> None:
    accepted = at("2026-03-02")
    once = [Event("accepted", accepted), Event("extended", at("2026-03-10"))]
    twice = [*once, Event("extended", at("2026-03-20"))]
    assert reg(once, at("2026-03-21")).due_at == dt.datetime(2026, 4, 2, tzinfo=TZ)
    assert reg(twice, at("2026-03-21")).due_at == dt.datetime(2026, 5, 2, tzinfo=TZ)


def test_a_recheck_has_30_days_and_no_extension() -> None:
    events = [Event("accepted", at("2026-03-02")), Event("extended", at("2026-03-03"))]
    assert reg(events, at("2026-03-04"), base_days=30).due_at == dt.datetime(2026, 4, 2, tzinfo=TZ)


def test_events_after_the_decision_do_not_move_the_deadline() -> None:
    events = [Event("accepted", at("2026-03-02")), Event("decided", at("2026-03-04")),
              Event("paused", at("2026-03-05")), Event("extended", at("2026-03-06"))]
    state = reg(events, at("2026-04-30"))
    assert state.state == clock.MET and state.due_at == dt.datetime(2026, 3, 18, tzinfo=TZ)


def test_an_overrun_while_paused_still_shows_breached() -> None:
    events = [Event("accepted", at("2026-03-02")), Event("paused", at("2026-03-19"))]
    assert reg(events, at("2026-03-25")).state == clock.BREACHED


# --- properties ---------------------------------------------------------------------------------

moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2028, 12, 31),
                       timezones=st.just(TZ))
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40))


@given(start=moments, days=st.sampled_from([15, 30]))
def test_the_deadline_is_local_midnight_between_n_and_n_plus_one_days_after_acceptance(start: dt.datetime,
                                                                                        days: int) -> None:
    due = reg([Event("accepted", start)], start, base_days=days).due_at
    assert due is not None
    local = due.astimezone(TZ)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert dt.timedelta(days=days) < due - start <= dt.timedelta(days=days + 1)


@given(start=moments, gaps=st.lists(st.tuples(durations, durations), max_size=4), tail=durations)
def test_paused_time_is_never_counted(start: dt.datetime, gaps: list[tuple[dt.timedelta, dt.timedelta]],
                                      tail: dt.timedelta) -> None:
    events, moment, paused = [Event("accepted", start)], start, dt.timedelta(0)
    for run, pause in gaps:
        moment += run
        events.append(Event("paused", moment))
        moment += pause
        events.append(Event("resumed", moment))
        paused += pause
    now = moment + tail
    state = reg(events, now)
    unpaused = reg([Event("accepted", start)], now)
    assert state.paused_for == paused
    assert state.elapsed == now - start - paused
    assert state.due_at == unpaused.due_at + paused  # type: ignore[operator]


@given(start=moments, offset=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=70)),
       extensions=st.integers(min_value=0, max_value=3))
def test_met_exactly_when_the_decision_is_not_after_the_deadline(start: dt.datetime, offset: dt.timedelta,
                                                                 extensions: int) -> None:
    events = [Event("accepted", start)]
    events += [Event("extended", start) for _ in range(extensions)]
    events.append(Event("decided", start + offset))
    state = reg(events, start + dt.timedelta(days=100))
    assert state.due_at is not None
    assert (state.state == clock.MET) == (start + offset <= state.due_at)
    days = clock.REGULATORY_DAYS[min(extensions, 2)]
    assert dt.timedelta(days=days) < state.due_at - start <= dt.timedelta(days=days + 1)


@given(start=moments, hours=st.integers(min_value=1, max_value=24 * 30), spent=durations)
def test_the_sla_is_breached_exactly_when_more_than_the_allowance_has_passed(start: dt.datetime, hours: int,
                                                                             spent: dt.timedelta) -> None:
    state = clock.sla_clock([Event("registered", start)], now=start + spent, sla_hours=hours)
    assert (state.state == clock.BREACHED) == (spent > dt.timedelta(hours=hours))
    assert state.elapsed == spent


# --- merge of a repeat complaint ------------------------------------------------------------------


def test_a_merge_stops_both_clocks_and_a_paused_regulatory_clock_counts_only_until_the_merge() -> None:
    start = at("2026-03-02")
    events = [Event("registered", start), Event("accepted", start + dt.timedelta(hours=2)),
              Event("paused", start + dt.timedelta(hours=4)), Event("merged", start + dt.timedelta(hours=50))]
    later = start + dt.timedelta(days=90)
    sla = clock.sla_clock(events, now=later, sla_hours=48)
    assert (sla.state, sla.elapsed) == (clock.BREACHED, dt.timedelta(hours=50))  # merged after 50 h > 48 h
    regulatory = reg(events, later)
    # 2 h running before the pause, 46 h paused until the merge, nothing after
    assert (regulatory.state, regulatory.elapsed, regulatory.paused_for) == (
        clock.MET, dt.timedelta(hours=2), dt.timedelta(hours=46))
