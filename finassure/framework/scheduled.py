"""Periodic schedules of the framework: snapshots every hour, reminders and escalations every day."""

import datetime as dt

from finassure.framework import tasks
from finassure.platform import scheduling

scheduling.every(dt.timedelta(hours=1), name="framework.run_snapshots")(tasks.run_snapshots)
scheduling.every(dt.timedelta(days=1), name="framework.send_reminders")(tasks.send_reminders)
