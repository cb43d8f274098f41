"""The API of emergency plans and drills: list and detail scoped, create through the services (refusals in the
one error shape, nothing half-saved), separation of duties on approval, a drill run with timed steps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.incidents.models import Drill, EmergencyPlan, PlanVersion
from tests.incidents.helpers import make_drill, make_plan

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, payload: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(payload or {}), content_type="application/json")


def test_a_plan_is_created_versioned_and_approved_by_someone_else(
    org: Any, make_user: Any, login_client: Any
) -> None:
    author = make_user(Role.SECURITY_OFFICER, unit="beijing")
    client = login_client(author)
    created = _post(
        client,
        "/api/v1/emergency-plans",
        {
            "org_unit_id": org.haidian.pk,
            "title": "数据中心断电应急预案",
            "scenario": "主数据中心市电中断",
            "steps": [{"title": "启动柴油发电机", "role": "机房值班"}, {"title": "通知业务部门"}],
            "review_due_on": "2027-06-30",
            "trigger_grades": ["major", "serious"],
            "incident_types": ["outage"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["incident_types"] == ["outage"] and body["trigger_grades"] == ["major", "serious"]
    assert body["versions"][0]["steps"] == [
        {"title": "启动柴油发电机", "role": "机房值班"},
        {"title": "通知业务部门", "role": ""},
    ]
    assert body["version_in_force_id"] is None
    version_id = body["versions"][0]["id"]
    url = f"/api/v1/emergency-plans/{body['id']}/versions/{version_id}/approve"
    assert (
        _post(client, url).status_code == 403
    )  # the author cannot approve (the officer lacks the right anyway)

    approver = make_user(Role.RISK_MANAGER, unit="beijing")
    approved = _post(login_client(approver), url)
    assert approved.status_code == 200 and approved.json()["approved_by_id"] == approver.pk
    detail = login_client(approver).get(f"/api/v1/emergency-plans/{body['id']}").json()
    assert detail["version_in_force_id"] == version_id


def test_the_author_of_a_version_cannot_approve_it(org: Any, make_user: Any, login_client: Any) -> None:
    manager = make_user(Role.RISK_MANAGER, unit="beijing")
    client = login_client(manager)
    plan = make_plan(org.haidian)
    new = _post(
        client,
        f"/api/v1/emergency-plans/{plan.pk}/versions",
        {"steps": [{"title": "启动应急小组"}], "change_note": "精简步骤"},
    )
    assert new.status_code == 201 and new.json()["number"] == 2
    refused = _post(client, f"/api/v1/emergency-plans/{plan.pk}/versions/{new.json()['id']}/approve")
    assert refused.status_code == 403 and "separation of duties" in refused.json()["error"]["message"]
    assert PlanVersion.objects.get(pk=new.json()["id"]).approved_at is None


def test_bad_plans_are_refused_and_nothing_is_saved(org: Any, make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    base = {
        "org_unit_id": org.haidian.pk,
        "title": "预案",
        "scenario": "场景",
        "review_due_on": "2027-01-01",
        "steps": [{"title": "步骤"}],
    }
    assert _post(client, "/api/v1/emergency-plans", {**base, "steps": []}).status_code == 422
    assert _post(client, "/api/v1/emergency-plans", {**base, "incident_types": ["nope"]}).status_code == 400
    assert _post(client, "/api/v1/emergency-plans", {**base, "trigger_grades": ["huge"]}).status_code == 422
    outside = _post(client, "/api/v1/emergency-plans", {**base, "org_unit_id": org.shanghai.pk})
    assert outside.status_code == 404
    assert not EmergencyPlan.objects.exists()


def test_a_drill_is_scheduled_run_step_by_step_and_completed(
    org: Any, make_user: Any, login_client: Any
) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    client = login_client(officer)
    version = make_plan(org.haidian).versions.get()
    scheduled = _post(
        client,
        "/api/v1/drills",
        {
            "org_unit_id": org.haidian.pk,
            "plan_version_id": version.pk,
            "title": "网银中断演练",
            "scheduled_for": "2027-03-01T09:00:00+08:00",
            "participant_ids": [officer.pk],
        },
    )
    assert scheduled.status_code == 201, scheduled.content
    drill = scheduled.json()
    assert [s["title"] for s in drill["steps"]] == ["启动应急小组", "切换至备用链路", "发布客户公告"]
    assert drill["participant_ids"] == [officer.pk] and drill["state"] == "scheduled"
    assert _post(client, f"/api/v1/drills/{drill['id']}/complete", {"evaluation": "x"}).status_code == 409
    assert _post(client, f"/api/v1/drills/{drill['id']}/start").json()["state"] == "running"
    step = _post(client, f"/api/v1/drills/{drill['id']}/steps/{drill['steps'][0]['id']}/done")
    assert step.status_code == 200 and step.json()["minutes_from_start"] == 0
    done = _post(
        client, f"/api/v1/drills/{drill['id']}/complete", {"evaluation": "切换用时符合预期", "score": 85}
    )
    assert done.status_code == 200 and done.json()["state"] == "completed" and done.json()["score"] == 85


def test_a_drill_needs_an_approved_version_and_known_participants(
    org: Any, make_user: Any, login_client: Any
) -> None:
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    draft = make_plan(org.haidian, approved=False).versions.get()
    base = {"org_unit_id": org.haidian.pk, "title": "演练", "scheduled_for": "2027-03-01T09:00:00+08:00"}
    assert _post(client, "/api/v1/drills", {**base, "plan_version_id": draft.pk}).status_code == 400
    approved = make_plan(org.haidian).versions.get()
    bad = _post(
        client, "/api/v1/drills", {**base, "plan_version_id": approved.pk, "participant_ids": [999999]}
    )
    assert bad.status_code == 400
    assert not Drill.objects.exists()


def test_lists_are_scoped_to_the_callers_units(org: Any, make_user: Any, login_client: Any) -> None:
    make_drill(org.haidian)
    make_plan(org.shanghai)
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    plans = client.get("/api/v1/emergency-plans").json()
    assert plans["count"] == 1 and plans["items"][0]["org_unit_id"] == org.haidian.pk
    assert client.get("/api/v1/drills").json()["count"] == 1
    other = EmergencyPlan.objects.get(org_unit=org.shanghai)
    assert client.get(f"/api/v1/emergency-plans/{other.pk}").status_code == 404


def test_plan_and_drill_lists_take_the_same_queries_for_one_or_many(org: Any, make_user: Any,
                                                                    login_client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    make_drill(org.haidian)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = ("/api/v1/emergency-plans", "/api/v1/drills")
    for url in urls:
        count(url)  # the first request warms per-process caches
    few = {url: count(url) for url in urls}
    for _ in range(4):
        make_drill(org.haidian)
    assert {url: count(url) for url in few} == few
