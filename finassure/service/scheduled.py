"""Periodic schedules of customer service: the daily sweep of unreferenced attachment files."""

import datetime as dt

from finassure.platform import scheduling
from finassure.service import tasks

scheduling.every(dt.timedelta(days=1), name="service.attachments_sweep")(tasks.attachments_sweep)
