"""Background tasks of customer service: they take ids and call services."""

from __future__ import annotations

from django_tasks import task

from finassure.platform import context


@task()
def complaint_import_run(job_id: int) -> dict[str, object]:
    """Run a queued complaint import (bulk path, progress committed after every batch)."""
    from finassure.service import services

    with context.acting(context.RequestContext(channel="worker")):
        job = services.complaint_import_run(job_id=job_id)
    return {"import": job.pk, "status": job.status, "imported": job.imported, "rejected": job.rejected}


@task()
def attachments_sweep() -> dict[str, object]:
    """Remove attachment and import files no record references (left by rolled-back transactions)."""
    from finassure.service import services

    with context.acting(context.RequestContext(channel="worker")):
        removed = services.attachments_sweep_orphans()
    return {"removed": removed}


@task()
def complaint_counts_refresh() -> dict[str, object]:
    """Rebuild the daily complaint counts of the days changed since the last run (statistics page)."""
    from finassure.service import services

    with context.acting(context.RequestContext(channel="worker")):
        days = services.complaint_counts_refresh()
    return {"days": days}
