"""Background tasks of risk monitoring: they take ids and call services."""

from __future__ import annotations

from django_tasks import task

from finassure.platform import context


@task()
def execute_run(run_id: int) -> dict[str, object]:
    """Run the engine for a requested run and import its alerts."""
    from finassure.monitoring import services

    with context.acting(context.RequestContext(channel="worker")):
        run = services.run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "error": run.error}


@task()
def daily_run() -> dict[str, object]:
    """The scheduled daily run of the head office over the transaction store."""
    from finassure.monitoring import services

    with context.acting(context.RequestContext(channel="worker")):
        run = services.run_scheduled()
    return {"run": run.pk if run else None}
