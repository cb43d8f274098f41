"""Portal self-resolution: anonymous visits, their outcome, the statistics page and the framework computation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from finassure.accounts.models import OrgUnit
from finassure.accounts.roles import Role
from finassure.framework.periods import Period
from finassure.framework.registry import get as get_computation
from finassure.service.models import FaqArticle, PortalVisit
from finassure.service.services import portal as portal_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(client: Any) -> Any:
    cache.clear()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages answer in English (the catalogue has zh-hans)
    with translation.override("en"):
        yield


@pytest.fixture
def article(db: Any) -> FaqArticle:
    return FaqArticle.objects.create(product_line="credit_card", question="信用卡年费怎么收取？",
                                     answer="首年免年费，当年刷卡满6次免次年年费。")


def complaint_data(org: Any) -> dict[str, Any]:
    return {"kind": "complaint", "org_unit": org.haidian.pk, "product_line": "credit_card", "subject": "年费争议",
            "text": "未经同意收取信用卡年费", "complainant_name": "赵六", "complainant_phone": "13900001111"}


def test_a_helpful_article_and_no_complaint_resolves_the_visit(client: Any, article: FaqArticle) -> None:
    client.get("/portal/")
    client.get("/portal/faq/", {"text": "信用卡年费"}, HTTP_HX_REQUEST="true")
    client.post(f"/portal/faq/{article.pk}/vote/", {"helpful": "yes"})
    visit = PortalVisit.objects.get()
    assert (visit.faq_views, visit.helpful_votes, visit.complaint_submitted) == (1, 1, False)
    assert visit.resolved_without_complaint


def test_a_complaint_in_the_same_visit_means_not_resolved(client: Any, org: Any, article: FaqArticle) -> None:
    client.get("/portal/")
    client.post(f"/portal/faq/{article.pk}/vote/", {"helpful": "yes"})
    assert client.post("/portal/", complaint_data(org)).status_code == 200
    visit = PortalVisit.objects.get()
    assert visit.complaint_submitted and not visit.resolved_without_complaint


def test_an_unhelpful_rating_does_not_resolve(client: Any, article: FaqArticle) -> None:
    client.get("/portal/")
    client.post(f"/portal/faq/{article.pk}/vote/", {"helpful": "no"})
    assert not PortalVisit.objects.get().resolved_without_complaint


def test_thirty_idle_minutes_start_a_new_visit(client: Any) -> None:
    client.get("/portal/")
    session = client.session
    stored = session[portal_services.SESSION_KEY]
    stored["seen"] = (timezone.now() - dt.timedelta(minutes=31)).isoformat()
    session[portal_services.SESSION_KEY] = stored
    session.save()
    client.get("/portal/")
    assert PortalVisit.objects.count() == 2
    client.get("/portal/")
    assert PortalVisit.objects.count() == 2


def test_a_visit_keeps_nothing_about_the_visitor() -> None:
    names = {f.name for f in PortalVisit._meta.concrete_fields}
    assert names == {"id", "key", "started_at", "last_seen_at", "faq_views", "helpful_votes", "complaint_submitted"}


def visits(resolved: int, helpful_then_complaint: int, nothing: int, when: dt.datetime) -> None:
    rows = ([PortalVisit(helpful_votes=1) for _ in range(resolved)]
            + [PortalVisit(helpful_votes=2, complaint_submitted=True) for _ in range(helpful_then_complaint)]
            + [PortalVisit(faq_views=3) for _ in range(nothing)])
    for i, row in enumerate(rows):
        row.key, row.started_at = f"k{when:%Y%m%d}{i}", when
    PortalVisit.objects.bulk_create(rows)


def test_the_computation_gives_the_institution_wide_share(org: Any) -> None:
    visits(3, 1, 4, timezone.make_aware(dt.datetime(2026, 5, 10, 10)))
    visits(5, 0, 0, timezone.make_aware(dt.datetime(2026, 8, 10, 10)))  # another quarter
    compute = get_computation("service.portal_self_resolution_share")
    period = Period.parse("2026Q2")
    whole = OrgUnit.objects.filter(pk__in=[org.head.pk, org.beijing.pk, org.haidian.pk, org.shanghai.pk])
    result = compute(units=whole, period=period)
    assert (result.numerator, result.denominator) == (3, 8) and result.value == pytest.approx(37.5)
    branch = OrgUnit.objects.filter(pk__in=[org.beijing.pk, org.haidian.pk])
    assert compute(units=branch, period=period).value is None
    assert compute(units=whole, period=Period.parse("2026Q1")).value is None


def test_the_statistics_page_shows_the_share(org: Any, make_user: Any, login_client: Any) -> None:
    visits(1, 1, 2, timezone.now())
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="head")
    body = login_client(officer).get("/service/statistics/").content.decode()
    assert 'id="stat-portal">25 %' in body and "(1 / 4)" in body
