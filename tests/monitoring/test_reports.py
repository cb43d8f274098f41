"""AML reports: suspicious drafts from suspicious cases, maker-checker filing, the CSV and XML files."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from finassure.monitoring import filing, triage
from finassure.monitoring.models import Case, LargeValueReport, ReportStatus
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import make_alert, make_lv_report

pytestmark = pytest.mark.django_db
NS = {"r": filing.NAMESPACE}


def _suspicious_case(org: Any, analyst: Any) -> Case:
    case = triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian, txn_ids=["T1", "T2"]))
    return triage.case_dispose(
        actor=analyst, case=case, disposition="suspicious", reason="资金快进快出，与身份不符"
    )


def test_a_suspicious_case_gets_a_report_draft_with_its_grounds(org: Any, analyst: Any) -> None:
    case = _suspicious_case(org, analyst)
    report = filing.suspicious_report_draft(
        actor=analyst, case=case, grounds="客户短期内大量资金分散转入集中转出。"
    )
    assert (report.status, report.drafted_by, report.org_unit) == (ReportStatus.DRAFT, analyst, org.haidian)
    with pytest.raises(Conflict):
        filing.suspicious_report_draft(
            actor=analyst, case=case, grounds="客户短期内大量资金分散转入集中转出。"
        )


def test_no_suspicious_report_from_a_case_not_found_suspicious(org: Any, analyst: Any) -> None:
    case = triage.case_open_for_alert(actor=analyst, alert=make_alert(org.haidian))
    triage.case_dispose(actor=analyst, case=case, disposition="keep_monitoring", reason="继续观察三个月")
    with pytest.raises(Conflict):
        filing.suspicious_report_draft(
            actor=analyst, case=case, grounds="客户短期内大量资金分散转入集中转出。"
        )


def test_grounds_are_required(org: Any, analyst: Any) -> None:
    with pytest.raises(ValidationFailed):
        filing.suspicious_report_draft(actor=analyst, case=_suspicious_case(org, analyst), grounds="可疑")


def test_the_drafter_cannot_approve_but_a_second_person_can(org: Any, analyst: Any, checker: Any) -> None:
    report = make_lv_report(org.haidian)
    filing.report_submit(actor=analyst, report=report)
    with pytest.raises(Conflict):
        filing.report_approve(actor=analyst, report=report)
    filing.report_approve(actor=checker, report=report)
    report.refresh_from_db()
    assert (report.status, report.drafted_by, report.approved_by) == (ReportStatus.FILED, analyst, checker)
    assert report.filed_at is not None
    actions = list(
        AuditEvent.objects.filter(object_id=str(report.pk), action__startswith="lv_report.")
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [("lv_report.submitted", analyst.pk), ("lv_report.approved", checker.pk)]


def test_the_database_refuses_an_approver_who_drafted(org: Any, analyst: Any) -> None:
    report = make_lv_report(org.haidian)
    with pytest.raises(IntegrityError), transaction.atomic():
        LargeValueReport.objects.filter(pk=report.pk).update(drafted_by=analyst, approved_by=analyst)


def test_a_checker_sends_a_report_back_with_a_reason(org: Any, analyst: Any, checker: Any) -> None:
    report = make_lv_report(org.haidian)
    filing.report_submit(actor=analyst, report=report)
    with pytest.raises(ValidationFailed):
        filing.report_reject(actor=checker, report=report, reason="")
    filing.report_reject(actor=checker, report=report, reason="请补充交易对手信息")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_approval_needs_the_filing_role(org: Any, analyst: Any, make_user: Any) -> None:
    report = make_lv_report(org.haidian)
    filing.report_submit(actor=analyst, report=report)
    with pytest.raises(PermissionDenied):
        filing.report_approve(actor=make_user("quality_manager", unit="beijing"), report=report)
    risk = make_user("risk_manager", unit="beijing")
    assert filing.report_approve(actor=risk, report=report).status == ReportStatus.FILED


def test_the_large_value_csv_lists_every_hit(org: Any) -> None:
    report = make_lv_report(org.haidian)
    rows = list(csv.DictReader(io.StringIO(filing.report_csv(report))))
    alert = report.alerts.get()
    assert list(rows[0]) == filing.LV_CSV_HEADERS
    assert len(rows) == 1
    assert (rows[0]["customer_id"], rows[0]["amount"], rows[0]["txn_ids"]) == (
        alert.customer_id,
        "60000.00",
        ";".join(alert.txn_ids),
    )


def test_the_large_value_xml_follows_the_documented_structure(org: Any, analyst: Any, checker: Any) -> None:
    report = make_lv_report(org.haidian)
    filing.report_submit(actor=analyst, report=report)
    report = filing.report_approve(actor=checker, report=report)
    root = ET.fromstring(filing.report_xml(report))  # noqa: S314 - our own output
    assert root.tag == f"{{{filing.NAMESPACE}}}LargeValueReport"
    assert {"id", "status", "dueDate", "reportDate"} <= set(root.attrib)
    assert root.find("r:Institution", NS).get("code") == org.institution.code
    assert root.find("r:Signatures/r:Drafter", NS).get("username") == analyst.username
    assert root.find("r:Signatures/r:Approver", NS).get("username") == checker.username
    hits = root.findall("r:Transactions/r:Hit", NS)
    alert = report.alerts.get()
    assert len(hits) == 1 and hits[0].get("rule") == "pboc_lv_cash" and hits[0].get("amount") == "60000.00"
    assert [t.text for t in hits[0].findall("r:TxnId", NS)] == alert.txn_ids


def test_the_suspicious_xml_carries_the_grounds_and_the_alerts(org: Any, analyst: Any) -> None:
    report = filing.suspicious_report_draft(
        actor=analyst, case=_suspicious_case(org, analyst), grounds="客户短期内大量资金分散转入集中转出。"
    )
    root = ET.fromstring(filing.report_xml(report))  # noqa: S314 - our own output
    assert root.tag == f"{{{filing.NAMESPACE}}}SuspiciousReport"
    assert root.find("r:Grounds", NS).text == "客户短期内大量资金分散转入集中转出。"
    assert root.find("r:Subject", NS).get("customerId") == report.case.customer_id
    alerts = root.findall("r:Alerts/r:Alert", NS)
    assert len(alerts) == 1 and [t.text for t in alerts[0].findall("r:TxnId", NS)] == ["T1", "T2"]


def test_an_analyst_works_an_alert_into_a_filed_suspicious_report_in_the_browser(
    org: Any, analyst: Any, checker: Any, client: Any
) -> None:
    from tests.support import verified_login

    alert = make_alert(org.haidian)
    verified_login(client, analyst)
    case_url = client.post(f"/monitoring/alerts/{alert.pk}/escalate/")["Location"]
    case_pk = int(case_url.rstrip("/").split("/")[-1])
    assert client.post(f"/monitoring/cases/{case_pk}/note/", {"text": "资金来源不明"}).status_code == 302
    assert (
        client.post(
            f"/monitoring/cases/{case_pk}/dispose/", {"disposition": "suspicious", "reason": "资金快进快出"}
        ).status_code
        == 302
    )
    assert client.post(f"/monitoring/cases/{case_pk}/report/", {"grounds": "短"}).status_code == 400
    report_url = client.post(
        f"/monitoring/cases/{case_pk}/report/",
        {"grounds": "客户账户短期内分散转入、集中转出，与其身份明显不符。"},
    )["Location"]
    assert client.post(f"{report_url}submit/").status_code == 302
    assert client.post(f"{report_url}approve/").status_code == 409  # the drafter may not approve
    client.logout()
    verified_login(client, checker)
    assert client.post(f"{report_url}approve/").status_code == 302
    xml = client.get(f"{report_url}export.xml")
    assert ET.fromstring(xml.content).get("status") == ReportStatus.FILED  # noqa: S314


def test_the_suspicious_report_pdf_renders_the_chinese_grounds_and_explanations(
    org: Any, analyst: Any, login_client: Any
) -> None:
    from tests.incidents.pdftext import cid_text, page_count

    case = _suspicious_case(org, analyst)
    report = filing.suspicious_report_draft(
        actor=analyst, case=case, grounds="客户短期内大量资金分散转入集中转出。"
    )
    response = login_client(analyst).get(f"/monitoring/reports/str/{report.pk}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="suspicious-report-{report.pk}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF") and b"/STSong-Light" in pdf and page_count(pdf) == 1
    text = cid_text(pdf)
    assert "客户短期内大量资金分散转入集中转出。" in text  # the grounds
    assert "拆分交易" in text  # the alert's explanation in Chinese
    assert "测试银行" in text and "海淀支行" in text  # institution and unit names
    assert case.customer_id in text


def test_the_large_value_pdf_lists_each_hit_and_both_signatures(org: Any, analyst: Any, checker: Any) -> None:
    from tests.incidents.pdftext import cid_text

    report = make_lv_report(org.haidian)
    make_alert(
        org.haidian,
        rule_id="pboc_lv_entity_transfer",
        date=report.report_date,
        lv_report=report,
        value=2_500_000.0,
        threshold=2_000_000.0,
        customer_id="C-企业甲",
    )
    filing.report_submit(actor=analyst, report=report)
    filing.report_approve(actor=checker, report=report)
    report.refresh_from_db()
    with translation.override("en"):
        text = cid_text(filing.report_pdf(report))
    assert "Large-value transaction report" in text and "Approved and filed" in text
    assert "2500000.00" in text and "2000000.00" in text and "60000.00" in text
    assert "C-企业甲" in text and "2026-03-02" in text
    assert analyst.get_username() in text and checker.get_username() in text


def test_an_unknown_export_format_is_not_found(org: Any, analyst: Any, login_client: Any) -> None:
    report = make_lv_report(org.haidian)
    assert login_client(analyst).get(f"/monitoring/reports/lv/{report.pk}/export.docx").status_code == 404
