"""Post-incident review: due date, five whys, corrective actions through the framework, closing rule, PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from finassure.accounts.roles import Role
from finassure.framework import selectors as framework_selectors
from finassure.framework import services as framework_services
from finassure.incidents import services
from finassure.incidents.models import PostIncidentReview, Status
from finassure.platform.errors import Conflict, ValidationFailed
from tests.incidents.helpers import make_resolved, make_review
from tests.incidents.pdftext import cid_text, page_count

pytestmark = pytest.mark.django_db

FILLED = {
    "impact": "网银登录失败约 40 分钟，影响客户 1,200 户",
    "detection": "监控告警与客服来电同时发现",
    "timeline_summary": "09:00 告警；09:10 确认；09:40 恢复",
    "whys": ["证书过期", "续期提醒发给了离职员工", "通知名单未随人事变动更新", "没有名单复核流程", "职责未明确"],
    "root_cause": "证书管理缺少责任人和复核机制",
    "lessons": "关键证书纳入统一监控，设置双人提醒",
}


def test_starting_the_review_puts_the_incident_under_review_due_seven_days_after_resolution(
        org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    incident = make_resolved(org.haidian)
    review = services.review_start(actor=officer, incident=incident)
    incident.refresh_from_db()
    assert incident.status == Status.UNDER_REVIEW
    assert review.due_on == timezone.localtime(incident.resolved_at).date() + dt.timedelta(days=7)
    with pytest.raises(Conflict):
        services.review_start(actor=officer, incident=incident)


def test_an_unresolved_incident_cannot_be_reviewed(org: Any, make_user: Any) -> None:
    from tests.incidents.helpers import make_incident

    with pytest.raises(Conflict):
        services.review_start(actor=make_user(Role.SECURITY_OFFICER, unit="beijing"),
                              incident=make_incident(org.haidian))
    assert PostIncidentReview.objects.count() == 0


def test_a_review_is_completed_only_when_filled_in(org: Any, make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    review = make_review(org.haidian)
    with pytest.raises(ValidationFailed) as exc:
        services.review_complete(actor=officer, review=review)
    assert {"impact", "root_cause", "whys"} <= set(exc.value.fields)
    with pytest.raises(ValidationFailed):
        services.review_update(actor=officer, review=review, whys=[f"why {i}" for i in range(6)])
    services.review_update(actor=officer, review=review, **FILLED)
    review = services.review_complete(actor=officer, review=review)
    assert review.state == PostIncidentReview.State.COMPLETED
    with pytest.raises(Conflict):
        services.review_update(actor=officer, review=review, lessons="改")


def test_the_incident_closes_only_after_its_corrective_actions_are_verified_and_closed(org: Any,
                                                                                     make_user: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    verifier = make_user(Role.QUALITY_MANAGER, unit="beijing")
    review = make_review(org.haidian)
    services.review_update(actor=officer, review=review, **FILLED)
    services.review_complete(actor=officer, review=review)
    action = services.review_action_open(actor=officer, review=review, title="整改：证书到期统一监控",
                                         description="", owner=owner, due=dt.date(2030, 1, 31))
    assert list(framework_selectors.corrective_actions_for(source=review)) == [action]
    with pytest.raises(Conflict, match="corrective actions"):
        services.incident_close(actor=officer, incident=review.incident)
    framework_services.corrective_action_complete(actor=owner, action=action, note="已接入统一监控平台")
    framework_services.corrective_action_verify(actor=verifier, action=action, effective=True, note="抽查有效")
    with pytest.raises(Conflict):  # verified but not yet closed
        services.incident_close(actor=officer, incident=review.incident)
    framework_services.corrective_action_close(actor=verifier, action=action)
    incident = services.incident_close(actor=officer, incident=review.incident)
    assert incident.status == Status.CLOSED and incident.closed_at is not None


def test_an_incident_cannot_close_before_its_review_is_completed(org: Any, make_user: Any) -> None:
    review = make_review(org.haidian)
    with pytest.raises(Conflict, match="review"):
        services.incident_close(actor=make_user(Role.SECURITY_OFFICER, unit="beijing"), incident=review.incident)


def test_the_review_pdf_renders_the_chinese_text_with_the_cid_font(org: Any, make_user: Any,
                                                                   login_client: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    review = make_review(org.haidian)
    services.review_update(actor=officer, review=review, **FILLED)
    services.review_action_open(actor=officer, review=review, title="整改：证书到期统一监控", description="",
                                owner=officer, due=dt.date(2030, 1, 31))
    response = login_client(officer).get(f"/incidents/{review.incident_id}/review/export.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    text = cid_text(pdf)
    for phrase in ("证书过期", "证书管理缺少责任人", "关键证书纳入统一监控", "整改：证书到期统一监控", "核心系统告警"):
        assert phrase in text, phrase
    assert page_count(pdf) >= 1


def test_the_word_export_is_html_with_the_review(org: Any, make_user: Any, login_client: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    review = make_review(org.haidian)
    services.review_update(actor=officer, review=review, **FILLED)
    response = login_client(officer).get(f"/incidents/{review.incident_id}/review/export.doc")
    assert response["Content-Type"].startswith("application/msword")
    assert "证书管理缺少责任人和复核机制" in response.content.decode()


def test_the_review_page_saves_the_five_whys(org: Any, make_user: Any, login_client: Any) -> None:
    officer = make_user(Role.SECURITY_OFFICER, unit="beijing")
    review = make_review(org.haidian)
    data = {k: v for k, v in FILLED.items() if k != "whys"}
    data.update({f"why{i + 1}": w for i, w in enumerate(FILLED["whys"])})
    response = login_client(officer).post(f"/incidents/{review.incident_id}/review/", data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.whys == FILLED["whys"]
    completed = login_client(officer).post(f"/incidents/{review.incident_id}/review/complete/")
    assert completed.status_code == 302
    review.refresh_from_db()
    assert review.state == PostIncidentReview.State.COMPLETED
