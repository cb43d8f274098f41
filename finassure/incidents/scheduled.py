"""Periodic schedules of incidents: the timer check runs every minute (deadlines are as short as 30 min)."""

import datetime as dt

from finassure.incidents import tasks
from finassure.platform import scheduling

scheduling.every(dt.timedelta(minutes=1), name="incidents.check_timers")(tasks.check_incident_timers)
