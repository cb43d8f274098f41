"""Periodic schedules of the platform."""

import datetime as dt

from finassure.platform import scheduling, tasks

scheduling.every(dt.timedelta(days=1), name="platform.verify_audit_chain")(tasks.verify_audit_chain)
