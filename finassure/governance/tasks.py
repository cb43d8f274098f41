"""Background tasks of governance: they call services and hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from finassure.governance import services
from finassure.platform import context


@task()
def generate_quarterly_audit_plans() -> int:
    with context.acting(context.RequestContext(channel="worker")):
        return len(services.audit_plans_generate())


@task()
def send_reminders() -> dict[str, int]:
    with context.acting(context.RequestContext(channel="worker")):
        return services.reminders_send()


@task()
def kri_values_from_indicators() -> int:
    with context.acting(context.RequestContext(channel="worker")):
        return services.kri_values_from_indicators()
