"""The framework's demo: the library loaded with owners, a year of history, some indicators red with open actions."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.accounts.demo import seed_organisation
from finassure.framework import selectors
from finassure.framework.demo import seed_framework, seed_history, seed_reviews
from finassure.framework.models import (
    AssessmentFinding,
    CorrectiveAction,
    ExternalAssessment,
    Indicator,
    LossEvent,
    Measure,
    MeetingDecision,
    RaciEntry,
    Snapshot,
)
from finassure.platform import context


@pytest.mark.django_db
def test_the_demo_has_a_year_of_history_and_breaches_with_open_actions(client: Any) -> None:
    ctx: dict[str, Any] = {}
    with context.acting(context.RequestContext(channel="cli")):
        seed_organisation(ctx)
        seed_framework(ctx)
        seed_reviews(ctx)
        seed_history(ctx)  # re-running is checked for the whole demo in tests/test_demo.py
    assert Indicator.objects.count() == 28 and not Measure.objects.filter(owner__isnull=True).exists()
    head = ctx["units"]["head-office"]
    quarterly = Indicator.objects.get(key="customer-satisfaction")
    assert Snapshot.objects.filter(indicator=quarterly, org_unit=head).count() >= 5
    red = Snapshot.objects.filter(status="red")
    assert red.filter(indicator__key="complaints-within-48h", org_unit=ctx["units"]["shanghai"]).exists()
    open_actions = CorrectiveAction.objects.filter(status__in=CorrectiveAction.OPEN_STATUSES, indicator__isnull=False)
    assert open_actions.filter(owner=ctx["users"]["cpo"], org_unit=ctx["units"]["shanghai"]).exists()

    # reviews, assessments, cost-benefit and RACI
    assert MeetingDecision.objects.filter(work_task__isnull=False).exists()
    assert MeetingDecision.objects.filter(corrective_action__isnull=False).exists()
    meeting = Indicator.objects.get(key="working-meeting-quarterly")
    assert set(Snapshot.objects.filter(indicator=meeting).values_list("status", flat=True)) == {"green"}
    engaged = ExternalAssessment.objects.get(assessor=ctx["users"]["assessor"])
    assert AssessmentFinding.objects.filter(assessment=engaged, corrective_action__isnull=False).count() == 2
    assessor = ctx["users"]["assessor"]
    assert {m.key for m in selectors.measure_list(actor=assessor)} == {"m3-service", "m5-consumer-rights"}
    assert LossEvent.objects.count() == 5 and RaciEntry.objects.filter(letter="A").count() == 9
    rows = selectors.cost_benefit(actor=ctx["users"]["quality"], unit=head, year=engaged.completed_on.year)
    infosec = next(r for r in rows if r.measure.key == "m2-infosec")
    assert infosec.spent > 0 and infosec.movements

    # re-running the framework's steps adds nothing
    models = (MeetingDecision, ExternalAssessment, AssessmentFinding, LossEvent, RaciEntry, CorrectiveAction)
    before = {m.__name__: m.objects.count() for m in models}
    with context.acting(context.RequestContext(channel="cli")):
        seed_framework(ctx)
        seed_reviews(ctx)
    assert {m.__name__: m.objects.count() for m in models} == before
