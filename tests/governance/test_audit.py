"""Internal audit: plans per quarter, engagements, findings that open the framework's corrective actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework import selectors as framework_selectors
from finassure.governance import selectors, services
from finassure.governance.models import Finding
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from tests.governance import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _finding(actor: Any, engagement: Any, owner: Any, **kwargs: Any) -> Finding:
    defaults: dict[str, Any] = {"title": "柜面双人复核缺失", "severity": "high", "condition": "抽查20笔，3笔无复核",
                                "recommendation": "落实双人复核", "owner": owner,
                                "due": TODAY + dt.timedelta(days=30)}
    return services.finding_create(actor=actor, engagement=engagement, **{**defaults, **kwargs})


def test_an_engagement_runs_from_plan_to_report(org: Any, auditor: Any) -> None:
    quarter = (TODAY.month - 1) // 3 + 1
    plan = services.audit_plan_create(actor=auditor, org_unit=org.beijing, year=TODAY.year, quarter=quarter,
                                      title="北京分行季度内部审计")
    engagement = services.engagement_create(actor=auditor, plan=plan, org_unit=org.haidian, title="海淀支行柜面审计",
                                            lead=auditor, starts_on=TODAY)
    services.engagement_start_fieldwork(actor=auditor, engagement=engagement)
    services.engagement_report(actor=auditor, engagement=engagement, reported_on=TODAY, conclusion="总体有效")
    engagement.refresh_from_db()
    assert (engagement.status, engagement.reported_on) == ("reported", TODAY)
    assert selectors.quarters_without_audit(actor=auditor, year=TODAY.year) == [
        q for q in (1, 2, 3, 4) if q != quarter]


def test_a_finding_opens_a_corrective_action_for_its_owner(org: Any, auditor: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    engagement = f.make_engagement(org.haidian, lead=auditor, status="fieldwork")
    finding = _finding(auditor, engagement, owner)
    actions = list(framework_selectors.corrective_actions_for(source=finding))
    assert len(actions) == 1
    assert (actions[0].owner, actions[0].due, actions[0].org_unit) == (owner, finding.due, org.haidian)


def test_it_refuses_a_finding_before_fieldwork_and_saves_nothing(org: Any, auditor: Any, make_user: Any) -> None:
    engagement = f.make_engagement(org.haidian, lead=auditor)
    with pytest.raises(Conflict):
        _finding(auditor, engagement, make_user(Role.EMPLOYEE, unit="haidian"))
    assert not Finding.objects.exists()


def test_the_owner_of_a_finding_works_in_the_audited_unit_and_is_not_the_auditor(org: Any, auditor: Any,
                                                                                 make_user: Any) -> None:
    engagement = f.make_engagement(org.haidian, lead=auditor, status="fieldwork")
    with pytest.raises(ValidationFailed):
        _finding(auditor, engagement, make_user(Role.EMPLOYEE, unit="shanghai"))
    with pytest.raises(ValidationFailed):
        _finding(auditor, engagement, auditor)
    with pytest.raises(ValidationFailed):
        _finding(auditor, engagement, make_user(Role.EMPLOYEE, unit="haidian"), due=TODAY)
    assert not Finding.objects.exists()


def test_an_engagement_starts_within_its_plans_quarter_and_is_led_by_an_auditor(org: Any, auditor: Any,
                                                                                make_user: Any) -> None:
    plan = services.audit_plan_create(actor=auditor, org_unit=org.beijing, year=2026, quarter=1, title="2026Q1")
    with pytest.raises(ValidationFailed):
        services.engagement_create(actor=auditor, plan=plan, org_unit=org.beijing, title="x", lead=auditor,
                                   starts_on=dt.date(2026, 4, 1))
    with pytest.raises(ValidationFailed):
        services.engagement_create(actor=auditor, plan=plan, org_unit=org.beijing, title="x",
                                   lead=make_user(Role.EMPLOYEE), starts_on=dt.date(2026, 2, 1))
    narrow = services.audit_plan_create(actor=auditor, org_unit=org.haidian, year=2026, quarter=1, title="海淀")
    with pytest.raises(ValidationFailed):
        services.engagement_create(actor=auditor, plan=narrow, org_unit=org.beijing, title="x", lead=auditor,
                                   starts_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationFailed):
        services.audit_plan_create(actor=auditor, org_unit=org.beijing, year=2026, quarter=1, title="again")


def test_only_internal_auditors_run_audits(org: Any, author: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.audit_plan_create(actor=author, org_unit=org.beijing, year=2026, quarter=1, title="x")


def test_a_report_needs_fieldwork_a_conclusion_and_a_past_date(org: Any, auditor: Any) -> None:
    today = timezone.localdate()  # at run time, in the institution's time zone (not at collection)
    engagement = f.make_engagement(org.haidian, lead=auditor, starts_on=today - dt.timedelta(days=5))
    with pytest.raises(Conflict):
        services.engagement_report(actor=auditor, engagement=engagement, reported_on=today, conclusion="x")
    services.engagement_start_fieldwork(actor=auditor, engagement=engagement)
    with pytest.raises(ValidationFailed):
        services.engagement_report(actor=auditor, engagement=engagement, reported_on=today, conclusion=" ")
    with pytest.raises(ValidationFailed):
        services.engagement_report(actor=auditor, engagement=engagement, reported_on=today + dt.timedelta(days=1),
                                   conclusion="x")
    with pytest.raises(ValidationFailed):
        services.engagement_report(actor=auditor, engagement=engagement, reported_on=today - dt.timedelta(days=6),
                                   conclusion="x")


def test_engagements_outside_the_callers_units_are_invisible(org: Any, make_user: Any) -> None:
    engagement = f.make_engagement(org.haidian)
    outsider = make_user(Role.INTERNAL_AUDITOR, unit="shanghai")
    assert not selectors.engagement_list(actor=outsider).exists()
    assert list(selectors.engagement_list(actor=make_user(Role.EXECUTIVE))) == [engagement]


def _pdf_text(content: bytes) -> str:
    """The text drawn with the CID font (UTF-16 big-endian strings in reportlab's ASCII85+Flate page streams)."""
    import base64
    import re
    import zlib

    text = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.S):
        raw = match.group(1).strip()
        try:
            stream = zlib.decompress(base64.a85decode(raw[:-2] if raw.endswith(b"~>") else raw))
        except ValueError:
            continue
        except zlib.error:
            continue
        for literal in re.findall(rb"\(((?:[^\\)]|\\.)*)\) Tj", stream, re.S):
            data = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                          else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m.group(1), m.group(1)), literal)
            if len(data) % 2 == 0:
                text.append(data.decode("utf-16-be", errors="replace"))
    return "".join(text)


def test_the_audit_report_pdf_renders_the_findings_in_chinese(org: Any, auditor: Any, login_client: Any,
                                                             make_user: Any) -> None:
    today = timezone.localdate()
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    engagement = f.make_engagement(org.haidian, lead=auditor, starts_on=today - dt.timedelta(days=5))
    services.engagement_start_fieldwork(actor=auditor, engagement=engagement)
    services.finding_create(actor=auditor, engagement=engagement, title="大额现金双人复核缺失", severity="high",
                            condition="抽查20笔，3笔无复核记录", recommendation="落实双人复核", owner=owner,
                            due=today + dt.timedelta(days=30))
    response = login_client(auditor).get(f"/governance/audits/{engagement.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"STSong-Light" in response.content
    text = _pdf_text(response.content)
    assert "大额现金双人复核缺失" in text and "落实双人复核" in text
