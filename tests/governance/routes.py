"""Persona-matrix routes of governance: processes, policies and versions, coverage, attestation, positions,
regulations and internal audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from finassure.accounts.roles import ROLE_PERMISSIONS
from finassure.governance.models import Regulation
from finassure.governance.permissions import (
    APPROVE_POLICY,
    APPROVE_PRODUCT,
    MANAGE_AUDIT,
    MANAGE_POLICY,
    MANAGE_PRODUCT,
    MANAGE_RISK,
    REVIEW_CONSUMER_PROTECTION,
    REVIEW_PRODUCT,
    VIEW_AUDIT,
    VIEW_POLICY,
    VIEW_PRODUCT,
    VIEW_RISK,
)
from tests.governance import factories as f
from tests.matrix import INSIDE, LOGIN, Ctx, Route, perm


def visible_then(permission: str, ok: int) -> Callable[[str, str], int]:
    """Record routes everyone may see: from outside the record does not exist (404); inside, `permission`."""

    def expect(role: str, place: str) -> int:
        if place != INSIDE:
            return 404
        return ok if permission in ROLE_PERMISSIONS[role] else 403

    return expect


def form_in_scope(permission: str, ok: int) -> Callable[[str, str], int]:
    """Form posts naming a record in Beijing: from outside the choice is not offered (400)."""

    def expect(role: str, place: str) -> int:
        if permission not in ROLE_PERMISSIONS[role]:
            return 403
        return ok if place == INSIDE else 400

    return expect


def today() -> str:
    return timezone.localdate().isoformat()


def later(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _policy(status: str = "effective", **kwargs: Any) -> Callable[[Ctx], None]:
    def build(ctx: Ctx) -> None:
        ctx.objects["policy"] = f.make_policy(ctx.org.haidian, status=status, **kwargs)
        ctx.objects["version"] = ctx.objects["policy"].versions.get()
    return build


def _reviewed(ctx: Ctx) -> None:
    _policy("review", reviewer=f.make_author(ctx.org.haidian))(ctx)


def _two_versions(ctx: Ctx) -> None:
    _policy()(ctx)
    policy = ctx.objects["policy"]
    ctx.objects["v2"] = policy.versions.create(number=2, body="第一条 总则（修订）。", author=policy.versions.get().author)


def _own_attestation(ctx: Ctx) -> None:
    ctx.objects["attestation"] = f.make_attestation(ctx.persona or ctx.target, ctx.org.haidian)


def _positions(ctx: Ctx) -> None:
    ctx.objects["a"] = f.make_position(ctx.org.haidian)
    ctx.objects["b"] = f.make_position(ctx.org.haidian)


def _article(ctx: Ctx) -> None:
    _policy()(ctx)
    ctx.objects["article"] = Regulation.objects.get(code="cbirc-2020-3").articles.first()


def _engagement(status: str = "planned") -> Callable[[Ctx], None]:
    def build(ctx: Ctx) -> None:
        ctx.objects["engagement"] = f.make_engagement(ctx.org.haidian, status=status)
    return build


def _risk(ctx: Ctx) -> None:
    ctx.objects["risk"] = f.make_risk(ctx.org.haidian, owner=ctx.persona or ctx.target)
    ctx.objects["kri"] = f.make_kri(ctx.objects["risk"])


def _coded_kri(ctx: Ctx) -> None:
    _risk(ctx)
    ctx.objects["kri"].code = "err-rate"
    ctx.objects["kri"].save(update_fields=["code"])


def _kri_values_file(ctx: Ctx) -> dict[str, Any]:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["KRI code", "Measured on", "Value"])
    book.active.append(["err-rate", timezone.localdate(), 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return {"file": SimpleUploadedFile("kri-values.xlsx", buffer.getvalue())}


def _kri_importer(role: str, place: str) -> int:
    """KRI import: risk managers; from outside, the KRI of the file is not theirs — a row error (400)."""
    if MANAGE_RISK not in ROLE_PERMISSIONS[role]:
        return 403
    return 200 if place == INSIDE else 400


def _control(ctx: Ctx) -> None:
    ctx.objects["control"] = f.make_control(ctx.org.haidian)


def _tester(role: str, place: str) -> int:
    """Control tests: risk managers and internal auditors, inside; others see the control but may not test."""
    perms = ROLE_PERMISSIONS[role]
    if VIEW_RISK not in perms:
        return 403
    if place != INSIDE:
        return 404
    return 302 if perms & {MANAGE_RISK, MANAGE_AUDIT} else 403


def _line(ctx: Ctx) -> None:
    ctx.objects["line"] = f.line(ctx.org.haidian)


def _product(status: str = "draft", reviews: bool = False) -> Callable[[Ctx], None]:
    def build(ctx: Ctx) -> None:
        ctx.objects["product"] = f.make_product(ctx.org.haidian, status=status, reviews=reviews)
    return build


def _consumer_reviewer(role: str, place: str) -> int:
    """The consumer-protection review: only consumer-protection officers, inside; other reviewers are refused."""
    perms = ROLE_PERMISSIONS[role]
    if REVIEW_PRODUCT not in perms:
        return 403
    if place != INSIDE:
        return 404
    return 302 if REVIEW_CONSUMER_PROTECTION in perms else 403


def _consumer_review_data(ctx: Ctx) -> dict[str, Any]:
    return {"consumer-item_disclosure": "yes", "consumer-item_suitability": "yes", "consumer-item_fees": "yes",
            "consumer-item_marketing": "yes", "consumer-result": "pass", "consumer-comment": ""}


def _consumer_reviewer_api(role: str, place: str) -> int:
    status = _consumer_reviewer(role, place)
    return 201 if status == 302 else status


G = "/governance"
A = "/api/v1/governance"

ROUTES = [
    # processes
    Route("governance:process_list", "GET", lambda c: f"{G}/processes/", perm(VIEW_POLICY), LOGIN),
    Route("governance:process_create", "GET", lambda c: f"{G}/processes/new/", perm(MANAGE_POLICY), LOGIN),
    Route("governance:process_seed", "POST", lambda c: f"{G}/processes/defaults/", form_in_scope(MANAGE_POLICY, 302),
          LOGIN, build=_line,
          data=lambda c: {"org_unit": c.org.haidian.pk, "business_line": c.objects["line"].pk}),
    Route("governance:process_import", "POST", lambda c: f"{G}/processes/import/", perm(MANAGE_POLICY, 400), LOGIN),
    # policies and versions
    Route("governance:policy_list", "GET", lambda c: f"{G}/policies/", perm(VIEW_POLICY), LOGIN),
    Route("governance:policy_create", "GET", lambda c: f"{G}/policies/new/", perm(MANAGE_POLICY), LOGIN),
    Route("governance:policy_detail", "GET", lambda c: f"{G}/policies/{c.objects['policy'].pk}/",
          perm(VIEW_POLICY, scoped=True), LOGIN, build=_policy()),
    Route("governance:policy_edit", "GET", lambda c: f"{G}/policies/{c.objects['policy'].pk}/edit/",
          perm(MANAGE_POLICY, scoped=True), LOGIN, build=_policy()),
    Route("governance:version_create", "GET", lambda c: f"{G}/policies/{c.objects['policy'].pk}/versions/new/",
          perm(MANAGE_POLICY, scoped=True), LOGIN, build=_policy()),
    Route("governance:policy_retire", "POST", lambda c: f"{G}/policies/{c.objects['policy'].pk}/retire/",
          perm(MANAGE_POLICY, 302, scoped=True), LOGIN, build=_policy(), data=lambda c: {"on": today()}),
    Route("governance:policy_review", "POST", lambda c: f"{G}/policies/{c.objects['policy'].pk}/review/",
          perm(APPROVE_POLICY, 302, scoped=True), LOGIN, build=_policy(),
          data=lambda c: {"reviewed_on": today(), "outcome": "keep", "next_review": later(365)}),
    Route("governance:version_diff", "GET", lambda c: f"{G}/versions/{c.objects['v2'].pk}/diff/",
          perm(VIEW_POLICY, scoped=True), LOGIN, build=_two_versions),
    Route("governance:version_action", "POST", lambda c: f"{G}/versions/{c.objects['version'].pk}/submit/",
          visible_then(MANAGE_POLICY, 302), LOGIN, build=_policy("draft")),
    Route("governance:coverage", "GET", lambda c: f"{G}/coverage/", perm(VIEW_POLICY), LOGIN),
    # attestation
    Route("governance:my_attestations", "GET", lambda c: f"{G}/attestations/", perm(VIEW_POLICY), LOGIN),
    Route("governance:attestation_read", "GET", lambda c: f"{G}/attestations/{c.objects['attestation'].pk}/",
          perm(VIEW_POLICY), LOGIN, build=_own_attestation),
    Route("governance:attestation_confirm", "POST",
          lambda c: f"{G}/attestations/{c.objects['attestation'].pk}/confirm/", perm(VIEW_POLICY, 302), LOGIN,
          build=_own_attestation),
    # positions
    Route("governance:position_list", "GET", lambda c: f"{G}/positions/", perm(VIEW_POLICY), LOGIN),
    Route("governance:position_create", "GET", lambda c: f"{G}/positions/new/", perm(MANAGE_POLICY), LOGIN),
    Route("governance:incompatible_create", "POST", lambda c: f"{G}/positions/incompatible/",
          form_in_scope(MANAGE_POLICY, 302), LOGIN, build=_positions,
          data=lambda c: {"first": c.objects["a"].pk, "second": c.objects["b"].pk, "reason": "经办与复核"}),
    # regulations
    Route("governance:regulation_list", "GET", lambda c: f"{G}/regulations/", perm(VIEW_POLICY), LOGIN),
    Route("governance:regulation_detail", "GET",
          lambda c: f"{G}/regulations/{Regulation.objects.get(code='cbirc-2020-3').pk}/", perm(VIEW_POLICY), LOGIN),
    Route("governance:article_map", "POST", lambda c: f"{G}/articles/{c.objects['article'].pk}/map/",
          form_in_scope(MANAGE_POLICY, 302), LOGIN, build=_article,
          data=lambda c: {"policy": c.objects["policy"].pk}),
    # internal audit
    Route("governance:engagement_list", "GET", lambda c: f"{G}/audits/", perm(VIEW_AUDIT), LOGIN),
    Route("governance:plan_create", "GET", lambda c: f"{G}/audits/plans/new/", perm(MANAGE_AUDIT), LOGIN),
    Route("governance:engagement_create", "GET", lambda c: f"{G}/audits/new/", perm(MANAGE_AUDIT), LOGIN),
    Route("governance:engagement_detail", "GET", lambda c: f"{G}/audits/{c.objects['engagement'].pk}/",
          perm(VIEW_AUDIT, scoped=True), LOGIN, build=_engagement()),
    Route("governance:engagement_report_pdf", "GET", lambda c: f"{G}/audits/{c.objects['engagement'].pk}/report.pdf",
          perm(VIEW_AUDIT, scoped=True), LOGIN, build=_engagement("fieldwork")),
    Route("governance:engagement_action", "POST", lambda c: f"{G}/audits/{c.objects['engagement'].pk}/fieldwork/",
          perm(MANAGE_AUDIT, 302, scoped=True), LOGIN, build=_engagement()),
    Route("governance:finding_create", "POST", lambda c: f"{G}/audits/{c.objects['engagement'].pk}/findings/",
          perm(MANAGE_AUDIT, 302, scoped=True), LOGIN, build=_engagement("fieldwork"),
          data=lambda c: {"title": "柜面双人复核缺失", "severity": "high", "condition": "抽查20笔，3笔无复核记录",
                          "recommendation": "落实双人复核", "owner": c.target.pk, "due": later(60)}),
    # risk register
    Route("governance:risk_list", "GET", lambda c: f"{G}/risks/", perm(VIEW_RISK), LOGIN),
    Route("governance:risk_create", "GET", lambda c: f"{G}/risks/new/", perm(MANAGE_RISK), LOGIN),
    Route("governance:risk_detail", "GET", lambda c: f"{G}/risks/{c.objects['risk'].pk}/",
          perm(VIEW_RISK, scoped=True), LOGIN, build=_risk),
    Route("governance:risk_edit", "GET", lambda c: f"{G}/risks/{c.objects['risk'].pk}/edit/",
          perm(MANAGE_RISK, scoped=True), LOGIN, build=_risk),
    Route("governance:risk_accept", "POST", lambda c: f"{G}/risks/{c.objects['risk'].pk}/accept/",
          perm(VIEW_RISK, 302, scoped=True), LOGIN, build=_risk, data=lambda c: {"note": "接受剩余风险"}),
    Route("governance:kri_create", "POST", lambda c: f"{G}/risks/{c.objects['risk'].pk}/kris/",
          perm(MANAGE_RISK, 302, scoped=True), LOGIN, build=_risk,
          data=lambda c: {"name": "柜面差错率", "unit": "‰", "higher_is_worse": "on", "warning": "2", "limit": "3"}),
    Route("governance:kri_value", "POST", lambda c: f"{G}/kris/{c.objects['kri'].pk}/values/",
          perm(MANAGE_RISK, 302, scoped=True), LOGIN, build=_risk,
          data=lambda c: {"measured_on": today(), "value": "9"}),
    Route("governance:kri_link", "GET", lambda c: f"{G}/kris/{c.objects['kri'].pk}/link/",
          perm(MANAGE_RISK, scoped=True), LOGIN, build=_risk),
    Route("governance:kri_link", "POST", lambda c: f"{G}/kris/{c.objects['kri'].pk}/link/",
          perm(MANAGE_RISK, 302, scoped=True), LOGIN, build=_risk, data=lambda c: {"code": "err-rate"}),
    Route("governance:kri_import", "GET", lambda c: f"{G}/kris/import/", perm(MANAGE_RISK), LOGIN),
    Route("governance:kri_import", "POST", lambda c: f"{G}/kris/import/", _kri_importer, LOGIN, build=_coded_kri,
          data=_kri_values_file),
    Route("governance:control_list", "GET", lambda c: f"{G}/controls/", perm(VIEW_RISK), LOGIN),
    Route("governance:control_create", "GET", lambda c: f"{G}/controls/new/", perm(MANAGE_RISK), LOGIN),
    Route("governance:control_detail", "GET", lambda c: f"{G}/controls/{c.objects['control'].pk}/",
          perm(VIEW_RISK, scoped=True), LOGIN, build=_control),
    Route("governance:control_test", "POST", lambda c: f"{G}/controls/{c.objects['control'].pk}/tests/", _tester,
          LOGIN, build=_control,
          data=lambda c: {"tested_on": today(), "result": "deficient", "evidence": "抽查10笔，2笔无复核签章"}),
    # products
    Route("governance:product_list", "GET", lambda c: f"{G}/products/", perm(VIEW_PRODUCT), LOGIN),
    Route("governance:product_create", "GET", lambda c: f"{G}/products/new/", perm(MANAGE_PRODUCT), LOGIN),
    Route("governance:product_detail", "GET", lambda c: f"{G}/products/{c.objects['product'].pk}/",
          perm(VIEW_PRODUCT, scoped=True), LOGIN, build=_product()),
    Route("governance:product_edit", "GET", lambda c: f"{G}/products/{c.objects['product'].pk}/edit/",
          perm(MANAGE_PRODUCT, scoped=True), LOGIN, build=_product()),
    Route("governance:product_action", "POST", lambda c: f"{G}/products/{c.objects['product'].pk}/submit/",
          perm(MANAGE_PRODUCT, 302, scoped=True), LOGIN, build=_product()),
    Route("governance:product_review", "POST", lambda c: f"{G}/products/{c.objects['product'].pk}/reviews/consumer/",
          _consumer_reviewer, LOGIN, build=_product("review"), data=_consumer_review_data),
    Route("governance:product_decide", "POST", lambda c: f"{G}/products/{c.objects['product'].pk}/decision/",
          perm(APPROVE_PRODUCT, 302, scoped=True), LOGIN, build=_product("review", reviews=True),
          data=lambda c: {"decision": "approve", "note": "三项审查均通过，同意上线。", "post_launch_review_due": later(90),
                          "condition_1": "上线前完成销售人员培训", "condition_1_owner": c.target.pk,
                          "condition_1_due": later(30)}),
    Route("governance:product_post_launch", "POST",
          lambda c: f"{G}/products/{c.objects['product'].pk}/post-launch-review/",
          perm(APPROVE_PRODUCT, 302, scoped=True), LOGIN, build=_product("launched"),
          data=lambda c: {"held_on": today(), "note": "销售平稳，投诉可控。"}),
    Route("governance:register_import", "POST", lambda c: f"{G}/registers/risks/import/", perm(MANAGE_RISK, 400),
          LOGIN),
    Route("api:governance_list_products", "GET", lambda c: f"{A}/products", perm(VIEW_PRODUCT), 401, api=True),
    Route("api:governance_get_product", "GET", lambda c: f"{A}/products/{c.objects['product'].pk}",
          perm(VIEW_PRODUCT, scoped=True), 401, build=_product(), api=True),
    Route("api:governance_create_product", "POST", lambda c: f"{A}/products", perm(MANAGE_PRODUCT, 201, scoped=True),
          401, api=True, data=lambda c: {"org_unit_id": c.org.haidian.pk, "code": "hd-wm-01", "name": "海淀稳健理财",
                                         "product_line": "wealth_management"}),
    Route("api:governance_submit_product", "POST", lambda c: f"{A}/products/{c.objects['product'].pk}/submit",
          perm(MANAGE_PRODUCT, 200, scoped=True), 401, build=_product(), api=True),
    Route("api:governance_review_product", "POST",
          lambda c: f"{A}/products/{c.objects['product'].pk}/reviews/consumer", _consumer_reviewer_api, 401,
          build=_product("review"), api=True,
          data=lambda c: {"checklist": {"disclosure": True, "suitability": True, "fees": True, "marketing": True},
                          "result": "pass"}),
    Route("api:governance_decide_product", "POST", lambda c: f"{A}/products/{c.objects['product'].pk}/decision",
          perm(APPROVE_PRODUCT, 200, scoped=True), 401, build=_product("review", reviews=True), api=True,
          data=lambda c: {"approve": True, "note": "同意上线", "post_launch_review_due": later(90)}),
    # API
    Route("api:governance_list_processes", "GET", lambda c: f"{A}/processes", perm(VIEW_POLICY), 401, api=True),
    Route("api:governance_create_process", "POST", lambda c: f"{A}/processes", perm(MANAGE_POLICY, 201, scoped=True),
          401, build=_line, api=True,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "business_line_id": c.objects["line"].pk,
                          "code": "counter", "name": "柜面服务"}),
    Route("api:governance_list_policies", "GET", lambda c: f"{A}/policies", perm(VIEW_POLICY), 401, api=True),
    Route("api:governance_get_policy", "GET", lambda c: f"{A}/policies/{c.objects['policy'].pk}",
          perm(VIEW_POLICY, scoped=True), 401, build=_policy(), api=True),
    Route("api:governance_create_policy", "POST", lambda c: f"{A}/policies", perm(MANAGE_POLICY, 201, scoped=True),
          401, api=True, data=lambda c: {"org_unit_id": c.org.haidian.pk, "code": "HD-001", "title": "柜面操作规程",
                                         "kind": "procedure", "body": "第一条"}),
    Route("api:governance_create_version", "POST", lambda c: f"{A}/policies/{c.objects['policy'].pk}/versions",
          visible_then(MANAGE_POLICY, 201), 401, build=_policy(), api=True,
          data=lambda c: {"body": "第一条（修订）", "change_summary": "修订第一条"}),
    Route("api:governance_submit_version", "POST", lambda c: f"{A}/versions/{c.objects['version'].pk}/submit",
          visible_then(MANAGE_POLICY, 200), 401, build=_policy("draft"), api=True),
    Route("api:governance_review_version", "POST", lambda c: f"{A}/versions/{c.objects['version'].pk}/review",
          visible_then(APPROVE_POLICY, 200), 401, build=_policy("review"), api=True,
          data=lambda c: {"accept": True}),
    Route("api:governance_approve_version", "POST", lambda c: f"{A}/versions/{c.objects['version'].pk}/approve",
          visible_then(APPROVE_POLICY, 200), 401, build=_reviewed, api=True),
    Route("api:governance_publish_version", "POST", lambda c: f"{A}/versions/{c.objects['version'].pk}/publish",
          visible_then(MANAGE_POLICY, 200), 401, build=_policy("approved"), api=True,
          data=lambda c: {"effective_from": today()}),
    Route("api:governance_coverage", "GET", lambda c: f"{A}/coverage", perm(VIEW_POLICY), 401, api=True),
    Route("api:governance_my_attestations", "GET", lambda c: f"{A}/attestations", perm(VIEW_POLICY), 401, api=True),
    Route("api:governance_confirm_attestation", "POST",
          lambda c: f"{A}/attestations/{c.objects['attestation'].pk}/confirm", perm(VIEW_POLICY), 401,
          build=_own_attestation, api=True),
    Route("api:governance_list_regulations", "GET", lambda c: f"{A}/regulations", perm(VIEW_POLICY), 401, api=True),
    Route("api:governance_regulation_gaps", "GET", lambda c: f"{A}/regulations/gaps", perm(VIEW_POLICY), 401,
          api=True),
    Route("api:governance_list_audits", "GET", lambda c: f"{A}/audits", perm(VIEW_AUDIT), 401, api=True),
    Route("api:governance_get_audit", "GET", lambda c: f"{A}/audits/{c.objects['engagement'].pk}",
          perm(VIEW_AUDIT, scoped=True), 401, build=_engagement(), api=True),
    Route("api:governance_create_finding", "POST", lambda c: f"{A}/audits/{c.objects['engagement'].pk}/findings",
          perm(MANAGE_AUDIT, 201, scoped=True), 401, build=_engagement("fieldwork"), api=True,
          data=lambda c: {"title": "柜面双人复核缺失", "severity": "high", "condition": "3笔无复核记录",
                          "recommendation": "落实双人复核", "owner_id": c.target.pk, "due": later(60)}),
    Route("api:governance_list_risks", "GET", lambda c: f"{A}/risks", perm(VIEW_RISK), 401, api=True),
    Route("api:governance_risk_heat_map", "GET", lambda c: f"{A}/risks/heat-map", perm(VIEW_RISK), 401, api=True),
    Route("api:governance_get_risk", "GET", lambda c: f"{A}/risks/{c.objects['risk'].pk}",
          perm(VIEW_RISK, scoped=True), 401, build=_risk, api=True),
    Route("api:governance_create_risk", "POST", lambda c: f"{A}/risks", perm(MANAGE_RISK, 201, scoped=True), 401,
          api=True, data=lambda c: {"org_unit_id": c.org.haidian.pk, "title": "柜面操作风险", "category": "operational",
                                    "inherent_likelihood": 4, "inherent_impact": 4, "residual_likelihood": 2,
                                    "residual_impact": 3, "treatment": "mitigate",
                                    "owner_id": (c.persona or c.target).pk}),
    Route("api:governance_record_kri_value", "POST", lambda c: f"{A}/kris/{c.objects['kri'].pk}/values",
          perm(MANAGE_RISK, 201, scoped=True), 401, build=_risk, api=True,
          data=lambda c: {"measured_on": today(), "value": "9"}),
    Route("api:governance_list_risks", "GET", lambda c: f"{A}/risks", perm(VIEW_RISK), 401, api=True),
    Route("api:governance_risk_heat_map", "GET", lambda c: f"{A}/risks/heat-map", perm(VIEW_RISK), 401, api=True),
    Route("api:governance_get_risk", "GET", lambda c: f"{A}/risks/{c.objects['risk'].pk}",
          perm(VIEW_RISK, scoped=True), 401, build=_risk, api=True),
    Route("api:governance_create_risk", "POST", lambda c: f"{A}/risks", perm(MANAGE_RISK, 201, scoped=True), 401,
          api=True, data=lambda c: {"org_unit_id": c.org.haidian.pk, "title": "柜面操作风险", "category": "operational",
                                    "inherent_likelihood": 4, "inherent_impact": 4, "residual_likelihood": 2,
                                    "residual_impact": 3, "treatment": "mitigate",
                                    "owner_id": (c.persona or c.target).pk}),
    Route("api:governance_record_kri_value", "POST", lambda c: f"{A}/kris/{c.objects['kri'].pk}/values",
          perm(MANAGE_RISK, 201, scoped=True), 401, build=_risk, api=True,
          data=lambda c: {"measured_on": today(), "value": "9"}),
]
