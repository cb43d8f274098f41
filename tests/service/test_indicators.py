"""The four service indicators against hand-computed values, scoped to a subtree and a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework import registry
from finassure.framework.periods import Period
from finassure.service import indicators, services
from finassure.service.models import Survey
from tests.service.factories import handled, make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="head")


def _under(unit: Any) -> Any:
    from finassure.accounts.selectors import units_under

    return units_under(unit)


def _quarter() -> Period:
    return Period.containing(timezone.localdate(), "quarter")


def _close(unit: Any, agent: Any, hours: float, start: dt.datetime) -> Any:
    complaint = make_complaint(unit, actor=agent, received_at=start)
    return handled(complaint, agent, start=start, decide_after=dt.timedelta(hours=hours / 2),
                   close_after=dt.timedelta(hours=hours))


def test_every_name_in_the_contract_is_registered() -> None:
    for name in ("service.customer_satisfaction", "service.complaint_handling_satisfaction",
                 "service.complaints_handled_within_48h_share", "service.complaint_handling_hours_avg"):
        assert registry.is_registered(name), name


def test_no_records_means_no_data_not_zero(org: Any) -> None:
    for fn in (indicators.customer_satisfaction, indicators.complaint_handling_satisfaction,
               indicators.complaints_handled_within_48h_share, indicators.complaint_handling_hours_avg):
        assert fn(units=_under(org.beijing), period=_quarter()).value is None


def test_handling_time_share_and_mean_over_the_subtree(org: Any, agent: Any) -> None:
    period = _quarter()
    start, _ = period.bounds()
    base = max(start, timezone.now() - dt.timedelta(days=10))
    if base + dt.timedelta(hours=100) > timezone.now():  # early in a quarter: measure the previous one
        period = period.previous()
        base = period.bounds()[0] + dt.timedelta(hours=1)
    _close(org.haidian, agent, 10, base)
    _close(org.beijing, agent, 48, base)
    _close(org.beijing, agent, 72, base)
    _close(org.shanghai, agent, 5, base)  # outside the Beijing subtree
    make_complaint(org.haidian, actor=agent, received_at=base)  # still open: not counted
    share = indicators.complaints_handled_within_48h_share(units=_under(org.beijing), period=period)
    mean = indicators.complaint_handling_hours_avg(units=_under(org.beijing), period=period)
    assert (share.numerator, share.denominator) == (2, 3) and share.value == pytest.approx(200 / 3)
    assert share.records is not None and share.records.count() == 1
    assert mean.value == pytest.approx((10 + 48 + 72) / 3, abs=0.01)
    assert indicators.complaint_handling_hours_avg(units=_under(org.beijing), period=period.previous()).value is None


def test_satisfaction_counts_ratings_of_4_and_5_per_kind(org: Any, agent: Any) -> None:
    period = _quarter()
    for rating in (5, 4, 3, 1):
        survey = services.survey_create(kind=Survey.Kind.SERVICE, org_unit=org.haidian, touch_point="网点")
        services.survey_answer(token=survey.token, rating=rating)
    services.survey_create(kind=Survey.Kind.SERVICE, org_unit=org.haidian)  # not answered: not counted
    other = services.survey_create(kind=Survey.Kind.SERVICE, org_unit=org.shanghai)
    services.survey_answer(token=other.token, rating=1)
    start = timezone.now() - dt.timedelta(hours=5)
    complaint = _close(org.haidian, agent, 2, start)
    services.survey_answer(token=complaint.surveys.get().token, rating=5)
    customer = indicators.customer_satisfaction(units=_under(org.beijing), period=period)
    handling = indicators.complaint_handling_satisfaction(units=_under(org.beijing), period=period)
    assert (customer.numerator, customer.denominator, customer.value) == (2, 4, 50.0)
    assert (handling.numerator, handling.denominator, handling.value) == (1, 1, 100.0)
    assert handling.records is not None and list(handling.records) == [complaint]
