"""Persona-matrix routes of risk monitoring: alert queue, cases, reports, runs, rule and model governance, and their API."""

from __future__ import annotations

from typing import Any

from finassure.accounts.roles import ROLE_PERMISSIONS
from finassure.monitoring import perms
from finassure.monitoring.models import Run
from tests.matrix import INSIDE, LOGIN, Ctx, Route, perm, visible_with
from tests.monitoring.factories import SHIPPED_MODEL


def _alert(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_alert

    ctx.objects["alert"] = make_alert(ctx.org.haidian)


def _case(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_case

    ctx.objects["case"] = make_case(ctx.org.haidian)


def _lv(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_lv_report

    ctx.objects["lv"] = make_lv_report(ctx.org.haidian)


def _run(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_run

    ctx.objects["run"] = make_run(ctx.org.haidian, status=Run.Status.FAILED, error="boom")


def _attachment(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_attachment, make_case

    ctx.objects["case"] = make_case(ctx.org.haidian)
    ctx.objects["attachment"] = make_attachment(ctx.objects["case"])


def _upload(ctx: Ctx) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.monitoring.factories import tiny_pdf

    return {"file": SimpleUploadedFile("流水.pdf", tiny_pdf(), content_type="application/pdf")}


def _change(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_rule_change

    ctx.objects["change"] = make_rule_change(ctx.org.haidian)


def _model(ctx: Ctx) -> None:
    from tests.monitoring.factories import make_model

    ctx.objects["model"] = make_model(ctx.org.haidian)


def _requested_model(ctx: Ctx) -> None:
    """A model whose promotion to shadow someone other than the persona requested."""
    from tests.monitoring.factories import _someone, make_model

    ctx.objects["model"] = make_model(
        ctx.org.haidian, requested_role="shadow", requested_by=_someone(ctx.org.haidian), requested_reason="影子对比"
    )


def _unit_choice(permission: str) -> Any:
    """A form naming a Haidian unit: from outside the Beijing subtree the choice is invalid (400)."""
    return lambda role, place: (
        403 if permission not in ROLE_PERMISSIONS[role] else (302 if place == INSIDE else 400)
    )


def _o(ctx: Ctx, key: str) -> Any:
    return ctx.objects[key]


TXN = {
    "txn_id": "RT-1",
    "ts": "2026-03-02T10:00:00+08:00",
    "account_id": "A1",
    "customer_id": "C1",
    "customer_type": "individual",
    "direction": "in",
    "amount": 60000,
    "currency": "CNY",
    "channel": "cash",
}

ROUTES = [
    Route("monitoring:alert_list", "GET", lambda c: "/monitoring/alerts/", perm(perms.VIEW), LOGIN),
    Route(
        "monitoring:alert_export", "GET", lambda c: "/monitoring/alerts/export.xlsx", perm(perms.VIEW), LOGIN
    ),
    Route(
        "monitoring:alert_bulk_close",
        "POST",
        lambda c: "/monitoring/alerts/close/",
        perm(perms.WORK, 302, scoped=True),
        LOGIN,
        build=_alert,
        data=lambda c: {"alerts": _o(c, "alert").pk, "reason": "正常经营往来，误报"},
    ),
    Route(
        "monitoring:alert_detail",
        "GET",
        lambda c: f"/monitoring/alerts/{_o(c, 'alert').pk}/",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_alert,
    ),
    Route(
        "monitoring:alert_assign",
        "POST",
        lambda c: f"/monitoring/alerts/{_o(c, 'alert').pk}/assign/",
        perm(perms.WORK, 302, scoped=True),
        LOGIN,
        build=_alert,
        data=lambda c: {"assignee": ""},
    ),
    Route(
        "monitoring:alert_escalate",
        "POST",
        lambda c: f"/monitoring/alerts/{_o(c, 'alert').pk}/escalate/",
        perm(perms.WORK, 302, scoped=True),
        LOGIN,
        build=_alert,
    ),
    Route("monitoring:case_list", "GET", lambda c: "/monitoring/cases/", perm(perms.VIEW), LOGIN),
    Route(
        "monitoring:case_detail",
        "GET",
        lambda c: f"/monitoring/cases/{_o(c, 'case').pk}/",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_case,
    ),
    Route(
        "monitoring:case_transactions",
        "GET",
        lambda c: f"/monitoring/cases/{_o(c, 'case').pk}/transactions/",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_case,
    ),
    Route(
        "monitoring:case_graph",
        "GET",
        lambda c: f"/monitoring/cases/{_o(c, 'case').pk}/graph.json",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_case,
    ),
    Route("monitoring:case_attachment_add", "POST", lambda c: f"/monitoring/cases/{_o(c, 'case').pk}/attachments/",
          perm(perms.WORK, 302, scoped=True), LOGIN, build=_case, data=_upload),
    Route("monitoring:case_attachment", "GET",
          lambda c: f"/monitoring/cases/{_o(c, 'case').pk}/attachments/{_o(c, 'attachment').pk}/",
          perm(perms.VIEW, scoped=True), LOGIN, build=_attachment),
    Route(
        "monitoring:case_action",
        "POST",
        lambda c: f"/monitoring/cases/{_o(c, 'case').pk}/note/",
        perm(perms.WORK, 302, scoped=True),
        LOGIN,
        build=_case,
        data=lambda c: {"text": "已调取开户资料。"},
    ),
    Route("monitoring:report_list", "GET", lambda c: "/monitoring/reports/", perm(perms.VIEW), LOGIN),
    Route(
        "monitoring:report_detail",
        "GET",
        lambda c: f"/monitoring/reports/lv/{_o(c, 'lv').pk}/",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_lv,
    ),
    Route(
        "monitoring:report_export",
        "GET",
        lambda c: f"/monitoring/reports/lv/{_o(c, 'lv').pk}/export.xml",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_lv,
    ),
    Route(
        "monitoring:report_action",
        "POST",
        lambda c: f"/monitoring/reports/lv/{_o(c, 'lv').pk}/submit/",
        perm(perms.DRAFT, 302, scoped=True),
        LOGIN,
        build=_lv,
    ),
    Route(
        "monitoring:rule_list", "GET", lambda c: "/monitoring/rules/", perm(perms.VIEW), LOGIN, build=_alert
    ),
    Route(
        "monitoring:rule_change_propose",
        "POST",
        lambda c: "/monitoring/rules/changes/",
        _unit_choice(perms.TUNE),
        LOGIN,
        data=lambda c: {
            "org_unit": c.org.haidian.pk,
            "rule_id": "pboc_lv_cash",
            "enabled": "on",
            "params": '{"cny_threshold": 45000}',
            "reason": "试运行较低阈值",
        },
    ),
    Route(
        "monitoring:rule_change_decide",
        "POST",
        lambda c: f"/monitoring/rules/changes/{_o(c, 'change').pk}/approve/",
        perm(perms.APPROVE_CHANGE, 302, scoped=True),
        LOGIN,
        build=_change,
    ),
    Route(
        "monitoring:model_list", "GET", lambda c: "/monitoring/models/", perm(perms.VIEW), LOGIN, build=_model
    ),
    Route(
        "monitoring:model_register",
        "POST",
        lambda c: "/monitoring/models/register/",
        _unit_choice(perms.TUNE),
        LOGIN,
        data=lambda c: {"org_unit": c.org.haidian.pk, "path": str(SHIPPED_MODEL)},
    ),
    Route(
        "monitoring:model_action",
        "POST",
        lambda c: f"/monitoring/models/{_o(c, 'model').pk}/request/",
        perm(perms.TUNE, 302, scoped=True),
        LOGIN,
        build=_model,
        data=lambda c: {"role": "shadow", "reason": "影子模式对比两周"},
    ),
    Route("monitoring:run_list", "GET", lambda c: "/monitoring/runs/", perm(perms.VIEW), LOGIN),
    Route("monitoring:run_start", "POST", lambda c: "/monitoring/runs/start/", perm(perms.RUN, 302), LOGIN),
    Route(
        "monitoring:run_detail",
        "GET",
        lambda c: f"/monitoring/runs/{_o(c, 'run').pk}/",
        perm(perms.VIEW, scoped=True),
        LOGIN,
        build=_run,
    ),
    Route(
        "monitoring:run_retry",
        "POST",
        lambda c: f"/monitoring/runs/{_o(c, 'run').pk}/retry/",
        perm(perms.RUN, 302, scoped=True),
        LOGIN,
        build=_run,
    ),
    Route("api:list_alerts", "GET", lambda c: "/api/v1/monitoring/alerts", perm(perms.VIEW), 401, api=True),
    Route(
        "api:get_alert",
        "GET",
        lambda c: f"/api/v1/monitoring/alerts/{_o(c, 'alert').pk}",
        visible_with(perms.VIEW),
        401,
        api=True,
        build=_alert,
    ),
    Route(
        "api:assign_alert",
        "POST",
        lambda c: f"/api/v1/monitoring/alerts/{_o(c, 'alert').pk}/assign",
        perm(perms.WORK, 200, scoped=True),
        401,
        api=True,
        build=_alert,
        data=lambda c: {"assignee_id": None},
    ),
    Route(
        "api:close_alerts",
        "POST",
        lambda c: "/api/v1/monitoring/alerts/close",
        perm(perms.WORK, 200, scoped=True),
        401,
        api=True,
        build=_alert,
        data=lambda c: {"alert_ids": [_o(c, "alert").pk], "reason": "正常经营往来，误报"},
    ),
    Route("api:list_runs", "GET", lambda c: "/api/v1/monitoring/runs", perm(perms.VIEW), 401, api=True),
    Route(
        "api:start_run",
        "POST",
        lambda c: "/api/v1/monitoring/runs",
        perm(perms.RUN, 201, scoped=True),
        401,
        api=True,
        data=lambda c: {"org_unit_id": c.org.haidian.pk},
    ),
    # rule and model governance (api_governance.py)
    Route("api:list_rules", "GET", lambda c: "/api/v1/monitoring/rules", perm(perms.VIEW), 401, api=True),
    Route("api:list_rule_changes", "GET", lambda c: "/api/v1/monitoring/rule-changes", perm(perms.VIEW), 401,
          api=True, build=_change),
    Route("api:get_rule_change", "GET", lambda c: f"/api/v1/monitoring/rule-changes/{_o(c, 'change').pk}",
          visible_with(perms.VIEW), 401, api=True, build=_change),
    Route("api:propose_rule_change", "POST", lambda c: "/api/v1/monitoring/rule-changes",
          perm(perms.TUNE, 201, scoped=True), 401, api=True,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "rule_id": "pboc_lv_cash", "enabled": True,
                          "params": {"cny_threshold": 45000}, "reason": "试运行较低阈值"}),
    Route("api:approve_rule_change", "POST", lambda c: f"/api/v1/monitoring/rule-changes/{_o(c, 'change').pk}/approve",
          perm(perms.APPROVE_CHANGE, 200, scoped=True), 401, api=True, build=_change, data=lambda c: {}),
    Route("api:reject_rule_change", "POST", lambda c: f"/api/v1/monitoring/rule-changes/{_o(c, 'change').pk}/reject",
          perm(perms.APPROVE_CHANGE, 200, scoped=True), 401, api=True, build=_change,
          data=lambda c: {"note": "阈值过低，误报会增加"}),
    Route("api:list_models", "GET", lambda c: "/api/v1/monitoring/models", perm(perms.VIEW), 401, api=True,
          build=_model),
    Route("api:list_shadow_comparisons", "GET", lambda c: "/api/v1/monitoring/models/comparisons",
          perm(perms.VIEW), 401, api=True),
    Route("api:get_model", "GET", lambda c: f"/api/v1/monitoring/models/{_o(c, 'model').pk}",
          visible_with(perms.VIEW), 401, api=True, build=_model),
    Route("api:request_model_role", "POST", lambda c: f"/api/v1/monitoring/models/{_o(c, 'model').pk}/request",
          perm(perms.TUNE, 200, scoped=True), 401, api=True, build=_model,
          data=lambda c: {"role": "shadow", "reason": "影子模式对比两周"}),
    Route("api:approve_model_role", "POST", lambda c: f"/api/v1/monitoring/models/{_o(c, 'model').pk}/approve",
          perm(perms.APPROVE_CHANGE, 200, scoped=True), 401, api=True, build=_requested_model),
    Route("api:reject_model_role", "POST", lambda c: f"/api/v1/monitoring/models/{_o(c, 'model').pk}/reject",
          perm(perms.APPROVE_CHANGE, 200, scoped=True), 401, api=True, build=_requested_model,
          data=lambda c: {"note": "先在案件标签上比较"}),
    Route(
        "api:score_transaction",
        "POST",
        lambda c: "/api/v1/transactions/score",
        perm(perms.SCORE),
        401,
        api=True,
        data=lambda c: dict(TXN),
    ),
]
