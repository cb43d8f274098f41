"""Periodic schedules of information security: a daily backup of the platform (with retention pruning) and a
daily restore test of the newest backup into a scratch database."""

import datetime as dt

from finassure.platform import scheduling
from finassure.security import tasks

scheduling.every(dt.timedelta(days=1), name="security.backup")(tasks.backup_platform)
scheduling.every(dt.timedelta(days=1), name="security.restore_test")(tasks.restore_test)
