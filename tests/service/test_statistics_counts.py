"""The daily complaint counts behind the statistics page: every write path marks its day, a marked day is
counted live until the worker rebuilds it, and `statistics` always equals the live reference computation."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from finassure.accounts.roles import Role
from finassure.framework.periods import Period
from finassure.platform.errors import ApplicationError
from finassure.service import counts, selectors, services, tasks
from finassure.service.models import (
    Complaint,
    ComplaintCategory,
    ComplaintCountDirtyHour,
    ComplaintDailyCount,
    ProductLine,
)
from tests.service.factories import handled, make_complaint

pytestmark = pytest.mark.django_db
PRODUCTS = ["deposit", "loan", "credit_card", "wealth_management"]


@pytest.fixture
def officer(make_user: Any) -> Any:
    services.ensure_default_categories()
    return make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="head")


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="beijing")


def periods() -> list[tuple[dt.datetime, dt.datetime]]:
    """The current year, the last quarter, and a window that starts and ends in the middle of a day."""
    now = timezone.now()
    today = timezone.localdate()
    return [Period.containing(today, "year").bounds(), Period.containing(today, "quarter").previous().bounds(),
            (now - dt.timedelta(days=70, hours=5, minutes=17), now - dt.timedelta(hours=3))]


def assert_exact(*actors: Any) -> None:
    for actor in actors:
        for start, end in periods():
            assert selectors.statistics(actor=actor, start=start, end=end) == \
                selectors.statistics_live(actor=actor, start=start, end=end), (actor, start, end)


def marked_days() -> set[dt.date]:
    return counts.days_of_hours(ComplaintCountDirtyHour.objects.values_list("hour", flat=True))


def import_file(rows: list[tuple[str, str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "投诉"
    sheet.append(["external_id", "received_at", "org_unit", "product_line", "category", "channel", "subject", "text",
                  "complainant_name", "complainant_phone", "group_size"])
    for external_id, received, unit in rows:
        sheet.append([external_id, received, unit, "credit_card", "fees", "phone", "年费", "未告知年费",
                      "孙八", "13800002222", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- every write path marks the day of the complaint ----------------------------------------------


def _register(org: Any, officer: Any, at: dt.datetime) -> Complaint:
    return make_complaint(org.haidian, actor=officer, received_at=at)


def _recategorise(c: Complaint, officer: Any, org: Any) -> None:
    services.complaint_classify(actor=officer, complaint=c, category=ComplaintCategory.objects.get(code="fees"),
                                product_line="loan")


WRITES = {
    "close": lambda c, officer, org: handled(c, officer, start=c.received_at + dt.timedelta(hours=1),
                                             decide_after=dt.timedelta(hours=5), close_after=dt.timedelta(hours=30)),
    "withdraw": lambda c, officer, org: services.complaint_withdraw(actor=officer, complaint=c, note="撤回"),
    "recategorise": _recategorise,
    "root cause": lambda c, officer, org: services.complaint_set_root_cause(actor=officer, complaint=c,
                                                                          root_cause="sales_process"),
    "route to another unit": lambda c, officer, org: services.complaint_route(actor=officer, complaint=c,
                                                                           org_unit=org.shanghai),
    "merge": lambda c, officer, org: services.complaint_merge(
        actor=officer, duplicate=c, primary=make_complaint(org.beijing, actor=officer,
                                                           received_at=c.received_at - dt.timedelta(days=40)),
        reason="重复投诉"),
    "queryset update": lambda c, officer, org: Complaint.objects.filter(pk=c.pk).update(is_major=True, group_size=30),
    "move to another day": lambda c, officer, org: Complaint.objects.filter(pk=c.pk).update(
        received_at=c.received_at - dt.timedelta(days=9)),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_each_write_path_marks_the_day_and_the_statistics_stay_exact(org: Any, officer: Any, agent: Any,
                                                                    write: str) -> None:
    received = timezone.now() - dt.timedelta(days=20)
    complaint = _register(org, officer, received)
    make_complaint(org.beijing, actor=officer, received_at=received + dt.timedelta(hours=2))
    services.complaint_counts_refresh()
    assert not ComplaintCountDirtyHour.objects.exists()
    WRITES[write](complaint, officer, org)
    # a withdrawal changes no count (the page counts every complaint received, closed or not)
    assert (timezone.localtime(received).date() in marked_days()) == (write != "withdraw")
    assert_exact(officer, agent)
    services.complaint_counts_refresh()
    assert not ComplaintCountDirtyHour.objects.exists()
    assert_exact(officer, agent)


def test_registration_and_the_bulk_import_mark_their_days(org: Any, officer: Any) -> None:
    at = timezone.now() - dt.timedelta(days=3)
    make_complaint(org.haidian, actor=officer, received_at=at)
    assert timezone.localtime(at).date() in marked_days()
    services.complaint_counts_refresh()
    report = services.complaint_import(actor=officer, file_name="a.xlsx", content=import_file(
        [("E1", "2026-03-02 23:30", org.haidian.code), ("E2", "2026-05-01 00:10", org.beijing.code)]))
    assert report.imported == 2
    assert {dt.date(2026, 3, 2), dt.date(2026, 5, 1)} <= marked_days()
    assert_exact(officer)


def test_an_edit_that_changes_no_count_leaves_the_day_clean(org: Any, officer: Any) -> None:
    complaint = make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=5))
    services.complaint_counts_refresh()
    services.complaint_note(actor=officer, complaint=complaint, note="已联系客户")
    Complaint.objects.filter(pk=complaint.pk).update(subject="改了标题")
    assert not ComplaintCountDirtyHour.objects.exists()


# --- reading: summary for clean days, live for marked ones -----------------------------------------


def test_the_summary_is_read_for_clean_days_and_a_marked_day_is_counted_live(org: Any, officer: Any) -> None:
    old = make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=30))
    services.complaint_counts_refresh()
    start, end = Period.containing(timezone.localdate(), "year").bounds()
    # proof that the clean day comes from the summary: doctor its row, the page follows
    ComplaintDailyCount.objects.filter(day=timezone.localtime(old.received_at).date()).update(n=7)
    assert selectors.statistics(actor=officer, start=start, end=end)["total"] == 7
    # a new complaint on the same day marks it: the whole day is counted live again, exactly
    make_complaint(org.haidian, actor=officer, received_at=old.received_at + dt.timedelta(minutes=5))
    assert selectors.statistics(actor=officer, start=start, end=end)["total"] == 2
    services.complaint_counts_refresh()
    assert selectors.statistics(actor=officer, start=start, end=end)["total"] == 2
    assert ComplaintDailyCount.objects.get().n == 2


def test_the_statistics_keep_their_shape(org: Any, officer: Any) -> None:
    make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=2), group_size=25)
    services.complaint_counts_refresh()
    start, end = Period.containing(timezone.localdate(), "year").bounds()
    stats = selectors.statistics(actor=officer, start=start, end=end)
    assert (stats["total"], stats["major"], stats["closed"], stats["within_48h"]) == (1, 1, 0, 0)
    assert stats["by_product"] == [(ProductLine.WEALTH.label, 1)]
    assert stats["by_unit"] == [("海淀支行", 1)]


def test_a_request_in_another_time_zone_is_counted_live(org: Any, officer: Any) -> None:
    make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=2))
    services.complaint_counts_refresh()
    ComplaintDailyCount.objects.update(n=99)  # a wrong summary the live path must not read
    start, end = Period.containing(timezone.localdate(), "year").bounds()
    with timezone.override("UTC"):
        assert selectors.statistics(actor=officer, start=start, end=end)["total"] == 1


# --- rebuilding ------------------------------------------------------------------------------------


def test_the_worker_task_rebuilds_the_marked_days_and_clears_their_marks(org: Any, officer: Any) -> None:
    for days in (3, 4, 40):
        make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=days))
    result = tasks.complaint_counts_refresh.call()
    assert result == {"days": 3}
    assert not ComplaintCountDirtyHour.objects.exists()
    assert sum(ComplaintDailyCount.objects.values_list("n", flat=True)) == 3
    assert tasks.complaint_counts_refresh.call() == {"days": 0}


def test_the_worker_refreshes_the_counts_every_ten_minutes() -> None:
    from finassure.platform import scheduling

    names = {s.name: s.every for s in scheduling.schedules()}
    assert names["service.complaint_counts_refresh"] == dt.timedelta(minutes=10)


def test_a_write_during_a_rebuild_keeps_its_day_marked(org: Any, officer: Any, monkeypatch: Any) -> None:
    from finassure.service.services import counts as rebuild

    complaint = make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=6))
    original = rebuild._rebuild_days

    def rebuild_then_write(first: dt.date, stop: dt.date) -> int:
        written = original(first, stop)
        # a write committed after the rebuild read the day (as a concurrent request would)
        Complaint.objects.filter(pk=complaint.pk).update(product_line="loan")
        return written

    monkeypatch.setattr(rebuild, "_rebuild_days", rebuild_then_write)
    services.complaint_counts_refresh()
    assert timezone.localtime(complaint.received_at).date() in marked_days()
    assert_exact(officer)


def test_the_rebuild_command_is_idempotent_and_takes_a_range(org: Any, officer: Any) -> None:
    for days in (2, 10, 50):
        make_complaint(org.haidian, actor=officer, received_at=timezone.now() - dt.timedelta(days=days))
    call_command("service", "rebuild-counts", stdout=io.StringIO())
    rows = sorted(ComplaintDailyCount.objects.values_list("day", "org_unit_id", "product_line", "category_id",
                                                          "root_cause", "n", "major", "closed", "closed_within_48h"))
    assert len(rows) == 3 and not ComplaintCountDirtyHour.objects.exists()
    call_command("service", "rebuild-counts", stdout=io.StringIO())
    again = sorted(ComplaintDailyCount.objects.values_list("day", "org_unit_id", "product_line", "category_id",
                                                           "root_cause", "n", "major", "closed", "closed_within_48h"))
    assert again == rows
    day = rows[1][0]
    ComplaintDailyCount.objects.all().update(n=0)
    out = io.StringIO()
    call_command("service", "rebuild-counts", "--from", day.isoformat(), "--to", day.isoformat(), stdout=out)
    assert "1 rows" in out.getvalue()
    assert sorted(ComplaintDailyCount.objects.values_list("day", "n")) == [(rows[0][0], 0), (day, 1), (rows[2][0], 0)]


# --- property: random writes, interleaved rebuilds, always equal to the live count -----------------


def test_after_random_writes_the_statistics_equal_the_live_count(org: Any, officer: Any, agent: Any) -> None:
    rng = random.Random(20261203)
    categories = list(ComplaintCategory.objects.all())
    units = [org.head, org.beijing, org.haidian, org.shanghai]
    now = timezone.now()
    made: list[Complaint] = []

    def fresh(c: Complaint) -> Complaint:
        c.refresh_from_db()
        return c

    def create() -> None:
        at = now - dt.timedelta(days=rng.uniform(4, 85), minutes=rng.randrange(0, 1440))
        made.append(make_complaint(rng.choice(units), actor=officer, received_at=at, product_line=rng.choice(PRODUCTS),
                                   category=rng.choice(categories), group_size=rng.choice([1, 1, 1, 25]),
                                   kind=rng.choice(["complaint", "complaint", "complaint", "suggestion"])))

    def close() -> None:
        c = fresh(rng.choice(made))
        hours = rng.choice([10, 30, 60, 80])
        handled(c, officer, start=c.received_at + dt.timedelta(hours=1), decide_after=dt.timedelta(hours=hours / 2),
                close_after=dt.timedelta(hours=hours))

    def merge() -> None:
        duplicate, primary = fresh(rng.choice(made)), fresh(rng.choice(made))
        services.complaint_merge(actor=officer, duplicate=duplicate, primary=primary, reason="重复")

    def recategorise() -> None:
        services.complaint_classify(actor=officer, complaint=fresh(rng.choice(made)), category=rng.choice(categories),
                                    product_line=rng.choice(PRODUCTS))

    def root_cause() -> None:
        services.complaint_set_root_cause(actor=officer, complaint=fresh(rng.choice(made)),
                                          root_cause=rng.choice(Complaint.RootCause.values))

    def route() -> None:
        services.complaint_route(actor=officer, complaint=fresh(rng.choice(made)), org_unit=rng.choice(units))

    def withdraw() -> None:
        services.complaint_withdraw(actor=officer, complaint=fresh(rng.choice(made)))

    def move() -> None:
        Complaint.objects.filter(pk=rng.choice(made).pk).update(
            received_at=now - dt.timedelta(days=rng.uniform(4, 85)))

    def import_rows() -> None:
        rows = []
        for _ in range(3):
            at = timezone.localtime(now - dt.timedelta(days=rng.uniform(4, 85)))
            rows.append((f"R{rng.randrange(10**9)}", at.strftime("%Y-%m-%d %H:%M"),
                         rng.choice([org.haidian, org.shanghai]).code))
        services.complaint_import(actor=officer, file_name="r.xlsx", content=import_file(rows))

    def refresh() -> None:
        services.complaint_counts_refresh()

    for _ in range(6):
        create()
    refresh()
    steps = [create, create, close, merge, recategorise, root_cause, route, withdraw, move, import_rows, refresh]
    for _ in range(24):
        step = rng.choice(steps)
        with contextlib.suppress(ApplicationError):  # a refused write (wrong status, …) changes nothing
            step()
        assert_exact(officer, agent)
    refresh()
    assert not ComplaintCountDirtyHour.objects.exists()
    assert_exact(officer, agent)
