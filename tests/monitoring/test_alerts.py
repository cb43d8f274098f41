"""Alerts: the queue by severity and age, scoping, assignment, bulk closing, review deadlines, export, API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finassure.monitoring import deadlines, selectors, triage
from finassure.monitoring.models import Alert, Case
from finassure.platform.errors import Conflict, NotFound, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import make_alert

pytestmark = pytest.mark.django_db


def test_the_queue_shows_high_severity_first_then_the_oldest(org: Any, analyst: Any) -> None:
    low = make_alert(org.haidian, severity="low")
    old_high = make_alert(org.haidian, severity="high")
    new_high = make_alert(org.haidian, severity="high")
    Alert.objects.filter(pk=new_high.pk).update(created_at=old_high.created_at + dt.timedelta(hours=1))
    assert list(selectors.alert_list(actor=analyst)) == [old_high, new_high, low]


def test_the_queue_hides_alerts_outside_the_callers_units(org: Any, analyst: Any) -> None:
    mine = make_alert(org.haidian)
    make_alert(org.shanghai)
    assert list(selectors.alert_list(actor=analyst)) == [mine]
    with pytest.raises(NotFound):
        selectors.alert_get(actor=analyst, pk=Alert.objects.get(org_unit=org.shanghai).pk)


def test_filters_narrow_the_queue(org: Any, analyst: Any) -> None:
    a = make_alert(org.haidian, severity="high", rule_id="fan_in")
    make_alert(org.haidian, severity="low")
    overdue = make_alert(org.haidian, due_date=dt.date(2020, 1, 2))
    f = selectors.AlertFilter.from_query
    assert list(selectors.alert_list(actor=analyst, filters=f({"severity": "high"}))) == [a]
    assert list(selectors.alert_list(actor=analyst, filters=f({"rule_id": "fan_in"}))) == [a]
    assert list(selectors.alert_list(actor=analyst, filters=f({"overdue": "1"}))) == [overdue]
    assert list(selectors.alert_list(actor=analyst, filters=f({"customer_id": a.customer_id}))) == [a]


def test_an_analyst_assigns_an_alert_to_a_colleague(org: Any, analyst: Any, checker: Any) -> None:
    alert = make_alert(org.haidian)
    triage.alert_assign(actor=analyst, alert=alert, assignee=checker)
    alert.refresh_from_db()
    assert alert.assignee == checker
    assert AuditEvent.objects.filter(action="alert.assigned", object_id=str(alert.pk)).exists()


def test_an_alert_is_not_assigned_to_someone_who_cannot_work_it(
    org: Any, analyst: Any, make_user: Any
) -> None:
    alert = make_alert(org.haidian)
    with pytest.raises(ValidationFailed):
        triage.alert_assign(actor=analyst, alert=alert, assignee=make_user("executive", unit="beijing"))


def test_bulk_close_marks_every_alert_a_false_positive_with_the_reason(org: Any, analyst: Any) -> None:
    alerts = [make_alert(org.haidian) for _ in range(3)]
    assert (
        triage.alert_bulk_close(actor=analyst, alert_ids=[a.pk for a in alerts], reason="工资代发，正常业务")
        == 3
    )
    for a in Alert.objects.all():
        assert (a.status, a.resolution, a.close_reason, a.closed_by) == (
            Alert.Status.CLOSED,
            Case.Disposition.FALSE_POSITIVE,
            "工资代发，正常业务",
            analyst,
        )
        assert a.reviewed_at is not None
    assert AuditEvent.objects.filter(action="alert.closed").count() == 3


def test_bulk_close_without_a_reason_closes_nothing(org: Any, analyst: Any) -> None:
    alert = make_alert(org.haidian)
    with pytest.raises(ValidationFailed):
        triage.alert_bulk_close(actor=analyst, alert_ids=[alert.pk], reason=" ")
    assert Alert.objects.get().status == Alert.Status.OPEN


def test_bulk_close_with_one_alert_outside_scope_closes_none(org: Any, analyst: Any) -> None:
    mine, theirs = make_alert(org.haidian), make_alert(org.shanghai)
    with pytest.raises(NotFound):
        triage.alert_bulk_close(actor=analyst, alert_ids=[mine.pk, theirs.pk], reason="正常经营往来")
    assert set(Alert.objects.values_list("status", flat=True)) == {Alert.Status.OPEN}


def test_bulk_close_refuses_alerts_already_in_a_case(org: Any, analyst: Any) -> None:
    alert = make_alert(org.haidian)
    triage.case_open_for_alert(actor=analyst, alert=alert)
    with pytest.raises(Conflict):
        triage.alert_bulk_close(actor=analyst, alert_ids=[alert.pk], reason="正常经营往来")


def test_the_review_deadline_counts_chinese_working_days() -> None:
    # 2025 National Day: 1–8 October off, Saturday 11 October a make-up working day.
    assert deadlines.review_due(dt.date(2025, 9, 30)) == dt.date(2025, 10, 14)
    assert deadlines.review_due(dt.date(2025, 11, 14)) == dt.date(2025, 11, 21)  # a plain week: Fri → Fri


def test_the_review_deadline_is_configurable(settings: Any) -> None:
    settings.FINASSURE_ALERT_REVIEW_WORKING_DAYS = 2
    assert deadlines.review_due(dt.date(2025, 11, 14)) == dt.date(2025, 11, 18)


def test_the_queue_page_needs_a_fixed_number_of_queries(org: Any, analyst: Any, login_client: Any) -> None:
    client = login_client(analyst)
    make_alert(org.haidian)
    client.get("/monitoring/alerts/")  # the first request of a session does its own bookkeeping
    with CaptureQueriesContext(connection) as few:
        assert client.get("/monitoring/alerts/").status_code == 200
    for _ in range(15):
        make_alert(org.haidian, assignee=analyst)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/monitoring/alerts/").status_code == 200
    assert len(many) == len(few)


def test_the_api_list_needs_a_fixed_number_of_queries(org: Any, analyst: Any, login_client: Any) -> None:
    client = login_client(analyst)
    make_alert(org.haidian)
    client.get("/api/v1/monitoring/alerts")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/monitoring/alerts").status_code == 200
    for _ in range(15):
        make_alert(org.haidian)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/monitoring/alerts").json()
    assert body["count"] == 16
    assert len(many) == len(few)


def test_the_queue_exports_to_excel(org: Any, analyst: Any, login_client: Any) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    alert = make_alert(org.haidian, severity="high")
    make_alert(org.shanghai)
    response = login_client(analyst).get("/monitoring/alerts/export.xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == alert.pk and rows[1][6] == alert.customer_id


def test_bulk_close_in_the_browser_needs_a_reason(org: Any, analyst: Any, login_client: Any) -> None:
    alert = make_alert(org.haidian)
    client = login_client(analyst)
    response = client.post("/monitoring/alerts/close/", {"alerts": [alert.pk], "reason": ""})
    assert response.status_code == 400
    assert Alert.objects.get().status == Alert.Status.OPEN
    response = client.post(
        "/monitoring/alerts/close/", {"alerts": [alert.pk], "reason": "正常经营往来，误报"}
    )
    assert response.status_code == 302 and Alert.objects.get().status == Alert.Status.CLOSED


def test_the_api_closes_alerts_and_refuses_an_empty_reason(org: Any, analyst: Any, login_client: Any) -> None:
    alert = make_alert(org.haidian)
    client = login_client(analyst)
    bad = client.post(
        "/api/v1/monitoring/alerts/close",
        {"alert_ids": [alert.pk], "reason": ""},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    ok = client.post(
        "/api/v1/monitoring/alerts/close",
        {"alert_ids": [alert.pk], "reason": "正常经营往来，误报"},
        content_type="application/json",
    )
    assert ok.json() == {"closed": 1}


def test_the_queue_count_stops_above_the_cap_and_says_so(
    org: Any, analyst: Any, login_client: Any, monkeypatch: Any
) -> None:
    from finassure.monitoring import selectors

    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 3)
    monkeypatch.setattr(selectors.CappedCount.__init__, "__defaults__", (3,))
    for _ in range(5):
        make_alert(org.haidian)
    queue = selectors.CappedCount(selectors.alert_list(actor=analyst), cap=3)
    assert (queue.count(), queue.capped, len(queue[:10])) == (4, True, 5)
    page = login_client(analyst).get("/monitoring/alerts/").content.decode()
    assert 'id="queue-capped"' in page and "More than 3 alerts match" in page
    exact = selectors.CappedCount(selectors.alert_list(actor=analyst), cap=10)
    assert (exact.count(), exact.capped) == (5, False)


def test_the_api_list_count_stops_above_the_cap_and_says_so(
    org: Any, analyst: Any, login_client: Any, monkeypatch: Any
) -> None:
    from finassure.platform import api

    monkeypatch.setattr(api, "LIST_COUNT_CAP", 3)
    for _ in range(5):
        make_alert(org.haidian, severity="low")
    client = login_client(analyst)
    body = client.get("/api/v1/monitoring/alerts?page_size=2&page=3").json()
    assert (body["count"], body["count_capped"], body["page"], len(body["items"])) == (3, True, 3, 1)
    monkeypatch.setattr(api, "LIST_COUNT_CAP", 5)
    body = client.get("/api/v1/monitoring/alerts").json()
    assert (body["count"], body["count_capped"], len(body["items"])) == (5, False, 5)


def test_the_api_list_filters_before_it_counts(org: Any, analyst: Any, login_client: Any, monkeypatch: Any) -> None:
    from finassure.platform import api

    monkeypatch.setattr(api, "LIST_COUNT_CAP", 3)
    for _ in range(4):
        make_alert(org.haidian, severity="low")
    high = make_alert(org.haidian, severity="high", rule_id="fan_in")
    make_alert(org.shanghai, severity="high", rule_id="fan_in")  # outside the analyst's units
    client = login_client(analyst)
    body = client.get("/api/v1/monitoring/alerts?severity=high&rule_id=fan_in").json()
    assert (body["count"], body["count_capped"]) == (1, False)
    assert [a["id"] for a in body["items"]] == [high.pk]
    assert client.get("/api/v1/monitoring/alerts?severity=low").json()["count_capped"] is True
    assert client.get("/api/v1/monitoring/alerts?status=closed").json() == {
        "items": [], "count": 0, "count_capped": False, "page": 1, "page_size": 50}


def test_the_api_list_takes_a_bounded_number_of_queries(
    org: Any, analyst: Any, login_client: Any
) -> None:
    client = login_client(analyst)
    client.get("/api/v1/monitoring/alerts")  # warm the session and the permission caches
    for _ in range(30):
        make_alert(org.haidian)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/monitoring/alerts?page_size=5")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/monitoring/alerts?page_size=30").json()["items"]) == 30
    assert len(many) == len(few)


@pytest.mark.parametrize("query", ["customer_id=%00", "rule_id=fan_in%00"])
def test_a_nul_character_in_a_filter_is_a_4xx_not_a_500(analyst: Any, login_client: Any, query: str) -> None:
    # PostgreSQL cannot compare with a NUL (psycopg refuses it): the platform answers 422 on every database
    response = login_client(analyst).get(f"/api/v1/monitoring/alerts?{query}")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [query.split("=")[0]]


def test_the_alert_page_shows_model_contributions_in_the_readers_language(
    org: Any, analyst: Any, login_client: Any
) -> None:
    alert = make_alert(org.haidian, rule_id="ml_account_risk", top_features=["two-way flows (0.40, +1.20)"],
                       top_features_zh=["双向资金往来 (0.40, +1.20)"])
    client = login_client(analyst)
    en = client.get(f"/monitoring/alerts/{alert.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    zh = client.get(f"/monitoring/alerts/{alert.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "two-way flows (0.40, +1.20)" in en and "双向资金往来" not in en
    assert "双向资金往来 (0.40, +1.20)" in zh and "two-way flows" not in zh
