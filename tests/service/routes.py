"""Persona-matrix routes of customer service: staff complaint pages, the API, and the public portal."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from finassure.accounts.roles import Perm
from finassure.service import perms
from tests.matrix import LOGIN, Route, everyone, perm, with_perm_else


def _complaint(ctx: Any) -> None:
    from tests.service.factories import make_complaint

    cache.clear()  # the portal's rate limits count per process; each matrix case starts afresh
    ctx.objects["complaint"] = make_complaint(ctx.org.haidian)


def _decided(ctx: Any) -> None:
    from finassure.service import services

    _accepted(ctx)
    services.complaint_decide(actor=ctx.objects["handler"], complaint=ctx.objects["complaint"], facts="f", basis="b",
                              reasons="r", remedies="m")


def _accepted(ctx: Any) -> None:
    from finassure.service import services
    from tests.service.factories import make_complaint
    from tests.support import create_user

    handler = create_user(ctx.org, role="service_agent", unit="haidian")
    complaint = make_complaint(ctx.org.haidian)
    services.complaint_accept(actor=handler, complaint=complaint)
    ctx.objects["complaint"] = complaint
    ctx.objects["handler"] = handler


def _paused(ctx: Any) -> None:
    from finassure.service import services

    _accepted(ctx)
    services.complaint_pause(actor=ctx.objects["handler"], complaint=ctx.objects["complaint"], reason="appraisal",
                             customer_notified=True)


def _notified(ctx: Any) -> None:
    from finassure.service import services

    _decided(ctx)
    services.complaint_notify(actor=ctx.objects["handler"], complaint=ctx.objects["complaint"], method="letter",
                              reference="函-1")


def _compensation(ctx: Any) -> None:
    from finassure.service import services
    from tests.support import create_user

    _complaint(ctx)
    proposer = create_user(ctx.org, role="service_agent", unit="haidian")
    ctx.objects["compensation"] = services.compensation_propose(actor=proposer, complaint=ctx.objects["complaint"],
                                                                amount=100, reason="退还手续费")


def _survey(ctx: Any) -> None:
    from finassure.service import services

    cache.clear()
    ctx.objects["survey"] = services.survey_create(kind="service", org_unit=ctx.org.haidian, touch_point="柜面")


def _import(ctx: Any) -> None:
    from finassure.service.models import ComplaintImport

    owner = ctx.persona or ctx.target
    ctx.objects["import"] = ComplaintImport.objects.create(
        created_by=owner, org_unit=owner.org_unit, file_name="登记簿.xlsx", total=1, imported=0, rejected=1,
        errors=[[2, "received_at", "Not a date"]], rejected_rows='[{"line": 2, "values": {"external_id": "X1"}}]')


def _faq(ctx: Any) -> None:
    from finassure.service.models import FaqArticle

    cache.clear()
    ctx.objects["faq"] = FaqArticle.objects.create(product_line="credit_card", question="信用卡年费怎么收取？",
                                                   answer="首年免年费，当年刷卡满6次免次年年费。")


def _portal_data(ctx: Any) -> dict[str, Any]:
    return {"kind": "complaint", "org_unit": ctx.org.haidian.pk, "product_line": "credit_card",
            "subject": "信用卡年费", "text": "未告知年费即扣款", "complainant_name": "李四",
            "complainant_phone": "13900001111"}


def _attachment(ctx: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.service.factories import make_complaint

    cache.clear()
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
    complaint = make_complaint(ctx.org.haidian, attachments=[SimpleUploadedFile("a.pdf", pdf)])
    ctx.objects["complaint"] = complaint
    ctx.objects["attachment"] = complaint.attachments.get()


def _rule(ctx: Any) -> None:
    from finassure.service.models import RoutingRule

    ctx.objects["rule"] = RoutingRule.objects.create(product_line="loan", target=ctx.org.head)


def _repeat(ctx: Any) -> None:
    """A complaint and an earlier one of the same complainant (the merge candidate), both in Haidian."""
    import datetime as dt

    from django.utils import timezone

    from tests.service.factories import make_complaint

    cache.clear()
    ctx.objects["primary"] = make_complaint(ctx.org.haidian, received_at=timezone.now() - dt.timedelta(days=2))
    ctx.objects["complaint"] = make_complaint(ctx.org.haidian)


def _complaint_url(ctx: Any, tail: str = "") -> str:
    return f"/service/complaints/{ctx.objects['complaint'].pk}/{tail}"


ROUTES = [
    # staff pages
    Route("service:complaint_list", "GET", lambda c: "/service/complaints/?status=registered", perm(perms.VIEW),
          LOGIN, build=_complaint),
    Route("service:complaint_export", "GET", lambda c: "/service/complaints/export.xlsx", perm(perms.VIEW), LOGIN,
          build=_complaint),
    Route("service:complaint_statistics", "GET", lambda c: "/service/statistics/?period=2026", perm(perms.VIEW), LOGIN,
          build=_complaint),
    Route("service:complaint_create", "GET", lambda c: "/service/complaints/new/", perm(perms.CREATE), LOGIN),
    Route("service:complaint_detail", "GET", _complaint_url, perm(perms.VIEW, scoped=True), LOGIN, build=_complaint),
    Route("service:complaint_reveal", "POST", lambda c: _complaint_url(c, "reveal/"),
          perm(Perm.PII_UNMASK, scoped=True), LOGIN, build=_complaint),
    Route("service:complaint_attach", "POST", lambda c: _complaint_url(c, "attachments/"),
          perm(perms.HANDLE, 400, scoped=True), LOGIN, build=_complaint),
    Route("service:attachment_download", "GET",
          lambda c: f"/service/attachments/{c.objects['attachment'].pk}/download/",
          perm(Perm.PII_UNMASK, scoped=True), LOGIN, build=_attachment),
    Route("service:complaint_action", "POST", lambda c: _complaint_url(c, "accept/"),
          perm(perms.HANDLE, 302, scoped=True), LOGIN, build=_complaint),
    Route("service:complaint_action", "POST", lambda c: _complaint_url(c, "merge/"),
          perm(perms.HANDLE, 302, scoped=True), LOGIN, build=_repeat,
          data=lambda c: {"merge-primary": c.objects["primary"].pk, "merge-reason": "同一事项重复投诉"}),
    Route("service:compensation_action", "POST",
          lambda c: f"/service/compensations/{c.objects['compensation'].pk}/approve/",
          perm(perms.APPROVE, 302, scoped=True), LOGIN,
          build=_compensation),
    Route("service:complaint_import", "GET", lambda c: "/service/imports/", perm(perms.IMPORT), LOGIN),
    Route("service:import_detail", "GET", lambda c: f"/service/imports/{c.objects['import'].pk}/",
          with_perm_else(perms.IMPORT, 200, 403), LOGIN, build=_import),
    Route("service:import_rejected", "GET", lambda c: f"/service/imports/{c.objects['import'].pk}/rejected.xlsx",
          with_perm_else(perms.IMPORT, 200, 403), LOGIN, build=_import),
    Route("service:classifier_retrain", "POST", lambda c: "/service/classifier/retrain/", perm(perms.CONFIGURE, 302),
          LOGIN),
    Route("service:faq_list", "GET", lambda c: "/service/faq/", perm(perms.CONFIGURE), LOGIN),
    Route("service:routing_rule_list", "GET", lambda c: "/service/routing/", perm(perms.CONFIGURE), LOGIN),
    Route("service:routing_rule_delete", "POST", lambda c: f"/service/routing/{c.objects['rule'].pk}/delete/",
          perm(perms.CONFIGURE, 302), LOGIN, build=_rule),
    Route("service:category_list", "GET", lambda c: "/service/categories/", perm(perms.CONFIGURE), LOGIN),
    # API
    Route("api:list_complaints", "GET", lambda c: "/api/v1/service/complaints", perm(perms.VIEW), 401, api=True,
          build=_complaint),
    Route("api:create_complaint", "POST", lambda c: "/api/v1/service/complaints", perm(perms.CREATE, 201, scoped=True),
          401, api=True, data=lambda c: {"org_unit_id": c.org.haidian.pk, "subject": "转账延迟", "text": "跨行转账三天未到账",
                                         "product_line": "payment", "category": "system-failure",
                                         "complainant_phone": "13700001111"}),
    Route("api:get_complaint", "GET", lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}",
          perm(perms.VIEW, scoped=True), 401, api=True, build=_complaint),
    Route("api:accept_complaint", "POST", lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/accept",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_complaint),
    Route("api:pause_complaint", "POST", lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/pause",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_accepted,
          data=lambda c: {"reason": "mediation", "customer_notified": True}),
    Route("api:resume_complaint", "POST", lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/resume",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_paused),
    Route("api:decide_complaint", "POST",
          lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/decision",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_accepted,
          data=lambda c: {"facts": "核实", "basis": "合同", "reasons": "理由", "remedies": "核查、调解、仲裁、诉讼"}),
    Route("api:notify_complaint", "POST",
          lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/notifications",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_decided,
          data=lambda c: {"method": "sms", "reference": "SMS-20261127-1"}),
    Route("api:close_complaint", "POST", lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/close",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_notified),
    Route("api:merge_complaint", "POST", lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/merge",
          perm(perms.HANDLE, scoped=True), 401, api=True, build=_repeat,
          data=lambda c: {"primary_id": c.objects["primary"].pk, "reason": "同一事项重复投诉"}),
    Route("api:list_attachments", "GET",
          lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/attachments",
          perm(perms.VIEW, scoped=True), 401, api=True, build=_attachment),
    Route("api:add_attachments", "POST",
          lambda c: f"/api/v1/service/complaints/{c.objects['complaint'].pk}/attachments",
          perm(perms.HANDLE, 400, scoped=True), 401, api=True, build=_complaint),
    Route("api:download_attachment", "GET",
          lambda c: f"/api/v1/service/attachments/{c.objects['attachment'].pk}/content",
          perm(Perm.PII_UNMASK, scoped=True), 401, api=True, build=_attachment),
    # customer portal: no login, the same for everyone
    Route("service:portal_home", "POST", lambda c: "/portal/", everyone(200), 200, data=_portal_data,
          build=_complaint),
    Route("service:portal_status", "POST", lambda c: "/portal/status/", everyone(200), 200, build=_complaint,
          data=lambda c: {"tracking_number": c.objects["complaint"].tracking_number, "phone_last4": "5678"}),
    Route("service:portal_faq", "GET", lambda c: "/portal/faq/?q=信用卡年费", everyone(200), 200, build=_faq),
    Route("service:portal_faq_vote", "POST", lambda c: f"/portal/faq/{c.objects['faq'].pk}/vote/", everyone(200), 200,
          build=_faq, data=lambda c: {"helpful": "yes"}),
    Route("service:portal_survey", "GET", lambda c: f"/portal/survey/{c.objects['survey'].token}/", everyone(200),
          200, build=_survey),
]
