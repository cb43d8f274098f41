"""Vulnerability-scan import: every shipped real report, dedup across scans, re-test, refusals, pages and API."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finassure.accounts import services as account_services
from finassure.accounts.roles import Role
from finassure.platform.errors import Conflict, PayloadTooLarge, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.security import scanners, services
from finassure.security.models import Finding, Scan, Vulnerability
from tests.security.helpers import DATA, make_vulnerability, report

T0 = dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)

# (file, tool, findings, severities) counted by hand from the reports
EXPECTED = [
    ("trivy/scheme_2_many_vulns.json", "trivy", 5, {"critical": 1, "high": 1, "medium": 3}),
    ("trivy/scheme_2_no_vuln.json", "trivy", 0, {}),
    ("trivy/legacy_many_vulns.json", "trivy", 93, None),
    ("trivy/cvss_severity_source.json", "trivy", 2, None),
    ("trivy/kubernetes.json", "trivy", 20, None),
    ("trivy/misconfigurations_and_secrets.json", "trivy", 5, None),
    ("openvas/many_vuln.xml", "openvas", 44, None),
    ("openvas/one_vuln.xml", "openvas", 1, {"critical": 1}),
    ("openvas/no_vuln.xml", "openvas", 0, {}),
    ("openvas/report_detail_v2.xml", "openvas", 1, None),
    ("openvas/many_vuln.csv", "openvas", 4, None),
    ("openvas/report_using_CVE.csv", "openvas", 43, None),
    ("nessus/nessus_many_vuln.xml", "nessus", 7, {"info": 7}),
    ("nessus/nessus_many_vuln.csv", "nessus", 4, {"high": 1, "medium": 3}),
]


def test_every_shipped_report_is_covered() -> None:
    shipped = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.suffix in {".json", ".xml", ".csv"}}
    assert shipped == {name for name, *_ in EXPECTED}


@pytest.mark.parametrize(("name", "tool", "count", "severities"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_every_real_report_parses(name: str, tool: str, count: int, severities: dict[str, int] | None) -> None:
    parsed = scanners.parse(name, report(name))
    assert parsed.tool == tool
    assert len(scanners.unique(parsed.findings)) == count
    if severities is not None:
        assert Counter(f.severity for f in parsed.findings) == severities


def test_trivy_severity_comes_from_the_cvss_score_of_the_severity_source() -> None:
    parsed = scanners.parse("x.json", report("trivy/scheme_2_many_vulns.json"))
    freetype = next(f for f in parsed.findings if f.identifier == "CVE-2020-15999 freetype")
    # SeveritySource is nvd: V3Score 6.5 → medium (the redhat 8.6 is not used)
    assert (freetype.cvss, freetype.severity, freetype.cves) == (6.5, "medium", ("CVE-2020-15999",))


def test_openvas_findings_carry_host_port_and_cves() -> None:
    finding = scanners.parse("one.xml", report("openvas/one_vuln.xml")).findings[0]
    assert finding.asset == "10.0.101.2"
    assert finding.port == "general/tcp" and finding.cvss == 10.0
    assert "CVE-2023-4573" in finding.cves


@pytest.mark.parametrize(("content", "position", "fragment"), [
    (b'{"SchemaVersion": 2, "Results": [{"Target": "img", "Vulnerabilities": [', "line 1", "truncated"),
    (b"<report><results><result><host>10.0.0.1</host>", "line 1", "truncated"),
    (b"hello,world\n1,2\n", "line 1", "not a recognised report"),
    (b'{"SchemaVersion": 2, "Results": [{"Target": "img", "Vulnerabilities": [{"PkgName": "a"}]}]}',
     "Results[0].Vulnerabilities[0]", "VulnerabilityID is missing"),
    (b"asset,identifier,severity,cvss\nh1,CVE-1,high,7.5\nh2,CVE-2,high,eleven\nh3,,low,\n", "line 3",
     "is not a number"),
    (b"", "", "empty"),
])
def test_malformed_reports_are_refused_with_the_position(content: bytes, position: str, fragment: str) -> None:
    with pytest.raises(scanners.ReportRejected) as exc:
        scanners.parse("bad-report.x", content)
    assert str(exc.value).startswith("bad-report.x")
    first = exc.value.errors[0]
    assert first.position.startswith(position)
    assert fragment in str(exc.value)


def test_every_row_error_is_reported_not_only_the_first() -> None:
    content = b"asset,identifier,severity\nh1,CVE-1,high\n,CVE-2,high\nh3,CVE-3,bogus\nh4\n"
    with pytest.raises(scanners.ReportRejected) as exc:
        scanners.parse("list.csv", content)
    assert [e.position for e in exc.value.errors] == ["line 3", "line 4", "line 5"]


def test_refusals_read_in_the_uploaders_language() -> None:
    from django.utils import translation

    content = b"asset,identifier,severity\nh1,CVE-1,high\n,CVE-2,high\nh3,CVE-3,bogus\nh4\nh5,CVE-5,low\n"
    with translation.override("zh-hans"), pytest.raises(scanners.ReportRejected) as exc:
        scanners.parse("list.csv", content)
    assert [str(e) for e in exc.value.errors] == [
        "第 3 行: asset 和 identifier 为必填", "第 4 行: 未知的严重程度 'bogus'",
        "第 5 行: 有 1 个字段，而表头有 3 个；文件是否不完整？"]
    with translation.override("zh-hans"), pytest.raises(scanners.ReportRejected) as exc:
        scanners.parse("noise.xlsx", bytes(range(256)))
    assert str(exc.value.errors[0]) == "第 128 字节: 该文件不是 UTF-8 编码的文本"
    with translation.override("en"), pytest.raises(scanners.ReportRejected) as exc:
        scanners.parse("noise.xlsx", bytes(range(256)))
    assert str(exc.value.errors[0]) == "byte 128: the file is not UTF-8 text"


def test_xml_entity_expansion_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<report><name>&b;</name></report>")
    with pytest.raises(scanners.ReportRejected, match="refused unsafe XML"):
        scanners.parse("bomb.xml", bomb)


@pytest.mark.django_db
def test_importing_a_scan_records_vulnerabilities_with_deadlines_and_audit(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    scan = services.scan_import(actor=officer, org_unit=org.haidian, file_name="scheme_2_many_vulns.json",
                                data=report("trivy/scheme_2_many_vulns.json"), scope="teamdojo 镜像", now=T0)
    assert (scan.tool, scan.finding_count, scan.new_count, scan.scanned_at) == ("trivy", 5, 5, T0)
    critical = Vulnerability.objects.get(severity="critical")
    assert critical.due_on == dt.date(2026, 5, 4) + dt.timedelta(days=7)
    assert Vulnerability.objects.get(severity="high").due_on == dt.date(2026, 5, 4) + dt.timedelta(days=30)
    assert AuditEvent.objects.filter(action="scan.import", object_id=str(scan.pk)).exists()


@pytest.mark.django_db
def test_an_empty_report_imports_as_an_empty_scan(org: Any, make_user: Any) -> None:
    scan = services.scan_import(actor=make_user(Role.SECURITY_OFFICER, unit="beijing"), org_unit=org.haidian,
                                file_name="no_vuln.xml", data=report("openvas/no_vuln.xml"), scope="HP 打印机网段")
    assert scan.finding_count == 0 and Vulnerability.objects.count() == 0
    assert scan.scanned_at == dt.datetime(2023, 9, 25, 10, 46, 9, tzinfo=dt.UTC)  # from the report


@pytest.mark.django_db
def test_every_shipped_report_imports(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    for name, _tool, count, _ in EXPECTED:
        scan = services.scan_import(actor=officer, org_unit=org.haidian, file_name=name, data=report(name),
                                    scope=name, now=T0)
        assert scan.finding_count == count, name
    assert Scan.objects.count() == len(EXPECTED)


@pytest.mark.django_db
def test_reimport_deduplicates_and_a_retest_confirms_fixes(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    first = b"asset,identifier,title,severity\nweb01,CVE-2024-1,a,high\nweb01,CVE-2024-2,b,medium\n"
    second = b"asset,identifier,title,severity\nweb01,CVE-2024-1,a,high\nweb02,CVE-2024-3,c,low\n"
    services.scan_import(actor=officer, org_unit=org.haidian, file_name="q1.csv", data=first, scope="网银",
                         now=T0)
    later = T0 + dt.timedelta(days=30)
    retest = services.scan_import(actor=officer, org_unit=org.haidian, file_name="q2.csv", data=second,
                                  scope="网银", is_retest=True, now=later)
    assert Vulnerability.objects.count() == 3
    assert (retest.new_count, retest.fixed_count, retest.finding_count) == (1, 1, 2)
    kept = Vulnerability.objects.get(identifier="CVE-2024-1")
    assert kept.first_seen_at == T0 and kept.last_seen_at == later and kept.findings.count() == 2
    fixed = Vulnerability.objects.get(identifier="CVE-2024-2")
    assert fixed.status == "fixed" and fixed.fixed_at == later
    # found again later: reopened with a fresh deadline
    third = b"asset,identifier,title,severity\nweb01,CVE-2024-2,b,medium\n"
    again = services.scan_import(actor=officer, org_unit=org.haidian, file_name="q3.csv", data=third, scope="网银",
                                 now=later + dt.timedelta(days=1))
    fixed.refresh_from_db()
    assert (fixed.status, fixed.reopen_count, again.reopened_count) == ("open", 1, 1)


@pytest.mark.django_db
def test_a_bad_file_imports_nothing_and_names_the_rows(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    content = b"asset,identifier,severity\nh1,CVE-1,high\nh2,CVE-2,nonsense\n"
    with pytest.raises(ValidationFailed) as exc:
        services.scan_import(actor=officer, org_unit=org.haidian, file_name="bad.csv", data=content, scope="x")
    assert exc.value.extra["file"] == "bad.csv"
    assert exc.value.extra["errors"] == [{"position": "line 3", "message": "unknown severity 'nonsense'"}]
    assert Scan.objects.count() == 0 and Vulnerability.objects.count() == 0


@pytest.mark.django_db
def test_the_same_file_twice_too_large_a_file_or_the_wrong_unit_are_refused(org: Any, make_user: Any,
                                                                           monkeypatch: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    data = report("openvas/one_vuln.xml")
    services.scan_import(actor=officer, org_unit=org.haidian, file_name="one.xml", data=data, scope="dc01")
    with pytest.raises(Conflict):
        services.scan_import(actor=officer, org_unit=org.haidian, file_name="one.xml", data=data, scope="dc01")
    with pytest.raises(PermissionDenied):
        services.scan_import(actor=officer, org_unit=org.shanghai, file_name="one.xml", data=data, scope="dc01")
    monkeypatch.setattr(services, "MAX_REPORT_BYTES", 100)
    with pytest.raises(PayloadTooLarge):
        services.scan_import(actor=officer, org_unit=org.haidian, file_name="big.xml", data=data, scope="x")
    assert Scan.objects.count() == 1


@pytest.mark.django_db
def test_accepting_a_risk_needs_a_reason(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    vulnerability = make_vulnerability(org.haidian)
    with pytest.raises(ValidationFailed):
        services.vulnerability_set_status(actor=officer, vulnerability=vulnerability, status="accepted")
    services.vulnerability_set_status(actor=officer, vulnerability=vulnerability, status="accepted",
                                      note="内网隔离，风险管理委员会 2026-05 批准接受")
    vulnerability.refresh_from_db()
    assert vulnerability.status == "accepted"
    assert AuditEvent.objects.filter(action="vulnerability.accepted").exists()


@pytest.mark.django_db
def test_the_import_page_shows_the_row_errors(org: Any, make_user: Any, login_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    bad = SimpleUploadedFile("broken.json", b'{"Results": [{"Target": "x", "Vulnerabilities": [{}]}]}')
    response = client.post("/security/scans/import/", {"file": bad, "org_unit": org.haidian.pk, "scope": "镜像"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "broken.json" in body and "Results[0].Vulnerabilities[0]" in body
    good = SimpleUploadedFile("one_vuln.xml", report("openvas/one_vuln.xml"))
    response = client.post("/security/scans/import/", {"file": good, "org_unit": org.haidian.pk, "scope": "dc01"})
    assert response.status_code == 302
    assert "Mozilla Firefox" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_vulnerability_list_filters_exports_and_keeps_its_query_count(org: Any, make_user: Any,
                                                                          login_client: Any) -> None:
    from openpyxl import load_workbook

    make_vulnerability(org.haidian, severity="critical", identifier="CVE-2024-0001", due_on=dt.date(2020, 1, 1))
    make_vulnerability(org.haidian, severity="low", identifier="CVE-2024-0002")
    make_vulnerability(org.shanghai, severity="critical", identifier="CVE-2024-0003")
    client = login_client(make_user(Role.RISK_MANAGER, unit="beijing"))
    client.get("/security/vulnerabilities/")
    with CaptureQueriesContext(connection) as few:
        client.get("/security/vulnerabilities/")
    for i in range(5):
        make_vulnerability(org.haidian, identifier=f"CVE-2025-{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/security/vulnerabilities/")
    assert len(many) == len(few)
    overdue = client.get("/security/vulnerabilities/", {"overdue": "1"}).content.decode()
    assert "CVE-2024-0001" in overdue and "CVE-2024-0002" not in overdue
    sheet = load_workbook(io.BytesIO(client.get("/security/vulnerabilities/export.xlsx",
                                                {"severity": "critical"}).content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["CVE-2024-0001"]


@pytest.mark.django_db
def test_an_htmx_status_change_swaps_the_row(org: Any, make_user: Any, login_client: Any) -> None:
    vulnerability = make_vulnerability(org.haidian)
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    response = client.post(f"/security/vulnerabilities/{vulnerability.pk}/status/", {"status": "accepted"},
                           HTTP_HX_REQUEST="true")
    assert 'id="vuln-' in response.content.decode() and "reason" in response.content.decode()
    vulnerability.refresh_from_db()
    assert vulnerability.status == "open"


@pytest.mark.django_db
def test_the_api_imports_a_base64_report_and_lists_vulnerabilities(org: Any, make_user: Any, client: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    headers = {"HTTP_AUTHORIZATION": "Bearer " + account_services.token_create(actor=officer, name="ci",
                                                                                read_only=False)[1]}
    payload = {"org_unit_id": org.haidian.pk, "scope": "k8s 集群", "file_name": "kubernetes.json",
               "content_base64": base64.b64encode(report("trivy/kubernetes.json")).decode()}
    created = client.post("/api/v1/scans", json.dumps(payload), content_type="application/json", **headers)
    assert created.status_code == 201 and created.json()["finding_count"] == 20
    listed = client.get("/api/v1/vulnerabilities?severity=high", **headers).json()
    assert listed["count"] == 2
    payload["content_base64"] = base64.b64encode(b"<report><results>").decode()
    payload["file_name"] = "cut.xml"
    refused = client.post("/api/v1/scans", json.dumps(payload), content_type="application/json", **headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["errors"][0]["position"].startswith("line 1")
    assert Finding.objects.count() == 20
