"""Periodic schedules of governance: the quarter's audit plan, the daily review/attestation reminders, and the
KRI values fed from framework indicators (daily: the framework's snapshots run hourly, and a KRI takes a period's
value once the period has ended, so a daily pass after them is enough and is idempotent)."""

import datetime as dt

from finassure.governance import tasks
from finassure.platform import scheduling

scheduling.every(dt.timedelta(days=1), name="governance.quarterly_audit_plans")(tasks.generate_quarterly_audit_plans)
scheduling.every(dt.timedelta(days=1), name="governance.reminders")(tasks.send_reminders)
scheduling.every(dt.timedelta(days=1), name="governance.kri_values_from_indicators")(
    tasks.kri_values_from_indicators)
