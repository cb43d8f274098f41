"""The business calendar: official holidays and 调休 make-up days, loadable years, weekend-only fallback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from finassure.accounts.roles import Role
from finassure.platform import calendar
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = """# 2027 (test schedule)
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,workday,春节
"""


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    calendar.clear_cache()
    with translation.override("en"):  # messages are asserted in English; zh-hans is the default language
        yield
    calendar.clear_cache()


def test_national_day_2026_is_a_holiday_and_its_make_up_saturday_a_working_day() -> None:
    assert not calendar.is_working_day(dt.date(2026, 10, 1))
    assert calendar.is_working_day(dt.date(2026, 10, 10))  # Saturday 调休
    assert calendar.is_working_day(dt.date(2026, 9, 30))


def test_five_working_days_skip_the_golden_week() -> None:
    # Tuesday 29 September 2026 + 5 working days: 30 Sep, then 8, 9, 10 (Saturday make-up), 12 October.
    assert calendar.add_working_days(dt.date(2026, 9, 29), 5) == dt.date(2026, 10, 12)


def test_a_year_without_a_schedule_falls_back_to_weekdays_and_warns() -> None:
    assert not calendar.has_official_schedule(2027)
    assert calendar.is_working_day(dt.date(2027, 1, 1))  # a Friday: no schedule, so counted as working
    assert not calendar.is_working_day(dt.date(2027, 1, 2))
    assert any("2027" in w for w in calendar.warnings(dt.date(2026, 11, 27)))
    # A deadline accepted in late December 2026 runs into 2027 without crashing.
    assert calendar.add_working_days(dt.date(2026, 12, 28), 5) == dt.date(2027, 1, 4)


def test_an_administrator_loads_a_new_year(make_user: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    assert calendar.calendar_load_year(actor=admin, year=2027, text=SCHEDULE_2027) == (9, 1)
    assert not calendar.is_working_day(dt.date(2027, 1, 1))
    assert calendar.is_working_day(dt.date(2027, 2, 14))  # a Sunday made a working day
    assert calendar.has_official_schedule(2027)
    assert not any("2027" in w for w in calendar.warnings(dt.date(2026, 11, 27)))
    assert AuditEvent.objects.filter(action="calendar.load_year", actor=admin, object_id="2027").exists()


def test_a_bad_schedule_is_refused_whole_with_line_numbers(make_user: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    with pytest.raises(ValidationFailed) as info:
        calendar.calendar_load_year(actor=admin, year=2027, text="2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n"
                                                                    "2027-02-01,vacation,y\n")
    assert info.value.fields["schedule"] == [
        "line 2: 2027-13-01 is not a date (YYYY-MM-DD)", "line 3: kind must be holiday or workday, not vacation"]
    assert not calendar.has_official_schedule(2027)


def test_a_day_of_another_year_is_refused(make_user: Any) -> None:
    with pytest.raises(ValidationFailed):
        calendar.calendar_load_year(actor=make_user(Role.SYSTEM_ADMIN, unit="head"), year=2027,
                                    text="2028-01-01,holiday,元旦\n")


def test_only_system_administrators_load_schedules(make_user: Any) -> None:
    from finassure.platform.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        calendar.calendar_load_year(actor=make_user(Role.EMPLOYEE), year=2027, text=SCHEDULE_2027)


def test_the_command_loads_a_file_and_reports_status(tmp_path: Path, capsys: Any) -> None:
    schedule = tmp_path / "2027.csv"
    schedule.write_text(SCHEDULE_2027, encoding="utf-8")
    call_command("calendar", "load", "2027", str(schedule))
    assert "9 holidays and 1 make-up working days" in capsys.readouterr().out
    with pytest.raises(CommandError, match="cannot|No such"):
        call_command("calendar", "load", "2028", str(tmp_path / "missing.csv"))


def test_the_command_reads_a_gbk_schedule_and_refuses_other_bytes_with_a_message(tmp_path: Path, capsys: Any) -> None:
    # Excel on a Chinese Windows saves CSV as GBK: read it as the importers do; anything else is a message, not a
    # traceback (it was a UnicodeDecodeError)
    schedule = tmp_path / "2027-gbk.csv"
    schedule.write_bytes(SCHEDULE_2027.encode("gb18030"))
    call_command("calendar", "load", "2027", str(schedule))
    assert "9 holidays and 1 make-up working days" in capsys.readouterr().out
    noise = tmp_path / "noise.csv"
    noise.write_bytes(b"\xff\xfe\x00" + bytes(range(128, 256)))
    with pytest.raises(CommandError, match="is not UTF-8 or GB18030 text"):
        call_command("calendar", "load", "2028", str(noise))
    with pytest.raises(CommandError) as refused:
        call_command("calendar", "load", "1999", str(schedule))
    assert str(refused.value) == "The year must be between 2000 and 2100."


def test_the_page_shows_the_warning_to_every_signed_in_user(client: Any, make_user: Any, login_client: Any) -> None:
    html = login_client(make_user(Role.EMPLOYEE)).get("/").content.decode()
    assert "calendar-warning" in html


@settings(max_examples=60, deadline=None)
@given(start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 1)), days=st.integers(0, 40))
def test_adding_working_days_lands_on_a_working_day_after_exactly_that_many(start: dt.date, days: int) -> None:
    end = calendar.add_working_days(start, days)
    assert calendar.working_days_between(start, end) == days
    if days:
        assert calendar.is_working_day(end) and end > start
