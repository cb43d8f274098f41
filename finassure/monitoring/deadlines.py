"""Deadlines of risk monitoring in working days on the Chinese business calendar (finassure.platform.calendar).

Alert review: configurable (FINASSURE_ALERT_REVIEW_WORKING_DAYS, default 5). Large-value reports: within
5 working days of the transaction (PBOC Order 2016 No. 3); suspicious reports: the same internal target.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from finassure.platform.calendar import add_working_days

REPORT_WORKING_DAYS = 5

__all__ = ["REPORT_WORKING_DAYS", "add_working_days", "report_due", "review_due", "review_working_days"]


def review_working_days() -> int:
    return int(getattr(settings, "FINASSURE_ALERT_REVIEW_WORKING_DAYS", 5))


def review_due(created: dt.date) -> dt.date:
    return add_working_days(created, review_working_days())


def report_due(transaction_day: dt.date) -> dt.date:
    return add_working_days(transaction_day, REPORT_WORKING_DAYS)
