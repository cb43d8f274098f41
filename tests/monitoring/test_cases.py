"""Cases: one per customer, notes, dispositions closing the alerts, the transactions and the counterparty graph."""

from __future__ import annotations

from typing import Any

import pytest

from finassure.monitoring import services, triage
from finassure.monitoring.models import Alert, Case, Run
from finassure.platform.errors import Conflict, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import make_alert

pytestmark = pytest.mark.django_db


def test_alerts_of_one_customer_go_into_one_case(org: Any, analyst: Any) -> None:
    first = make_alert(org.haidian, customer_id="C77")
    second = make_alert(org.haidian, customer_id="C77", rule_id="fan_in")
    other = make_alert(org.haidian, customer_id="C78")
    case = triage.case_open_for_alert(actor=analyst, alert=first)
    assert set(case.alerts.all()) == {first, second}
    assert Alert.objects.get(pk=other.pk).case is None
    assert triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian, customer_id="C77")) == case
    assert AuditEvent.objects.filter(action="case.opened").count() == 1


def test_a_note_is_kept_and_audited(org: Any, analyst: Any) -> None:
    case = triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian))
    triage.case_note_add(actor=analyst, case=case, text="已调取客户身份资料，职业为个体工商户。")
    assert case.notes.get().author == analyst
    with pytest.raises(ValidationFailed):
        triage.case_note_add(actor=analyst, case=case, text="  ")


@pytest.mark.parametrize("disposition", list(Case.Disposition.values))
def test_a_disposition_closes_the_case_and_its_alerts(org: Any, analyst: Any, disposition: str) -> None:
    case = triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian))
    triage.case_dispose(actor=analyst, case=case, disposition=disposition, reason="核查结论见笔记")
    case.refresh_from_db()
    assert (case.status, case.disposition, case.disposed_by) == (Case.Status.CLOSED, disposition, analyst)
    assert set(case.alerts.values_list("status", "resolution")) == {(Alert.Status.CLOSED, disposition)}
    with pytest.raises(Conflict):
        triage.case_dispose(actor=analyst, case=case, disposition=disposition, reason="again")


def test_a_disposition_needs_a_known_value_and_a_reason(org: Any, analyst: Any) -> None:
    case = triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian))
    with pytest.raises(ValidationFailed):
        triage.case_dispose(actor=analyst, case=case, disposition="maybe", reason="核查结论见笔记")
    with pytest.raises(ValidationFailed):
        triage.case_dispose(actor=analyst, case=case, disposition="suspicious", reason="")
    assert Case.objects.get().status == Case.Status.OPEN


@pytest.fixture
def _store(engine_store: Any) -> None:
    """These tests read the session's small transaction store."""


def _imported(org: Any, analyst: Any) -> Run:
    return services.run_start(actor=analyst, org_unit=org.haidian)


@pytest.mark.usefixtures("_store")
def test_the_case_shows_the_transactions_behind_its_alerts(org: Any, analyst: Any, login_client: Any) -> None:
    _imported(org, analyst)
    alert = Alert.objects.filter(rule_id="pboc_lv_cash").first()
    assert alert is not None
    case = triage.case_open_for_alert(actor=analyst, alert=alert)
    client = login_client(analyst)
    page = client.get(f"/monitoring/cases/{case.pk}/transactions/")
    assert page.status_code == 200
    for txn_id in alert.txn_ids:
        assert txn_id in page.content.decode()
    graph = client.get(f"/monitoring/cases/{case.pk}/graph.json").json()
    assert alert.account_id in {n["id"] for n in graph["nodes"]}
    assert graph["links"] and all(link["value"] > 0 for link in graph["links"])
    detail = client.get(f"/monitoring/cases/{case.pk}/")
    assert b"case_graph.js" in detail.content and b"<script>" not in detail.content


@pytest.mark.usefixtures("_store")
def test_the_store_reader_returns_the_alert_transactions(org: Any, analyst: Any) -> None:
    _imported(org, analyst)
    alert = Alert.objects.exclude(txn_ids=[]).first()
    assert alert is not None
    rows = services.store_transactions(txn_ids=alert.txn_ids)
    assert sorted(r["txn_id"] for r in rows) == sorted(alert.txn_ids)
    assert services.store_transactions(txn_ids=[]) == []


def test_the_tuning_view_shows_each_rules_volume_and_suspicious_share(org: Any, analyst: Any) -> None:
    from finassure.monitoring import selectors

    for disposition in ("suspicious", "false_positive", "false_positive", "keep_monitoring"):
        case = triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian, rule_id="fan_in"))
        triage.case_dispose(actor=analyst, case=case, disposition=disposition, reason="核查结论见笔记")
    make_alert(org.haidian, rule_id="fan_in")
    make_alert(org.shanghai, rule_id="fan_in")  # outside the analyst's units
    row = next(r for r in selectors.rule_tuning(actor=analyst)["rows"] if r["rule_id"] == "fan_in")
    assert (row["total"], row["open"], row["suspicious"], row["false_positive"]) == (5, 1, 1, 2)
    assert row["suspicious_share"] == 25.0 and row["months"][-1] == 5
