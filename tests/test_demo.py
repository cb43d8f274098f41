"""`finassure demo` seeds 示例银行 through every app's demo step, and re-running it changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from finassure.platform import context, demo


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.app_label not in {"sessions", "django_tasks_db"}}


# Not a transactional test: those end with a flush that also empties what data migrations loaded
# (regulation library, business calendar, incident types), which the demo builds on.
@pytest.mark.django_db
def test_the_demo_seeds_every_role_and_is_safe_to_rerun() -> None:
    with context.acting(context.RequestContext(channel="cli")):
        first: dict[str, Any] = demo.run_all()
        counts = _row_counts()
        demo.run_all()
    from finassure.accounts.roles import Role
    from finassure.accounts.selectors import roles_of

    held = set().union(*(roles_of(u) for u in first["users"].values()))
    assert held == set(Role.values)
    second = _row_counts()
    changed = {k: (counts[k], second[k]) for k in counts
               if counts[k] != second[k] and k not in {"platform.AuditEvent", "platform.ScheduleState"}}
    assert changed == {}
