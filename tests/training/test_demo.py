"""The training demo: staff, a published plan, a few hundred Chinese questions, scores with units below target."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts import selectors as access
from finassure.accounts.demo import seed_organisation
from finassure.framework.periods import Period
from finassure.platform import context
from finassure.training import indicators
from finassure.training.demo import seed_training
from finassure.training.models import Assignment, Attempt, Employee, Question

pytestmark = pytest.mark.django_db


def _seed() -> dict[str, Any]:
    # as of late in the year, so that every due date of the plan has passed whatever day the test runs
    ctx: dict[str, Any] = {"today": dt.date(timezone.localdate().year, 12, 20)}
    with context.acting(context.RequestContext(channel="cli")):
        seed_organisation(ctx)
        seed_training(ctx)
    return ctx


def test_the_demo_seeds_a_year_of_training_with_some_units_below_target_and_is_idempotent() -> None:
    ctx = _seed()
    units = ctx["units"]
    assert Employee.objects.count() > 100
    assert Employee.objects.filter(status=Employee.Status.LEFT).count() == 4
    assert Question.objects.count() >= 250
    assert Question.objects.values("topic").distinct().count() == 10
    assert ctx["training_plan"].status == "published"
    year = Period.containing(ctx["today"], "year")

    def measure(compute: Any, code: str) -> float:
        value = compute(units=access.units_under(units[code]), period=year).value
        assert value is not None
        return float(value)

    assert measure(indicators.coverage, "shenzhen") < 100
    assert measure(indicators.pass_rate, "shenzhen") < 98
    assert measure(indicators.awareness_score_avg, "shenzhen") < 85
    assert measure(indicators.awareness_score_avg, "compliance") >= 85
    assert 0 < measure(indicators.coverage, "head-office") < 100
    # the demo employee has an exam to take in the browser
    own = Employee.objects.get(user=ctx["users"]["employee"])
    assert own.assignments.filter(exam__isnull=False, status=Assignment.Status.ASSIGNED).exists()
    counts = (Employee.objects.count(), Question.objects.count(), Assignment.objects.count(), Attempt.objects.count())
    seed_training(ctx)
    assert counts == (Employee.objects.count(), Question.objects.count(), Assignment.objects.count(),
                      Attempt.objects.count())

