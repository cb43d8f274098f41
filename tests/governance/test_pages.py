"""Pages and endpoints of governance: the whole policy flow in the browser's shoes, lists, export, bad input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.governance.models import Policy, Process
from tests.governance import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()


def _queries(client: Any, path: str, **extra: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a_policy_goes_from_draft_to_effective_and_is_acknowledged(org: Any, client: Any, author: Any,
                                                                   approver: Any, make_user: Any) -> None:
    from tests.support import verified_login

    teller = make_user(Role.EMPLOYEE, unit="haidian")
    position = f.make_position(org.haidian, holders=[teller])
    process = f.make_process(org.haidian)
    verified_login(client, author)
    response = client.post("/governance/policies/new/", {
        "org_unit": org.beijing.pk, "code": "BJ-001", "title": "柜面业务操作规程", "kind": "procedure",
        "processes": [process.pk], "positions": [position.pk], "body": "第一条 柜面业务实行双人复核。"})
    assert response.status_code == 302
    policy = Policy.objects.get(code="BJ-001")
    version = policy.versions.get()
    assert client.post(f"/governance/versions/{version.pk}/submit/").status_code == 302
    refused = client.post(f"/governance/versions/{version.pk}/approve/")  # not reviewed yet
    assert refused.status_code == 400 and "Only a reviewed version can be approved." in refused.content.decode()
    verified_login(client, approver)
    page = client.get(f"/governance/policies/{policy.pk}/")
    assert "Record review" in page.content.decode()
    assert client.post(f"/governance/versions/{version.pk}/review/", {"decision": "accept"}).status_code == 302
    assert client.post(f"/governance/versions/{version.pk}/approve/").status_code == 302
    verified_login(client, author)
    response = client.post(f"/governance/versions/{version.pk}/publish/", {"effective_from": TODAY})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.effective_version_id == version.pk
    verified_login(client, teller)
    mine = client.get("/governance/attestations/")
    assert "柜面业务操作规程" in mine.content.decode()
    attestation = version.attestations.get(user=teller)
    assert client.post(f"/governance/attestations/{attestation.pk}/confirm/").status_code == 302
    attestation.refresh_from_db()
    assert attestation.confirmed_at is not None
    verified_login(client, author)
    assert "100%" in client.get("/governance/coverage/").content.decode()


def test_the_author_cannot_approve_their_own_draft_in_the_browser(org: Any, login_client: Any,
                                                                  author: Any) -> None:
    policy = f.make_policy(org.beijing, status="review", author=author, reviewer=f.make_author(org.beijing))
    version = policy.versions.get()
    # the quality manager may approve, just not their own draft
    response = login_client(author).post(f"/governance/versions/{version.pk}/approve/")
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.status == "review" and version.approver is None


def test_a_policy_form_with_missing_fields_is_refused_and_nothing_is_saved(org: Any, login_client: Any,
                                                                          author: Any) -> None:
    response = login_client(author).post("/governance/policies/new/", {"org_unit": org.beijing.pk, "code": "X"})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not Policy.objects.exists()


def test_a_process_of_another_business_line_is_refused_on_the_form(org: Any, login_client: Any,
                                                                   author: Any) -> None:
    org.beijing.business_line = f.line(org.beijing, "banking")
    org.beijing.save()
    brokerage = f.make_process(org.beijing, kind="securities", name="证券经纪")
    response = login_client(author).post("/governance/policies/new/", {
        "org_unit": org.beijing.pk, "code": "BJ-002", "title": "经纪业务管理办法", "kind": "rules",
        "processes": [brokerage.pk], "body": "第一条"})
    assert response.status_code == 400
    assert "证券经纪" in response.content.decode()
    assert not Policy.objects.exists()


def test_the_policy_list_takes_the_same_queries_for_few_and_many(org: Any, login_client: Any,
                                                                 author: Any) -> None:
    client = login_client(author)
    for _ in range(2):
        f.make_policy(org.beijing)
    few = _queries(client, "/governance/policies/")
    for _ in range(8):
        f.make_policy(org.haidian)
    assert _queries(client, "/governance/policies/") == few
    assert _queries(client, "/api/v1/governance/policies") == _queries(client, "/api/v1/governance/policies")


def test_list_endpoints_take_the_same_queries_for_few_and_many(org: Any, login_client: Any, auditor: Any) -> None:
    client = login_client(auditor)
    f.make_engagement(org.beijing)
    f.make_process(org.beijing)
    few = (_queries(client, "/api/v1/governance/audits"), _queries(client, "/api/v1/governance/processes"),
           _queries(client, "/governance/audits/"))
    for _ in range(5):
        f.make_engagement(org.haidian)
        f.make_process(org.haidian)
    assert (_queries(client, "/api/v1/governance/audits"), _queries(client, "/api/v1/governance/processes"),
            _queries(client, "/governance/audits/")) == few


def test_the_policy_list_filters_and_exports_to_excel(org: Any, login_client: Any, author: Any) -> None:
    in_force = f.make_policy(org.beijing)
    draft = f.make_policy(org.haidian, status="draft")
    f.make_policy(org.shanghai)
    client = login_client(author)
    body = client.get("/governance/policies/?status=drafting").content.decode()
    assert draft.code in body and in_force.code not in body
    response = client.get("/governance/policies/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted(r[0] for r in rows[1:]) == sorted([in_force.code, draft.code])


def test_the_coverage_page_lists_the_gaps(org: Any, login_client: Any, author: Any) -> None:
    covered = f.make_process(org.beijing, name="柜面服务")
    f.make_process(org.haidian, name="银行卡业务")
    f.make_policy(org.beijing, processes=[covered])
    body = login_client(author).get("/governance/coverage/").content.decode()
    assert "50.0%" in body and "银行卡业务" in body


def test_the_diff_page_shows_what_changed(org: Any, login_client: Any, author: Any) -> None:
    policy = f.make_policy(org.beijing, body="第一条 总则。\n第二条 旧规定。")
    new = policy.versions.create(number=2, body="第一条 总则。\n第二条 新规定。", author=author)
    body = login_client(author).get(f"/governance/versions/{new.pk}/diff/").content.decode()
    assert "- 第二条 旧规定。" in body and "+ 第二条 新规定。" in body


def test_the_api_refuses_approving_ones_own_draft_in_the_one_error_shape(org: Any, client: Any, author: Any) -> None:
    policy = f.make_policy(org.beijing, status="review", author=author, reviewer=f.make_author(org.beijing))
    _, raw = account_services.token_create(actor=author, name="t", read_only=False)
    response = client.post(f"/api/v1/governance/versions/{policy.versions.get().pk}/approve",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_the_api_refuses_bad_input_and_saves_nothing(org: Any, client: Any, author: Any) -> None:
    _, raw = account_services.token_create(actor=author, name="t", read_only=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    bad_kind = {"org_unit_id": org.beijing.pk, "code": "A-1", "title": "t", "kind": "memo", "body": "x"}
    response = client.post("/api/v1/governance/policies", json.dumps(bad_kind), content_type="application/json",
                           **headers)
    assert response.status_code == 422 and "kind" in response.json()["error"]["fields"]
    unknown = {**bad_kind, "kind": "rules", "process_ids": [999999]}
    response = client.post("/api/v1/governance/policies", json.dumps(unknown), content_type="application/json",
                           **headers)
    assert response.status_code == 400 and "process_ids" in response.json()["error"]["fields"]
    bad_code = {"org_unit_id": org.beijing.pk, "business_line_id": f.line(org.beijing).pk, "code": "a b",
                "name": "x"}
    response = client.post("/api/v1/governance/processes", json.dumps(bad_code), content_type="application/json",
                           **headers)
    assert response.status_code == 422
    assert not Policy.objects.exists() and not Process.objects.exists()
