"""Pagination helpers shared by the pages."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest
from django.test import RequestFactory

from finassure.accounts.models import User
from finassure.platform.viewutils import paginate

pytestmark = pytest.mark.django_db


def test_an_unordered_queryset_is_paged_in_primary_key_order(make_user: Any) -> None:
    """Drill-down records come from data sources as they are; without an order a row could move between pages."""
    users = [make_user(username=f"p{i}") for i in range(5)]
    assert not User.objects.all().ordered
    request = RequestFactory().get("/", {"page": "2"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django's UnorderedObjectListWarning would fail the call
        page = paginate(request, User.objects.filter(pk__in=[u.pk for u in users]), per_page=2)
    assert [u.pk for u in page.object_list] == sorted(u.pk for u in users)[2:4]
    ordered = paginate(request, User.objects.filter(pk__in=[u.pk for u in users]).order_by("-pk"), per_page=2)
    assert [u.pk for u in ordered.object_list] == sorted((u.pk for u in users), reverse=True)[2:4]


def test_can_open_follows_the_pages_permission_gate(org: Any, make_user: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from finassure.accounts.roles import Role
    from finassure.platform.viewutils import can_open

    employee, risk = make_user(Role.EMPLOYEE, unit="haidian"), make_user(Role.RISK_MANAGER, unit="haidian")
    assert can_open(risk, "/governance/risks/1/") and not can_open(employee, "/governance/risks/1/")
    assert can_open(employee, "/training/courses/1/")  # every employee may open a course assigned to them
    assert can_open(employee, "/no/such/page/") and can_open(employee, "https://elsewhere.example/")
    assert not can_open(employee, "") and not can_open(AnonymousUser(), "/governance/risks/1/")


def test_a_source_the_reader_may_not_open_is_shown_as_text_not_a_dead_link(org: Any, make_user: Any,
                                                                           login_client: Any) -> None:
    from finassure.accounts.roles import Role
    from finassure.framework import services
    from tests.governance.factories import make_product

    product = make_product(org.haidian)
    owner = make_user(Role.AML_ANALYST, unit="haidian")  # may not view products
    manager = make_user(Role.QUALITY_MANAGER, unit="haidian")  # may
    action = services.corrective_action_open(actor=None, source=product, title="整改：产品条件", description="",
                                             owner=owner, due=dt.date(2026, 12, 31), org_unit=org.haidian)
    link = f'href="{product.get_absolute_url()}"'
    owners_page = login_client(owner).get(action.get_absolute_url()).content.decode()
    assert str(product) in owners_page and link not in owners_page
    assert link in login_client(manager).get(action.get_absolute_url()).content.decode()
