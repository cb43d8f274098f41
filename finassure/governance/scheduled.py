"""Periodic schedules of governance: the quarter's audit plan and the daily review/attestation reminders."""

import datetime as dt

from finassure.governance import tasks
from finassure.platform import scheduling

scheduling.every(dt.timedelta(days=1), name="governance.quarterly_audit_plans")(tasks.generate_quarterly_audit_plans)
scheduling.every(dt.timedelta(days=1), name="governance.reminders")(tasks.send_reminders)
