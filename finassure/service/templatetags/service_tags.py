"""Template helpers of customer service: masks for personal data and the clock badges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from finassure.platform.masking import mask as mask_value
from finassure.service import clock

register = template.Library()

_BADGE = {
    clock.RUNNING: "bg-green-lt", clock.WARNING: "bg-yellow-lt", clock.CRITICAL: "bg-orange-lt",
    clock.BREACHED: "bg-red-lt", clock.MET: "bg-green-lt", clock.PAUSED_STATE: "bg-azure-lt",
    clock.NOT_STARTED: "bg-secondary-lt",
}


@register.filter
def mask(value: Any, kind: str) -> str:
    return mask_value(value, kind) if value else "—"


def state_label(state: str) -> str:
    return {
        clock.NOT_STARTED: _("not started"), clock.RUNNING: _("on time"), clock.WARNING: _("over half the time used"),
        clock.CRITICAL: _("over three quarters of the time used"), clock.PAUSED_STATE: _("paused"), clock.MET: _("met"),
        clock.BREACHED: _("breached"),
    }.get(state, state)


@register.inclusion_tag("service/_clock.html")
def clock_badge(state: clock.ClockState, name: str) -> dict[str, Any]:
    remaining = None
    if state.is_open and state.due_at is not None:
        remaining = state.remaining
    return {"state": state, "name": name, "css": _BADGE.get(state.state, "bg-secondary-lt"),
            "label": state_label(state.state), "remaining": _duration(remaining) if remaining is not None else ""}


def _duration(delta: dt.timedelta) -> str:
    over = delta < dt.timedelta(0)
    days, rest = divmod(abs(int(delta.total_seconds())), 86400)
    values = {"d": days, "h": rest // 3600}
    if over:
        return _("%(d)sd %(h)sh over") % values if days else _("%(h)sh over") % values
    return _("%(d)sd %(h)sh left") % values if days else _("%(h)sh left") % values
