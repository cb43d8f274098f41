"""Deadlines of risk monitoring in working days: alert review (configurable) and AML report filing (5 days)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

REPORT_WORKING_DAYS = 5  # PBOC Order 2016 No. 3: large-value reports within 5 working days


def review_working_days() -> int:
    return int(getattr(settings, "FINASSURE_ALERT_REVIEW_WORKING_DAYS", 5))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Monday–Friday until the platform's business calendar lands (then it delegates to it)."""
    day = start
    added = 0
    while added < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def review_due(created: dt.date) -> dt.date:
    return add_working_days(created, review_working_days())


def report_due(transaction_day: dt.date) -> dt.date:
    return add_working_days(transaction_day, REPORT_WORKING_DAYS)
