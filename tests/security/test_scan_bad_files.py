"""Bad scanner files: truncated, of the wrong format, or too large get a clear error (naming the file and the
problem) and nothing is imported — no scan, no vulnerability, no finding."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from finassure.accounts.roles import Role
from finassure.platform.errors import PayloadTooLarge, ValidationFailed
from finassure.security import services
from finassure.security.models import Finding, Scan, Vulnerability
from tests.security.helpers import report

pytestmark = pytest.mark.django_db

SHIPPED = [
    "trivy/scheme_2_many_vulns.json",
    "trivy/legacy_many_vulns.json",
    "openvas/many_vuln.xml",
    "openvas/many_vuln.csv",
    "nessus/nessus_many_vuln.xml",
    "nessus/nessus_many_vuln.csv",
]


def _nothing_imported() -> bool:
    return not Scan.objects.exists() and not Vulnerability.objects.exists() and not Finding.objects.exists()


def _refusal(officer: Any, org: Any, name: str, data: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        services.scan_import(actor=officer, org_unit=org.haidian, file_name=name, data=data, scope="核心系统")
    assert _nothing_imported()
    return exc.value


@pytest.mark.parametrize("name", SHIPPED)
def test_a_truncated_report_is_refused_whole(org: Any, make_user: Any, name: str) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    data = report(name)
    cut = data[: len(data) * 2 // 3]
    if name.endswith(".csv"):
        cut = cut[: cut.rfind(b",")]  # a row cut off in the middle of a line
    error = _refusal(officer, org, name.split("/")[-1], cut)
    assert name.split("/")[-1] in str(error.message) and "nothing was imported" in str(error.message)
    assert error.extra["errors"] and all(e["message"] for e in error.extra["errors"])


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.xml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary"),
        ("report.json", json.dumps({"foo": [1, 2, 3]}).encode()),
        ("report.xml", b"<?xml version='1.0'?><html><body>not a scanner report</body></html>"),
        ("report.csv", "姓名,电话\n张三,13812345678\n".encode()),
        ("report.pdf", b"%PDF-1.7 ..."),
        ("report.json", b""),
    ],
)
def test_a_file_of_the_wrong_format_is_refused_with_a_clear_error(
    org: Any, make_user: Any, name: str, data: bytes
) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    error = _refusal(officer, org, name, data)
    assert name in str(error.message)
    assert error.extra["errors"][0]["message"]


def test_an_xml_entity_bomb_is_refused(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<report><results><result>&b;</result></results></report>"
    )
    _refusal(officer, org, "bomb.xml", bomb)


def test_a_huge_report_is_refused_before_parsing(org: Any, make_user: Any, monkeypatch: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    monkeypatch.setattr(services, "MAX_REPORT_BYTES", 1024)
    data = report("openvas/many_vuln.xml")
    assert len(data) > 1024
    with pytest.raises(PayloadTooLarge, match="larger than"):
        services.scan_import(actor=officer, org_unit=org.haidian, file_name="many.xml", data=data, scope="x")
    assert _nothing_imported()


def test_the_api_and_the_page_refuse_huge_and_broken_files(
    org: Any, make_user: Any, login_client: Any, monkeypatch: Any
) -> None:
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    monkeypatch.setattr(services, "MAX_REPORT_BYTES", 1024)
    payload = {
        "org_unit_id": org.haidian.pk,
        "scope": "核心系统",
        "file_name": "many.xml",
        "content_base64": base64.b64encode(report("openvas/many_vuln.xml")).decode(),
    }
    huge = client.post("/api/v1/scans", json.dumps(payload), content_type="application/json")
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"
    cut = report("trivy/scheme_2_many_vulns.json")[:500]
    broken = client.post(
        "/api/v1/scans",
        json.dumps({**payload, "file_name": "cut.json", "content_base64": base64.b64encode(cut).decode()}),
        content_type="application/json",
    )
    assert broken.status_code == 400 and "cut.json" in broken.json()["error"]["message"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        "/security/scans/import/",
        {
            "org_unit": org.haidian.pk,
            "scope": "核心系统",
            "file": SimpleUploadedFile("cut.json", cut, content_type="application/json"),
        },
    )
    assert page.status_code == 400 and "cut.json cannot be imported" in page.content.decode()
    assert _nothing_imported()
