"""Periodic schedules of risk monitoring: the daily engine run."""

import datetime as dt

from finassure.monitoring import tasks
from finassure.platform import scheduling

scheduling.every(dt.timedelta(days=1), name="monitoring.daily_run")(tasks.daily_run)
