"""The framework's demo: the library loaded with owners, a year of history, some indicators red with open actions."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.accounts.demo import seed_organisation
from finassure.framework.demo import seed_framework, seed_history
from finassure.framework.models import CorrectiveAction, Indicator, Measure, Snapshot
from finassure.platform import context


@pytest.mark.django_db
def test_the_demo_has_a_year_of_history_and_breaches_with_open_actions(client: Any) -> None:
    ctx: dict[str, Any] = {}
    with context.acting(context.RequestContext(channel="cli")):
        seed_organisation(ctx)
        seed_framework(ctx)
        seed_history(ctx)  # re-running is checked for the whole demo in tests/test_demo.py
    assert Indicator.objects.count() == 28 and not Measure.objects.filter(owner__isnull=True).exists()
    head = ctx["units"]["head-office"]
    quarterly = Indicator.objects.get(key="customer-satisfaction")
    assert Snapshot.objects.filter(indicator=quarterly, org_unit=head).count() >= 5
    red = Snapshot.objects.filter(status="red")
    assert red.filter(indicator__key="complaints-within-48h", org_unit=ctx["units"]["shanghai"]).exists()
    open_actions = CorrectiveAction.objects.filter(status__in=CorrectiveAction.OPEN_STATUSES, indicator__isnull=False)
    assert open_actions.filter(owner=ctx["users"]["cpo"], org_unit=ctx["units"]["shanghai"]).exists()
