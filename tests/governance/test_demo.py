"""The governance demo: coverage just under 100 % with its gaps, a duty conflict, four quarters of audits."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts import selectors as access
from finassure.accounts.demo import seed_organisation
from finassure.framework import registry
from finassure.framework.periods import Period
from finassure.governance import selectors
from finassure.governance.demo import seed_governance, seed_products
from finassure.governance.models import Engagement, Finding, KriValue, Policy, PolicyVersion
from finassure.platform import context

pytestmark = pytest.mark.django_db


def _seed() -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    with context.acting(context.RequestContext(channel="cli")):
        seed_organisation(ctx)
        seed_governance(ctx)
        seed_products(ctx)
    return ctx


def test_the_demo_shows_coverage_gaps_a_duty_conflict_and_quarterly_audits() -> None:
    ctx = _seed()
    quality, units = ctx["users"]["quality"], ctx["units"]
    overall, per_unit = selectors.coverage_by_unit(actor=quality)
    assert overall.percent is not None and 85 <= overall.percent < 100
    assert {p.code for p in overall.gaps} == {"suitability", "claims", "it-operations"}
    assert {u.code: c.percent for u, c in per_unit}["securities"] < 100
    assert [c.user.username for c in selectors.duty_conflicts(actor=quality)] == ["employee"]
    assert PolicyVersion.objects.filter(status="superseded").exists()
    assert Engagement.objects.filter(status="reported").count() == 4 and Finding.objects.count() >= 4
    quarter = Period.containing(timezone.localdate(), "quarter")
    held = registry.measure("governance.internal_audit_held", units=access.units_under(units["head-office"]),
                            period=quarter)
    assert held is not None and held.value == 1
    assert sum(map(sum, selectors.heat_map(actor=ctx["users"]["risk"]))) >= 5
    assert KriValue.objects.filter(status="breach").exists()
    completion = registry.measure("governance.attestation_completion_share",
                                  units=access.units_under(units["head-office"]), period=quarter)
    assert completion is not None and (completion.numerator, completion.denominator) == (2, 3)
    assert [a.user.username for a in completion.records or []] == ["employee"]


def test_the_demo_has_products_at_each_stage_of_their_review() -> None:
    from finassure.framework import selectors as framework_selectors
    from finassure.governance.models import Product

    _seed()
    by_code = {p.code: p for p in Product.objects.all()}
    launched = by_code["wm-steady-365"]
    assert launched.status == "launched" and launched.post_launch_review_due is not None
    assert {launched.proposer_id, launched.approver_id}.isdisjoint(
        set(launched.reviews.values_list("reviewer_id", flat=True)))
    assert all(framework_selectors.corrective_actions_for(source=c).exists() for c in launched.conditions.all())
    assert launched.conditions.count() == 2
    assert by_code["card-joint-travel"].status == "review" and by_code["card-joint-travel"].reviews.count() == 2
    returned = by_code["mb-transfer-limit"]
    assert (returned.status, returned.round) == ("draft", 2)


def test_running_the_demo_again_changes_nothing() -> None:
    _seed()
    from finassure.governance.models import Product, ProductReview

    counts = (Policy.objects.count(), PolicyVersion.objects.count(), Engagement.objects.count(),
              Finding.objects.count(), Product.objects.count(), ProductReview.objects.count())
    _seed()
    assert (Policy.objects.count(), PolicyVersion.objects.count(), Engagement.objects.count(),
            Finding.objects.count(), Product.objects.count(), ProductReview.objects.count()) == counts
