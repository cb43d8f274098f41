"""Persona-matrix routes of the assurance framework."""

from __future__ import annotations

import datetime as dt
from typing import Any

from finassure.framework.permissions import FPerm
from tests.matrix import LOGIN, Ctx, Route, perm


def _action(ctx: Ctx) -> None:
    from finassure.framework import services

    ctx.objects["action"] = services.corrective_action_open(
        actor=None, source=None, title="整改：投诉超时", owner=ctx.target, due=dt.date(2026, 12, 31),
        org_unit=ctx.org.haidian)


def _a(ctx: Ctx) -> Any:
    return ctx.objects["action"]


ROUTES = [
    Route("framework:action_list", "GET", lambda c: "/framework/actions/", perm(FPerm.ACTION_VIEW), LOGIN),
    Route("framework:action_detail", "GET", lambda c: f"/framework/actions/{_a(c).pk}/",
          perm(FPerm.ACTION_VIEW, scoped=True), LOGIN, build=_action),
]
