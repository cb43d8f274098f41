"""Background tasks of information security: take ids, call services."""

from __future__ import annotations

from django_tasks import task

from finassure.platform import context
from finassure.security import backups


@task()
def backup_platform() -> dict[str, object]:
    """The scheduled backup of the platform's database, then retention pruning (both recorded)."""
    with context.acting(context.RequestContext(channel="worker")):
        run = backups.backup_create()
        pruned = backups.backup_prune()
    return {
        "backup": run.pk,
        "status": run.status,
        "seconds": run.duration_seconds,
        "pruned": [p.pk for p in pruned],
    }


@task()
def restore_test() -> dict[str, object]:
    """The scheduled restore test of the newest backup into a scratch database (recorded, pass or fail)."""
    with context.acting(context.RequestContext(channel="worker")):
        test = backups.restore_test_run()
    if test is None:
        return {"restore_test": None, "reason": "no backup to test yet"}
    return {"restore_test": test.pk, "ok": test.ok, "seconds": test.duration_seconds, "reason": test.reason}
