"""Background tasks of incidents: take ids, call services."""

from __future__ import annotations

from django_tasks import task

from finassure.incidents import services
from finassure.platform import context


@task()
def check_incident_timers() -> dict[str, object]:
    """Warn before and escalate at each missed acknowledgement or regulatory-report deadline."""
    with context.acting(context.RequestContext(channel="worker")):
        raised = services.timers_check()
    return {"raised": [list(r) for r in raised]}
