"""Indicator computations of risk monitoring against hand-computed values, and the no-data case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.selectors import units_under
from finassure.framework.periods import Period
from finassure.framework.registry import get
from finassure.monitoring.models import Alert, LargeValueReport, ReportStatus
from tests.monitoring.factories import make_alert, make_lv_report, make_str

pytestmark = pytest.mark.django_db
Q3 = Period.containing(dt.date(2026, 8, 1), "quarter")


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _measure(name: str, org: Any) -> Any:
    fn = get(name)
    assert fn is not None, name
    return fn(units=units_under(org.beijing), period=Q3)


def test_every_monitoring_indicator_says_no_data_without_records(org: Any) -> None:
    for name in ("monitoring.alert_backlog", "monitoring.alerts_reviewed_within_deadline_share",
                 "monitoring.lv_reports_filed_on_time_share"):
        assert _measure(name, org).value is None


def test_the_backlog_counts_alerts_open_at_the_end_of_the_period(org: Any) -> None:
    open_one = make_alert(org.haidian)
    closed_late = make_alert(org.haidian)
    closed_in = make_alert(org.haidian)
    make_alert(org.shanghai)  # another branch
    Alert.objects.filter(pk=open_one.pk).update(created_at=_at(dt.date(2026, 9, 20)))
    Alert.objects.filter(pk=closed_late.pk).update(created_at=_at(dt.date(2026, 9, 10)),
                                                   closed_at=_at(dt.date(2026, 10, 3)))
    Alert.objects.filter(pk=closed_in.pk).update(created_at=_at(dt.date(2026, 9, 1)),
                                                 closed_at=_at(dt.date(2026, 9, 5)))
    m = _measure("monitoring.alert_backlog", org)
    assert m.value == 2 and set(m.records) == {open_one, closed_late}


def test_reviews_within_deadline_are_a_share_of_reviews_in_the_period(org: Any) -> None:
    for reviewed, due in [(dt.date(2026, 7, 6), dt.date(2026, 7, 8)), (dt.date(2026, 7, 9), dt.date(2026, 7, 8)),
                          (dt.date(2026, 8, 3), dt.date(2026, 8, 3)), (dt.date(2026, 10, 2), dt.date(2026, 9, 1))]:
        make_alert(org.haidian, reviewed_at=_at(reviewed), due_date=due)
    m = _measure("monitoring.alerts_reviewed_within_deadline_share", org)
    assert (m.numerator, m.denominator) == (2, 3) and m.value == pytest.approx(200 / 3)


def test_large_value_reports_filed_on_time(org: Any) -> None:
    on_time = make_lv_report(org.haidian, day=dt.date(2026, 7, 1))
    late = make_lv_report(org.haidian, day=dt.date(2026, 7, 2))
    never = make_lv_report(org.haidian, day=dt.date(2026, 7, 3))
    LargeValueReport.objects.filter(pk=on_time.pk).update(due_date=dt.date(2026, 7, 8), status=ReportStatus.FILED,
                                                          filed_at=_at(dt.date(2026, 7, 8)))
    LargeValueReport.objects.filter(pk=late.pk).update(due_date=dt.date(2026, 7, 9), status=ReportStatus.FILED,
                                                       filed_at=_at(dt.date(2026, 7, 10)))
    LargeValueReport.objects.filter(pk=never.pk).update(due_date=dt.date(2026, 7, 10))
    m = _measure("monitoring.lv_reports_filed_on_time_share", org)
    assert (m.numerator, m.denominator) == (1, 3)


def test_suspicious_reports_filed_in_the_period_are_counted(org: Any) -> None:
    make_str(org.haidian, status=ReportStatus.FILED, filed_at=_at(dt.date(2026, 8, 1)))
    make_str(org.haidian, status=ReportStatus.FILED, filed_at=_at(dt.date(2026, 10, 1)))
    make_str(org.haidian)
    assert _measure("monitoring.suspicious_reports_filed", org).value == 1
