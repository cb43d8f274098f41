"""Staff pages, the API and the customer portal: masking, reveal, exports, bad input, throttling, query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.platform.models import AuditEvent
from finassure.service import services, throttle
from finassure.service.models import Complaint, ComplaintEvent, Survey
from tests.service.factories import PHONE, handled, make_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    cache.clear()


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="beijing")


def portal_data(org: Any, **overrides: Any) -> dict[str, Any]:
    data = {"kind": "complaint", "org_unit": org.haidian.pk, "product_line": "credit_card", "subject": "年费争议",
            "text": "未经同意收取信用卡年费", "complainant_name": "赵六", "complainant_phone": "139 0000 1111"}
    data.update(overrides)
    return data


# --- staff pages ---------------------------------------------------------------------------------


def test_the_list_masks_personal_data_and_shows_both_clocks(org: Any, agent: Any, login_client: Any) -> None:
    make_complaint(org.haidian, actor=agent)
    body = login_client(agent).get("/service/complaints/").content.decode()
    assert "138****5678" in body and "王**" in body
    assert PHONE not in body and "王小明" not in body
    assert "clock-running" in body and "clock-not_started" in body


def test_the_list_finds_a_complaint_by_phone_and_flags_overdue_ones(org: Any, agent: Any, login_client: Any) -> None:
    old = make_complaint(org.haidian, actor=agent, received_at=timezone.now() - dt.timedelta(days=20))
    services.complaint_accept(actor=agent, complaint=old, at=timezone.now() - dt.timedelta(days=19))
    fresh = make_complaint(org.haidian, actor=agent, complainant_phone="13600000000")
    client = login_client(agent)
    by_phone = client.get("/service/complaints/", {"phone": "136 0000 0000"}).content.decode()
    assert fresh.tracking_number in by_phone and old.tracking_number not in by_phone
    overdue = client.get("/service/complaints/", {"clock": "regulatory_overdue"}).content.decode()
    assert old.tracking_number in overdue and fresh.tracking_number not in overdue
    assert "clock-breached" in overdue


def test_the_list_page_runs_a_constant_number_of_queries(org: Any, agent: Any, login_client: Any) -> None:
    client = login_client(agent)
    make_complaint(org.haidian, actor=agent)
    client.get("/service/complaints/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/service/complaints/").status_code == 200
    for _ in range(6):
        make_complaint(org.haidian, actor=agent)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/service/complaints/").status_code == 200
    assert len(many) == len(few)


def test_the_excel_export_keeps_personal_data_masked(org: Any, make_user: Any, login_client: Any) -> None:
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    complaint = make_complaint(org.haidian, actor=officer)
    response = login_client(officer).get("/service/complaints/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[1][0] == complaint.tracking_number
    flat = " ".join(" ".join(r) for r in rows)
    assert "138****5678" in flat and PHONE not in flat and "王小明" not in flat


def test_reveal_shows_the_full_values_to_an_officer_and_audits_it(org: Any, make_user: Any, agent: Any,
                                                                   login_client: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    officer = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    response = login_client(officer).post(f"/service/complaints/{complaint.pk}/reveal/")
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="pii.reveal", actor=officer, object_id=str(complaint.pk)).count() == 1


def test_an_agent_cannot_reveal(org: Any, agent: Any, login_client: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    assert login_client(agent).post(f"/service/complaints/{complaint.pk}/reveal/").status_code == 403
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


def test_staff_handle_a_complaint_through_the_pages(org: Any, agent: Any, login_client: Any) -> None:
    client = login_client(agent)
    response = client.post("/service/complaints/new/", {
        "kind": "complaint", "org_unit": org.haidian.pk, "channel": "phone", "product_line": "loan",
        "subject": "提前还款违约金", "text": "提前还款被收取高额违约金", "complainant_name": "钱七",
        "complainant_phone": "13511112222", "severity": "medium", "group_size": 1, "cause": "ordinary"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/service/complaints/{complaint.pk}/"
    base = f"/service/complaints/{complaint.pk}"
    assert client.post(f"{base}/accept/").status_code == 302
    assert client.post(f"{base}/pause/", {"pause-reason": "mediation", "pause-customer_notified": "on"}).status_code == 302
    assert client.post(f"{base}/resume/", {}).status_code == 302
    assert client.post(f"{base}/decide/", {"decide-facts": "已核实", "decide-basis": "合同第8条",
                                           "decide-reasons": "约定明确", "decide-remedies": "可申请核查",
                                           "decide-upheld": "false"}).status_code == 302
    assert client.post(f"{base}/notify/", {"notify-method": "letter", "notify-reference": "函-88"}).status_code == 302
    assert client.post(f"{base}/close/").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.upheld is False
    page = client.get(f"{base}/").content.decode()
    assert "clock-met" in page and "函-88" in page


def test_a_bad_step_answers_400_with_the_form_and_changes_nothing(org: Any, agent: Any, login_client: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    client = login_client(agent)
    client.post(f"/service/complaints/{complaint.pk}/accept/")
    response = client.post(f"/service/complaints/{complaint.pk}/decide/", {"decide-facts": "只有事实"})
    assert response.status_code == 400 and "field-error" in response.content.decode()
    assert client.post(f"/service/complaints/{complaint.pk}/close/").status_code == 409
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ACCEPTED
    assert not ComplaintEvent.objects.filter(complaint=complaint, kind__in=["decided", "closed"]).exists()


def test_an_unknown_step_is_404(org: Any, agent: Any, login_client: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    assert login_client(agent).post(f"/service/complaints/{complaint.pk}/teleport/").status_code == 404


# --- API -----------------------------------------------------------------------------------------


def call(client: Any, method: str, path: str, token: str, body: Any = None) -> Any:
    return client.generic(method, path, data=json.dumps(body) if body is not None else b"",
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_masks_personal_data_and_lists_with_constant_queries(client: Any, org: Any, agent: Any) -> None:
    token = account_services.token_create(actor=agent, name="t", read_only=True)[1]
    make_complaint(org.haidian, actor=agent)
    call(client, "GET", "/api/v1/service/complaints", token)  # the token's first use records itself
    with CaptureQueriesContext(connection) as few:
        first = call(client, "GET", "/api/v1/service/complaints", token).json()
    for _ in range(5):
        make_complaint(org.haidian, actor=agent)
    with CaptureQueriesContext(connection) as many:
        body = call(client, "GET", "/api/v1/service/complaints", token).json()
    assert first["count"] == 1 and body["count"] == 6 and len(many) == len(few)
    item = body["items"][0]
    assert item["complainant_phone"] == "138****5678" and item["regulatory"]["state"] == "not_started"
    assert PHONE not in json.dumps(body, ensure_ascii=False)


def test_the_api_list_counts_at_most_the_cap_and_says_so(client: Any, org: Any, agent: Any, monkeypatch: Any) -> None:
    """A million-complaint list is not counted to the end: the count stops at the cap, count_capped says so."""
    from finassure.platform import api

    token = account_services.token_create(actor=agent, name="t", read_only=True)[1]
    for _ in range(4):
        make_complaint(org.haidian, actor=agent)
    monkeypatch.setattr(api, "LIST_COUNT_CAP", 3)
    body = call(client, "GET", "/api/v1/service/complaints?page_size=2&page=2", token).json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (3, True, 2)
    monkeypatch.setattr(api, "LIST_COUNT_CAP", 10)
    body = call(client, "GET", "/api/v1/service/complaints", token).json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (4, False, 4)


def test_the_api_refuses_bad_input_in_the_error_shape(client: Any, org: Any, agent: Any) -> None:
    token = account_services.token_create(actor=agent, name="t", read_only=False)[1]
    response = call(client, "POST", "/api/v1/service/complaints", token,
                    {"org_unit_id": org.haidian.pk, "subject": "x", "text": "y", "category": "nope"})
    assert response.status_code == 400 and "category" in response.json()["error"]["fields"]
    response = call(client, "POST", "/api/v1/service/complaints", token, {"org_unit_id": org.haidian.pk})
    assert response.status_code == 422 and {"subject", "text"} <= set(response.json()["error"]["fields"])
    assert not Complaint.objects.exists()


def test_the_api_walks_a_complaint_to_closure(client: Any, org: Any, agent: Any) -> None:
    token = account_services.token_create(actor=agent, name="t", read_only=False)[1]
    created = call(client, "POST", "/api/v1/service/complaints", token,
                   {"org_unit_id": org.haidian.pk, "subject": "转账失败", "text": "扣款未到账", "product_line": "payment",
                    "complainant_phone": "13700001111", "group_size": 25})
    assert created.status_code == 201 and created.json()["is_major"] is True
    pk = created.json()["id"]
    base = f"/api/v1/service/complaints/{pk}"
    assert call(client, "POST", f"{base}/accept", token).json()["regulatory"]["state"] == "running"
    assert call(client, "POST", f"{base}/pause", token, {"reason": "appraisal", "customer_notified": True}
                ).json()["regulatory"]["state"] == "paused"
    call(client, "POST", f"{base}/resume", token)
    call(client, "POST", f"{base}/decision", token, {"facts": "f", "basis": "b", "reasons": "r", "remedies": "m"})
    assert call(client, "POST", f"{base}/close", token).status_code == 409
    call(client, "POST", f"{base}/notifications", token, {"method": "email", "reference": "mail-1"})
    closed = call(client, "POST", f"{base}/close", token).json()
    assert closed["status"] == "closed" and closed["sla"]["state"] == "met"


# --- customer portal -----------------------------------------------------------------------------


def test_the_portal_gives_a_tracking_number_and_echoes_no_personal_data(client: Any, org: Any) -> None:
    response = client.post("/portal/", portal_data(org))
    body = response.content.decode()
    complaint = Complaint.objects.get()
    assert response.status_code == 200 and complaint.tracking_number in body
    assert "赵六" not in body and "1111" not in body and "未经同意" not in body
    assert complaint.channel == "portal" and complaint.complainant_phone == "13900001111"


def test_the_portal_status_needs_the_last_four_digits_of_the_phone(client: Any, org: Any) -> None:
    client.post("/portal/", portal_data(org))
    number = Complaint.objects.get().tracking_number
    wrong = client.post("/portal/status/", {"tracking_number": number, "phone_last4": "0000"})
    assert wrong.status_code == 400 and "portal-status" not in wrong.content.decode()
    right = client.post("/portal/status/", {"tracking_number": number.lower(), "phone_last4": "1111"})
    body = right.content.decode()
    assert right.status_code == 200 and "portal-status" in body and "赵六" not in body


def test_the_portal_refuses_scripts_and_missing_fields_and_stores_nothing(client: Any, org: Any) -> None:
    response = client.post("/portal/", portal_data(org, text="<script>alert(1)</script>", complainant_phone=""))
    body = response.content.decode()
    assert response.status_code == 400 and "<script>alert" not in body
    assert "plain text" in body or "HTML" in body
    assert not Complaint.objects.exists()


def test_the_portal_refuses_robots_that_fill_the_hidden_field(client: Any, org: Any) -> None:
    assert client.post("/portal/", portal_data(org, website="http://spam")).status_code == 400
    assert not Complaint.objects.exists()


def test_the_portal_throttles_floods_per_phone_and_per_address(client: Any, org: Any) -> None:
    per_phone = throttle.PORTAL_SUBMIT_PER_PHONE[0]
    codes = [client.post("/portal/", portal_data(org)).status_code for _ in range(per_phone + 1)]
    assert codes == [200] * per_phone + [429]
    assert Complaint.objects.count() == per_phone
    per_ip = throttle.PORTAL_SUBMIT_PER_IP[0]
    others = [client.post("/portal/", portal_data(org, complainant_phone=f"1390000{n:04d}")).status_code
              for n in range(per_ip)]
    assert others[-1] == 429 and Complaint.objects.count() == per_ip - 1


def test_status_lookups_are_throttled_per_tracking_number(client: Any, org: Any) -> None:
    client.post("/portal/", portal_data(org))
    number = Complaint.objects.get().tracking_number
    limit = throttle.PORTAL_LOOKUP_PER_TRACKING[0]
    codes = [client.post("/portal/status/", {"tracking_number": number, "phone_last4": f"{n:04d}"}).status_code
             for n in range(limit + 1)]
    assert codes == [400] * limit + [429]


def test_a_closed_complaint_offers_its_survey_once_through_the_status_lookup(client: Any, org: Any,
                                                                            agent: Any) -> None:
    start = timezone.now() - dt.timedelta(days=3)
    complaint = handled(make_complaint(org.haidian, actor=agent, received_at=start), agent, start=start,
                        decide_after=dt.timedelta(hours=20), close_after=dt.timedelta(hours=30))
    survey = Survey.objects.get(complaint=complaint)
    body = client.post("/portal/status/", {"tracking_number": complaint.tracking_number,
                                           "phone_last4": "5678"}).content.decode()
    assert f"/portal/survey/{survey.token}/" in body
    assert client.post(f"/portal/survey/{survey.token}/", {"rating": "5", "comment": "满意"}).status_code == 200
    assert client.post(f"/portal/survey/{survey.token}/", {"rating": "1"}).status_code == 400
    survey.refresh_from_db()
    assert survey.rating == 5
    assert client.get("/portal/survey/not-a-token/").status_code == 404


def test_statistics_count_by_product_category_and_unit_within_scope(org: Any, agent: Any, make_user: Any,
                                                                    login_client: Any) -> None:
    make_complaint(org.haidian, actor=agent)
    make_complaint(org.beijing, actor=agent, product_line="credit_card")
    shanghai = make_user(Role.SERVICE_AGENT, unit="shanghai")
    make_complaint(org.shanghai, actor=shanghai)
    year = timezone.localdate().year
    response = login_client(agent).get("/service/statistics/", {"period": str(year)})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="stat-total">2<' in body
    assert "海淀支行" in body and "上海分行" not in body and "service-chart-data" in body


def test_the_list_count_stops_at_its_cap(org: Any, agent: Any) -> None:
    from finassure.service import selectors

    for _ in range(3):
        make_complaint(org.haidian, actor=agent)
    capped = selectors.CappedCount(selectors.complaint_list(actor=agent), cap=2)
    assert (capped.count(), capped.capped, len(capped[0:5])) == (2, True, 3)
    exact = selectors.CappedCount(selectors.complaint_list(actor=agent), cap=3)
    assert (exact.count(), exact.capped) == (3, False)
