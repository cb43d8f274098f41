"""Pagination helpers shared by the pages."""

from __future__ import annotations

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
