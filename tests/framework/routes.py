"""Persona-matrix routes of the assurance framework: pages and API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from finassure.accounts.roles import ROLE_PERMISSIONS
from finassure.framework.permissions import FPerm
from tests.matrix import INSIDE, LOGIN, Ctx, Route, perm


def _build(ctx: Ctx) -> None:
    from finassure.accounts import selectors as access
    from finassure.framework import services
    from finassure.framework.models import BudgetLine, ExternalAssessment, Meeting, Snapshot, WorkTask
    from tests.framework.factories import make_indicator, make_measure

    measure = make_measure()
    indicator = make_indicator(measure)
    ctx.objects.update(measure=measure, indicator=indicator)
    ctx.objects["action"] = services.corrective_action_open(
        actor=None, source=None, title="整改：投诉超时", owner=ctx.target, due=dt.date(2026, 12, 31),
        org_unit=ctx.org.haidian, measure=measure)
    ctx.objects["snapshot"] = Snapshot.objects.create(
        indicator=indicator, org_unit=ctx.org.haidian, period_kind="quarter", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 10, 1), period_label="2026Q3", value=80, target=90, amber=5, status="red",
        computed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    ctx.objects["task"] = WorkTask.objects.create(measure=measure, org_unit=ctx.org.haidian, title="修订投诉流程",
                                                  owner=ctx.target, deadline=dt.date(2026, 12, 1))
    ctx.objects["meeting"] = Meeting.objects.create(
        kind="working_group", title="第四季度工作组会议", org_unit=ctx.org.haidian,
        scheduled_for=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), agenda="1. 指标通报", status="held",
        minutes="通报指标，布置整改", held_at=dt.datetime(2026, 11, 20, 11, tzinfo=dt.UTC))
    ctx.objects["meeting"].attendees.set([ctx.target])
    ctx.objects["scheduled"] = Meeting.objects.create(
        kind="internal_review", title="年度内部评审", org_unit=ctx.org.haidian,
        scheduled_for=dt.datetime(2026, 12, 20, 9, tzinfo=dt.UTC), agenda="1. 评审")
    ctx.objects["budget_line"] = BudgetLine.objects.create(measure=measure, org_unit=ctx.org.haidian, year=2026,
                                                           title="投诉系统升级", planned=100000)
    assessor = ctx.persona if ctx.persona is not None and "external_assessor" in access.roles_of(ctx.persona) else None
    assessment = ExternalAssessment.objects.create(
        title="2026年度第三方评估", firm="某会计师事务所", assessor=assessor, org_unit=ctx.org.beijing,
        period_start=dt.date(2000, 1, 1), period_end=dt.date(2100, 1, 1))
    assessment.units.set([ctx.org.beijing])
    assessment.measures.set([measure])
    ctx.objects["assessment"] = assessment


def _o(name: str) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.objects[name].pk


def visible_then(permission: str, ok: int) -> Callable[[str, str], int]:
    """Records every role may see in its scope; acting on them needs `permission` (404 from outside)."""

    def expect(role: str, place: str) -> int:
        if place != INSIDE:
            return 404
        return ok if permission in ROLE_PERMISSIONS[role] else 403

    return expect


V, AV, PM = FPerm.VIEW, FPerm.ACTION_VIEW, FPerm.PLAN_MANAGE


def internal(permission: str, ok: int = 200, scoped: bool = False) -> Callable[[str, str], int]:
    """Records an external assessor never sees (meetings): 404 for it, else like `perm`."""
    base = perm(permission, ok, scoped)

    def expect(role: str, place: str) -> int:
        if role == "external_assessor":
            return 404
        return base(role, place)

    return expect


def internal_then(permission: str, ok: int) -> Callable[[str, str], int]:
    """Acting on a record an external assessor never sees: 404 for it, else like `visible_then`."""
    base = visible_then(permission, ok)
    return lambda role, place: 404 if role == "external_assessor" else base(role, place)


def assessor_sees_then(permission: str, ok: int) -> Callable[[str, str], int]:
    """Acting on an assessment: its assessor sees it (but may not act: 403), others as `visible_then`."""
    base = visible_then(permission, ok)
    return lambda role, place: 403 if role == "external_assessor" else base(role, place)


def engagement(permission: str, ok: int = 200) -> Callable[[str, str], int]:
    """Assessments: seen from the commissioning unit's subtree, and by the assessor of the engagement."""

    def expect(role: str, place: str) -> int:
        if permission not in ROLE_PERMISSIONS[role]:
            return 403
        if role == "external_assessor":
            return ok
        return ok if place == INSIDE else 404

    return expect

ROUTES = [
    # pages
    Route("framework:snapshots_run", "POST", lambda c: "/framework/snapshots/run/", perm(FPerm.RUN_SNAPSHOTS, 302),
          LOGIN),
    Route("framework:snapshot_detail", "GET", lambda c: f"/framework/snapshots/{_o('snapshot')(c)}/",
          perm(V, 302, scoped=True), LOGIN, build=_build),
    Route("framework:measure_list", "GET", lambda c: "/framework/measures/", perm(V), LOGIN, build=_build),
    Route("framework:measure_detail", "GET", lambda c: f"/framework/measures/{_o('measure')(c)}/", perm(V), LOGIN,
          build=_build),
    Route("framework:task_create", "POST", lambda c: f"/framework/measures/{_o('measure')(c)}/tasks/",
          perm(FPerm.PLAN_MANAGE, 302), LOGIN, build=_build,
          data=lambda c: {"title": "编制年度培训计划", "org_unit": c.org.haidian.pk, "owner": c.target.pk,
                          "deadline": "2026-12-31"}),
    Route("framework:task_progress", "POST", lambda c: f"/framework/tasks/{_o('task')(c)}/progress/",
          visible_then(FPerm.PLAN_MANAGE, 302), LOGIN, build=_build, data=lambda c: {"status": "in_progress"}),
    Route("framework:indicator_detail", "GET",
          lambda c: f"/framework/indicators/{_o('indicator')(c)}/?unit={c.org.haidian.pk}&period=2026Q3",
          perm(V, scoped=True), LOGIN, build=_build),
    Route("framework:indicator_target", "POST", lambda c: f"/framework/indicators/{_o('indicator')(c)}/target/",
          perm(FPerm.MANAGE, 302), LOGIN, build=_build,
          data=lambda c: {"target": "85", "amber": "5", "org_unit": c.org.haidian.pk, "reason": "试点"}),
    Route("framework:action_list", "GET", lambda c: "/framework/actions/?status=open", perm(AV), LOGIN),
    Route("framework:action_export", "GET", lambda c: "/framework/actions/export/", perm(AV), LOGIN, build=_build),
    Route("framework:action_create", "GET", lambda c: "/framework/actions/new/", perm(FPerm.ACTION_MANAGE), LOGIN),
    Route("framework:action_detail", "GET", lambda c: f"/framework/actions/{_o('action')(c)}/",
          perm(AV, scoped=True), LOGIN, build=_build),
    Route("framework:action_step", "POST", lambda c: f"/framework/actions/{_o('action')(c)}/start/",
          visible_then(FPerm.ACTION_MANAGE, 302), LOGIN, build=_build),
    Route("framework:accountability_list", "GET", lambda c: "/framework/accountability/", perm(V), LOGIN),
    Route("framework:budget", "GET", lambda c: "/framework/budget/?year=2026", perm(V), LOGIN),
    Route("framework:budget_line_create", "GET", lambda c: "/framework/budget/new/", perm(PM), LOGIN),
    Route("framework:budget_line_edit", "GET", lambda c: f"/framework/budget/{_o('budget_line')(c)}/edit/",
          perm(PM, scoped=True), LOGIN, build=_build),
    Route("framework:accountability_create", "GET", lambda c: "/framework/accountability/new/", perm(PM), LOGIN),
    Route("framework:meeting_list", "GET", lambda c: "/framework/meetings/?format=xlsx", perm(V), LOGIN,
          build=_build),
    Route("framework:meeting_create", "GET", lambda c: "/framework/meetings/new/", perm(PM), LOGIN),
    Route("framework:meeting_detail", "GET", lambda c: f"/framework/meetings/{_o('meeting')(c)}/",
          internal(V, scoped=True), LOGIN, build=_build),
    Route("framework:meeting_minutes", "POST", lambda c: f"/framework/meetings/{_o('meeting')(c)}/minutes/",
          perm(PM, 302, scoped=True), LOGIN, build=_build,
          data=lambda c: {"minutes": "已召开", "attendees": [c.target.pk]}),
    Route("framework:meeting_decision", "POST", lambda c: f"/framework/meetings/{_o('meeting')(c)}/decisions/",
          perm(PM, 302, scoped=True), LOGIN, build=_build,
          data=lambda c: {"text": "修订流程", "outcome": "action", "owner": c.target.pk, "due": "2026-12-31"}),
    Route("framework:meeting_cancel", "POST", lambda c: f"/framework/meetings/{_o('meeting')(c)}/cancel/",
          perm(PM, 302, scoped=True), LOGIN, build=_build),
    Route("framework:assessment_list", "GET", lambda c: "/framework/assessments/?format=xlsx", perm(V), LOGIN,
          build=_build),
    Route("framework:assessment_create", "GET", lambda c: "/framework/assessments/new/", perm(PM), LOGIN),
    Route("framework:assessment_detail", "GET", lambda c: f"/framework/assessments/{_o('assessment')(c)}/",
          engagement(V), LOGIN, build=_build),
    Route("framework:assessment_step", "POST", lambda c: f"/framework/assessments/{_o('assessment')(c)}/start/",
          perm(PM, 302, scoped=True), LOGIN, build=_build),
    Route("framework:cost_benefit", "GET", lambda c: "/framework/cost-benefit/?year=2026", perm(V), LOGIN,
          build=_build),
    Route("framework:loss_create", "GET", lambda c: "/framework/cost-benefit/losses/new/", perm(PM), LOGIN),
    Route("framework:raci", "GET", lambda c: "/framework/raci/?format=xlsx", perm(V), LOGIN, build=_build),
    Route("framework:raci_edit", "GET", lambda c: f"/framework/raci/{_o('measure')(c)}/", perm(FPerm.MANAGE),
          LOGIN, build=_build),
    Route("framework:notification_list", "GET", lambda c: "/framework/notifications/", perm(V), LOGIN),
    Route("framework:notifications_read", "POST", lambda c: "/framework/notifications/read/", perm(V, 302), LOGIN),
    Route("framework:quarterly_report", "GET", lambda c: "/framework/reports/quarterly/?period=2026Q3", perm(V),
          LOGIN, build=_build),
    # API
    Route("api:list_measures", "GET", lambda c: "/api/v1/framework/measures", perm(V), 401, api=True,
          build=_build),
    Route("api:list_indicators", "GET", lambda c: "/api/v1/framework/indicators", perm(V), 401, api=True),
    Route("api:get_indicator", "GET", lambda c: f"/api/v1/framework/indicators/{_o('indicator')(c)}", perm(V), 401,
          api=True, build=_build),
    Route("api:list_snapshots", "GET", lambda c: "/api/v1/framework/snapshots", perm(V), 401, api=True,
          build=_build),
    Route("api:get_snapshot", "GET", lambda c: f"/api/v1/framework/snapshots/{_o('snapshot')(c)}",
          perm(V, scoped=True), 401, api=True, build=_build),
    Route("api:list_corrective_actions", "GET", lambda c: "/api/v1/framework/actions", perm(AV), 401, api=True,
          build=_build),
    Route("api:create_corrective_action", "POST", lambda c: "/api/v1/framework/actions",
          perm(FPerm.ACTION_MANAGE, 201, scoped=True), 401, api=True,
          data=lambda c: {"title": "整改：权限复核", "org_unit_id": c.org.haidian.pk, "owner_id": c.target.pk,
                          "due": "2026-12-31"}),
    Route("api:get_corrective_action", "GET", lambda c: f"/api/v1/framework/actions/{_o('action')(c)}",
          perm(AV, scoped=True), 401, api=True, build=_build),
    Route("api:step_corrective_action", "POST", lambda c: f"/api/v1/framework/actions/{_o('action')(c)}/steps",
          visible_then(FPerm.ACTION_MANAGE, 200), 401, api=True, build=_build, data=lambda c: {"step": "start"}),
    Route("api:list_work_tasks", "GET", lambda c: "/api/v1/framework/tasks", perm(V), 401, api=True, build=_build),
    Route("api:create_work_task", "POST", lambda c: "/api/v1/framework/tasks", perm(PM, 201, scoped=True), 401,
          api=True, build=_build,
          data=lambda c: {"measure_id": c.objects["measure"].pk, "org_unit_id": c.org.haidian.pk, "title": "复盘",
                          "owner_id": c.target.pk, "deadline": "2026-12-31"}),
    Route("api:list_budget_lines", "GET", lambda c: "/api/v1/framework/budget-lines", perm(V), 401, api=True,
          build=_build),
    Route("api:create_budget_line", "POST", lambda c: "/api/v1/framework/budget-lines", perm(PM, 201, scoped=True),
          401, api=True, build=_build,
          data=lambda c: {"measure_id": c.objects["measure"].pk, "org_unit_id": c.org.haidian.pk, "year": 2026,
                          "title": "培训经费", "planned": "50000.00"}),
    Route("api:list_accountability_records", "GET", lambda c: "/api/v1/framework/accountability", perm(V), 401,
          api=True),
    Route("api:create_accountability_record", "POST", lambda c: "/api/v1/framework/accountability",
          perm(PM, 201, scoped=True), 401, api=True,
          data=lambda c: {"org_unit_id": c.org.haidian.pk, "subject": "投诉超时", "person_id": c.target.pk,
                          "finding": "超时未升级", "outcome": "通报批评", "decided_on": "2026-11-01"}),
    Route("api:list_meetings", "GET", lambda c: "/api/v1/framework/meetings", perm(V), 401, api=True, build=_build),
    Route("api:get_meeting", "GET", lambda c: f"/api/v1/framework/meetings/{_o('meeting')(c)}",
          internal(V, scoped=True), 401, api=True, build=_build),
    Route("api:create_meeting", "POST", lambda c: "/api/v1/framework/meetings", perm(PM, 201, scoped=True), 401,
          api=True, data=lambda c: {"title": "内部评审", "org_unit_id": c.org.haidian.pk, "kind": "internal_review",
                                    "scheduled_for": "2026-12-10T09:00:00+08:00", "agenda": "评审整改"}),
    Route("api:record_meeting_minutes", "POST", lambda c: f"/api/v1/framework/meetings/{_o('meeting')(c)}/minutes",
          internal_then(PM, 200), 401, api=True, build=_build,
          data=lambda c: {"minutes": "已召开", "attendee_ids": [c.target.pk]}),
    Route("api:cancel_meeting", "POST", lambda c: f"/api/v1/framework/meetings/{_o('scheduled')(c)}/cancel",
          internal_then(PM, 200), 401, api=True, build=_build),
    Route("api:add_meeting_decision", "POST", lambda c: f"/api/v1/framework/meetings/{_o('meeting')(c)}/decisions",
          internal_then(PM, 201), 401, api=True, build=_build,
          data=lambda c: {"text": "修订投诉流程", "outcome": "action", "owner_id": c.target.pk, "due": "2026-12-31"}),
    Route("api:list_assessments", "GET", lambda c: "/api/v1/framework/assessments", perm(V), 401, api=True,
          build=_build),
    Route("api:get_assessment", "GET", lambda c: f"/api/v1/framework/assessments/{_o('assessment')(c)}",
          engagement(V), 401, api=True, build=_build),
    Route("api:create_assessment", "POST", lambda c: "/api/v1/framework/assessments", perm(PM, 201, scoped=True),
          401, api=True, build=_build,
          data=lambda c: {"title": "第三方评估", "firm": "某事务所", "org_unit_id": c.org.haidian.pk,
                          "unit_ids": [c.org.haidian.pk], "measure_ids": [c.objects["measure"].pk],
                          "period_start": "2026-01-01", "period_end": "2027-01-01"}),
    Route("api:step_assessment", "POST", lambda c: f"/api/v1/framework/assessments/{_o('assessment')(c)}/steps",
          assessor_sees_then(PM, 200), 401, api=True, build=_build, data=lambda c: {"step": "start"}),
    Route("api:add_assessment_finding", "POST",
          lambda c: f"/api/v1/framework/assessments/{_o('assessment')(c)}/findings", assessor_sees_then(PM, 201), 401,
          api=True, build=_build,
          data=lambda c: {"title": "投诉台账不完整", "org_unit_id": c.org.haidian.pk, "owner_id": c.target.pk,
                          "due": "2026-12-31"}),
    Route("api:get_cost_benefit", "GET", lambda c: "/api/v1/framework/cost-benefit?year=2026", perm(V), 401,
          api=True, build=_build),
    Route("api:list_losses", "GET", lambda c: "/api/v1/framework/losses", perm(V), 401, api=True),
    Route("api:create_loss", "POST", lambda c: "/api/v1/framework/losses", perm(PM, 201, scoped=True), 401,
          api=True, data=lambda c: {"kind": "fine", "org_unit_id": c.org.haidian.pk, "occurred_on": "2026-06-01",
                                    "amount": "200000.00", "description": "监管罚款"}),
    Route("api:list_raci", "GET", lambda c: "/api/v1/framework/raci", perm(V), 401, api=True, build=_build),
    # the RACI is institution-wide: only a framework administrator at the head office (tested in test_reviews)
    Route("api:create_raci_entry", "POST", lambda c: "/api/v1/framework/raci", lambda role, place: 403, 401,
          api=True, build=_build,
          data=lambda c: {"measure_id": c.objects["measure"].pk, "letter": "R", "role": "quality_manager"}),
]
