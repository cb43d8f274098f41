"""Periodic schedules of training: reminders, overdue escalation and abandoned-exam clean-up, hourly."""

import datetime as dt

from finassure.platform import scheduling
from finassure.training import tasks

scheduling.every(dt.timedelta(hours=1), name="training.remind_and_escalate")(tasks.remind_and_escalate)
