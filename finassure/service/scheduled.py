"""Periodic schedules of customer service: the daily sweep of unreferenced attachment files, and the rebuild
of the daily complaint counts changed since its last run (until then the statistics count those days live)."""

import datetime as dt

from finassure.platform import scheduling
from finassure.service import tasks

scheduling.every(dt.timedelta(days=1), name="service.attachments_sweep")(tasks.attachments_sweep)
scheduling.every(dt.timedelta(minutes=10), name="service.complaint_counts_refresh")(tasks.complaint_counts_refresh)
