"""Persona-matrix routes of the assurance framework: pages and API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from finassure.accounts.roles import ROLE_PERMISSIONS
from finassure.framework.permissions import FPerm
from tests.matrix import INSIDE, LOGIN, Ctx, Route, perm


def _build(ctx: Ctx) -> None:
    from finassure.framework import services
    from finassure.framework.models import Snapshot, WorkTask
    from tests.framework.factories import make_indicator, make_measure

    measure = make_measure()
    indicator = make_indicator(measure)
    ctx.objects.update(measure=measure, indicator=indicator)
    ctx.objects["action"] = services.corrective_action_open(
        actor=None, source=None, title="整改：投诉超时", owner=ctx.target, due=dt.date(2026, 12, 31),
        org_unit=ctx.org.haidian)
    ctx.objects["snapshot"] = Snapshot.objects.create(
        indicator=indicator, org_unit=ctx.org.haidian, period_kind="quarter", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 10, 1), period_label="2026Q3", value=80, target=90, amber=5, status="red",
        computed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    ctx.objects["task"] = WorkTask.objects.create(measure=measure, org_unit=ctx.org.haidian, title="修订投诉流程",
                                                  owner=ctx.target, deadline=dt.date(2026, 12, 1))


def _o(name: str) -> Callable[[Ctx], Any]:
    return lambda ctx: ctx.objects[name].pk


def visible_then(permission: str, ok: int) -> Callable[[str, str], int]:
    """Records every role may see in its scope; acting on them needs `permission` (404 from outside)."""

    def expect(role: str, place: str) -> int:
        if place != INSIDE:
            return 404
        return ok if permission in ROLE_PERMISSIONS[role] else 403

    return expect


V, AV = FPerm.VIEW, FPerm.ACTION_VIEW

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
]
