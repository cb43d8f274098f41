"""Incident pages and API: report form with grading criteria, list filters and Excel, detail timers, HTMX
actions, query counts, bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.incidents.models import Incident, Status
from tests.incidents.helpers import make_incident

pytestmark = pytest.mark.django_db


def test_the_report_form_shows_the_grading_criteria_and_files_an_incident(org: Any, make_user: Any,
                                                                         login_client: Any) -> None:
    employee = make_user(Role.EMPLOYEE, unit="haidian")
    client = login_client(employee)
    page = client.get("/incidents/report/")
    assert page.status_code == 200
    assert "RMB 100 million" in page.content.decode()  # the criteria of 特别重大
    response = client.post("/incidents/report/", {
        "title": "ATM 吞卡", "incident_type": Incident._meta.get_field("incident_type").related_model.objects.get(
            code="operational").pk, "grade": "general", "org_unit": org.haidian.pk, "affected_customers": "1",
        "description": "海淀支行 2 号 ATM 吞卡",
    })
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"  # the reporter sees their own incident
    assert incident.reporter == employee


def test_a_report_with_missing_fields_answers_400_and_saves_nothing(org: Any, make_user: Any,
                                                                    login_client: Any) -> None:
    client = login_client(make_user(Role.EMPLOYEE, unit="haidian"))
    response = client.post("/incidents/report/", {"title": "", "grade": "nonsense"})
    assert response.status_code == 400
    assert Incident.objects.count() == 0


def test_the_list_filters_shows_timers_and_runs_a_fixed_number_of_queries(org: Any, make_user: Any,
                                                                           login_client: Any) -> None:
    now = timezone.now()
    for i in range(3):
        make_incident(org.haidian, title=f"网点断网 {i}", reported_at=now - dt.timedelta(hours=3))
    make_incident(org.haidian, title="已确认事件", grade="major", reported_at=now,
                  acknowledged_at=now, status=Status.ACKNOWLEDGED)
    client = login_client(make_user(Role.RISK_MANAGER, unit="beijing"))
    client.get("/incidents/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/incidents/")
    for i in range(10):
        make_incident(org.haidian, title=f"更多 {i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/incidents/")
    assert len(many) == len(few)
    body = page.content.decode()
    assert "overdue" in body and "met" in body
    filtered = client.get("/incidents/", {"grade": "major"}).content.decode()
    assert "已确认事件" in filtered and "网点断网" not in filtered
    overdue = client.get("/incidents/", {"timer": "overdue"}).content.decode()
    assert "网点断网 0" in overdue and "已确认事件" not in overdue


def test_the_excel_export_has_one_row_per_incident_in_scope(org: Any, make_user: Any, login_client: Any) -> None:
    from openpyxl import load_workbook

    make_incident(org.haidian, title="数据中心空调故障")
    make_incident(org.shanghai, title="上海的事件")
    client = login_client(make_user(Role.RISK_MANAGER, unit="beijing"))
    response = client.get("/incidents/export.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "数据中心空调故障"


def test_the_detail_shows_criteria_timers_and_timeline(org: Any, make_user: Any, login_client: Any) -> None:
    incident = make_incident(org.haidian, grade="serious")
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    body = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "RMB 5 million" in body  # 较大 criteria
    assert 'id="incident-timers"' in body and "min left" in body
    assert "Mark Acknowledged" in body


def test_an_htmx_step_swaps_the_panel_and_a_bad_one_shows_the_error(org: Any, make_user: Any,
                                                                    login_client: Any) -> None:
    incident = make_incident(org.haidian)
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    response = client.post(f"/incidents/{incident.pk}/transition/", {"to_status": "acknowledged"},
                           HTTP_HX_REQUEST="true", follow=True)
    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/incidents/{incident.pk}/transition/", {"to_status": "contained", "at": future})
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED


def test_a_note_from_someone_without_the_right_is_refused(org: Any, make_user: Any, login_client: Any) -> None:
    incident = make_incident(org.haidian)
    client = login_client(make_user(Role.INTERNAL_AUDITOR, unit="beijing"))
    assert client.post(f"/incidents/{incident.pk}/note/", {"text": "x"}).status_code == 403
    assert incident.events.count() == 0


def _bearer(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {account_services.token_create(actor=user, name='t', read_only=False)[1]}"}


def test_the_api_reports_steps_and_lists_with_timers(org: Any, make_user: Any, client: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    headers = _bearer(officer)
    created = client.post("/api/v1/incidents", json.dumps({
        "title": "支付通道超时", "incident_type": "outage", "grade": "major", "org_unit_id": org.haidian.pk,
    }), content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ack_timer"]["state"] == "running" and body["report_timer"]["due_at"] is not None
    stepped = client.post(f"/api/v1/incidents/{body['id']}/transition", json.dumps({"to_status": "acknowledged"}),
                          content_type="application/json", **headers)
    assert stepped.json()["ack_timer"]["state"] == "met"
    listed = client.get("/api/v1/incidents?status=acknowledged", **headers).json()
    assert [i["reference"] for i in listed["items"]] == [body["reference"]]
    timeline = client.get(f"/api/v1/incidents/{body['id']}/timeline", **headers).json()
    assert [e["to_status"] for e in timeline] == ["reported", "acknowledged"]


def test_the_api_refuses_bad_input_with_the_one_error_shape(org: Any, make_user: Any, client: Any) -> None:
    headers = _bearer(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    response = client.post("/api/v1/incidents", json.dumps({
        "title": "x", "incident_type": "no-such-type", "org_unit_id": org.haidian.pk,
    }), content_type="application/json", **headers)
    assert response.status_code == 400
    assert "incident_type" in response.json()["error"]["fields"]
    incident = make_incident(org.haidian)
    skipped = client.post(f"/api/v1/incidents/{incident.pk}/transition", json.dumps({"to_status": "resolved"}),
                          content_type="application/json", **headers)
    assert skipped.status_code == 409
    assert Incident.objects.count() == 1


def test_the_api_list_runs_a_fixed_number_of_queries(org: Any, make_user: Any, client: Any) -> None:
    headers = _bearer(make_user(Role.RISK_MANAGER, unit="beijing"))
    make_incident(org.haidian)
    client.get("/api/v1/incidents", **headers)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/incidents", **headers)
    for _ in range(8):
        make_incident(org.haidian)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/incidents", **headers).json()["count"] == 9
    assert len(many) == len(few)
