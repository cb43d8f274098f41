"""The access-review API: start a campaign (platform or imported list), the named reviewer decides items,
close; refusals in the one error shape, nothing half-imported; scoped like the pages."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from finassure.accounts.models import RoleAssignment
from finassure.accounts.roles import Role
from finassure.security.models import AccessReview

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, payload: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(payload or {}), content_type="application/json")


def test_a_campaign_runs_through_the_api_and_a_revocation_takes_effect(
    org: Any, make_user: Any, login_client: Any
) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    reviewer = make_user(Role.SECURITY_ADMIN, unit="head")
    clerk = make_user(Role.SERVICE_AGENT, unit="haidian")
    started = _post(
        login_client(admin),
        "/api/v1/access-reviews",
        {
            "org_unit_id": org.beijing.pk,
            "title": "北京分行权限复核",
            "reviewer_id": reviewer.pk,
            "due_on": "2030-06-30",
        },
    )
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["source"] == "platform" and [i["account"] for i in body["items"]] == [clerk.username]
    item = body["items"][0]

    client = login_client(reviewer)
    url = f"/api/v1/access-reviews/{body['id']}/items/{item['id']}/decision"
    assert _post(client, url, {"decision": "revoked"}).status_code == 400  # a revocation needs its reason
    decided = _post(client, url, {"decision": "revoked", "note": "已调岗"})
    assert decided.status_code == 200 and decided.json()["decision"] == "revoked"
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    assert _post(client, url, {"decision": "confirmed"}).status_code == 409
    closed = _post(login_client(admin), f"/api/v1/access-reviews/{body['id']}/close")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_an_imported_list_is_all_or_nothing(org: Any, make_user: Any, login_client: Any) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    client = login_client(admin)
    base = {
        "org_unit_id": org.beijing.pk,
        "title": "核心系统账号复核",
        "reviewer_id": admin.pk,
        "due_on": "2030-06-30",
        "system_name": "核心业务系统",
        "file_name": "core.csv",
    }
    bad = "account,name,role\nzhang,张三,柜员\n,李四,主管\n".encode()
    refused = _post(
        client, "/api/v1/access-reviews", {**base, "content_base64": base64.b64encode(bad).decode()}
    )
    assert refused.status_code == 400 and "line 3" in json.dumps(refused.json(), ensure_ascii=False)
    assert _post(client, "/api/v1/access-reviews", {**base, "content_base64": "%%%"}).status_code == 400
    assert not AccessReview.objects.exists()
    good = "account,name,role\nzhang,张三,柜员\nli,李四,主管\n".encode()
    created = _post(
        client, "/api/v1/access-reviews", {**base, "content_base64": base64.b64encode(good).decode()}
    )
    assert created.status_code == 201 and created.json()["system_name"] == "核心业务系统"
    assert [i["account"] for i in created.json()["items"]] == ["li", "zhang"]


def test_reviews_are_listed_in_scope_and_invisible_outside(
    org: Any, make_user: Any, login_client: Any
) -> None:
    admin = make_user(Role.SECURITY_ADMIN, unit="head")
    make_user(Role.EMPLOYEE, unit="haidian")
    review_id = _post(
        login_client(admin),
        "/api/v1/access-reviews",
        {"org_unit_id": org.beijing.pk, "title": "复核", "reviewer_id": admin.pk, "due_on": "2030-06-30"},
    ).json()["id"]
    outsider = login_client(make_user(Role.SECURITY_OFFICER, unit="shanghai"))
    assert outsider.get("/api/v1/access-reviews").json()["count"] == 0
    assert outsider.get(f"/api/v1/access-reviews/{review_id}").status_code == 404
