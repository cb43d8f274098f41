"""The framework's API: lists, the corrective-action loop through the API, bad input, query counts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.framework import services
from finassure.framework.models import CorrectiveAction

pytestmark = pytest.mark.django_db


def _client(client: Any, user: Any) -> Any:
    token = account_services.token_create(actor=user, name="t", read_only=False)[1]

    def call(method: str, path: str, data: Any = None) -> Any:
        return client.generic(method, f"/api/v1/framework{path}", data=json.dumps(data or {}),
                              content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")

    return call


def test_the_loop_through_the_api_keeps_separation_of_duties(client: Any, org: Any, make_user: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    owner = make_user(Role.RISK_MANAGER, unit="haidian")
    api = _client(client, manager)
    created = api("POST", "/actions", {"title": "整改：权限复核", "org_unit_id": org.haidian.pk,
                                       "owner_id": owner.pk, "due": "2026-12-31"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    as_owner = _client(client, owner)
    assert as_owner("POST", f"/actions/{pk}/steps", {"step": "complete", "note": "已复核"}).json()["status"] == "done"
    refused = as_owner("POST", f"/actions/{pk}/steps", {"step": "verify", "note": "自己验", "effective": True})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert api("POST", f"/actions/{pk}/steps", {"step": "verify", "note": "有效"}).json()["status"] == "verified"
    assert api("POST", f"/actions/{pk}/steps", {"step": "close"}).json()["status"] == "closed"
    again = api("POST", f"/actions/{pk}/steps", {"step": "close"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_bad_input_gets_a_clear_4xx_and_nothing_saved(client: Any, org: Any, make_user: Any) -> None:
    api = _client(client, make_user(Role.QUALITY_MANAGER, unit="beijing"))
    missing = api("POST", "/actions", {"title": "x", "org_unit_id": org.haidian.pk, "due": "2026-12-31"})
    assert missing.status_code in (400, 422)
    ghost = api("POST", "/actions", {"title": "x", "org_unit_id": org.haidian.pk, "owner_id": 999999,
                                     "due": "2026-12-31"})
    assert ghost.status_code == 400 and "owner_id" in ghost.json()["error"]["fields"]
    assert api("POST", "/actions/1/steps", {"step": "explode"}).status_code in (400, 422)
    assert not CorrectiveAction.objects.exists()


def test_years_outside_the_calendar_get_a_4xx_not_a_server_error(client: Any, org: Any, make_user: Any) -> None:
    api = _client(client, make_user(Role.QUALITY_MANAGER, unit="beijing"))
    for path in ("/cost-benefit?year=0", "/cost-benefit?year=-4831", "/losses?year=0", "/budget-lines?year=99999"):
        response = api("GET", path)
        assert response.status_code == 422, (path, response.status_code)
    assert api("GET", "/cost-benefit?year=2026").status_code == 200


def test_list_endpoints_keep_a_flat_query_count(client: Any, org: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    api = _client(client, make_user(Role.QUALITY_MANAGER, unit="beijing"))

    def add(n: int) -> None:
        for i in range(n):
            services.corrective_action_open(actor=None, source=owner, title=f"整改{i}", owner=owner,
                                            due=dt.date(2026, 12, 31), org_unit=org.haidian)

    add(2)
    api("GET", "/actions")  # the first call also stamps the token's last use
    with CaptureQueriesContext(connection) as few:
        assert api("GET", "/actions").json()["count"] == 2
    add(8)
    with CaptureQueriesContext(connection) as many:
        assert api("GET", "/actions").json()["count"] == 10
    assert len(many) == len(few)


def test_library_indicators_are_listed_with_their_targets(client: Any, org: Any, make_user: Any) -> None:
    services.library_load(actor=None)
    api = _client(client, make_user(Role.EXECUTIVE, unit="head"))
    indicators = {i["key"]: i for i in api("GET", "/indicators").json()}
    assert indicators["customer-satisfaction"]["target"] == 90
    assert len(api("GET", "/measures").json()) == 9
