"""Background tasks of the platform. Tasks take ids and call services; they hold no logic of their own."""

from __future__ import annotations

from django_tasks import task

from finassure.platform import audit, context


@task()
def verify_audit_chain() -> dict[str, object]:
    """Daily check of the audit hash chain; the result is itself recorded in the trail."""
    with context.acting(context.RequestContext(channel="worker")):
        result = audit.verify()
        audit.record(action="audit.verify", actor_repr="system", outcome="success" if result.ok else "failure",
                     detail={"checked": result.checked, "broken_id": result.broken_id, "reason": result.reason})
    return {"ok": result.ok, "checked": result.checked, "broken_id": result.broken_id}
