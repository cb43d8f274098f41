"""Background tasks of the framework. Tasks take ids and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from finassure.platform import context


@task()
def run_snapshots() -> dict[str, object]:
    """Compute every indicator's snapshot for every org unit and the current periods."""
    from finassure.framework import services

    with context.acting(context.RequestContext(channel="worker")):
        report = services.snapshots_run(actor=None)
    return {"computed": report.computed, "by_status": report.by_status, "actions_opened": report.actions_opened}


@task()
def send_reminders() -> dict[str, int]:
    """Due-soon and overdue reminders for corrective actions; overdue tasks escalate to the owner's manager."""
    from finassure.framework import services

    with context.acting(context.RequestContext(channel="worker")):
        return services.reminders_send(actor=None)


@task()
def run_snapshots_for(unit_id: int, actor_id: int) -> dict[str, object]:
    """An on-demand run for one org unit's subtree, asked for from the dashboard."""
    from finassure.accounts.models import OrgUnit, User
    from finassure.accounts.selectors import units_under
    from finassure.framework import services

    actor = User.objects.get(pk=actor_id)
    unit = OrgUnit.objects.get(pk=unit_id)
    with context.acting(context.RequestContext(channel="worker")):
        report = services.snapshots_run(actor=actor, units=list(units_under(unit).filter(is_active=True)))
    return {"computed": report.computed, "actions_opened": report.actions_opened}
