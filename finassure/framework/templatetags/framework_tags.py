"""Template helpers of the framework: status colours and labels, values in an indicator's unit."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

_COLOURS = {"green": "bg-green-lt", "amber": "bg-yellow-lt", "red": "bg-red-lt", "no_data": "bg-secondary-lt",
            "no_source": "bg-secondary-lt", "not_computed": "bg-secondary-lt"}
_LABELS = {"green": _("on target"), "amber": _("near target"), "red": _("off target"), "no_data": _("no data"),
           "no_source": _("no data source"), "not_computed": _("not computed yet")}
_SUFFIX = {"percent": "%", "hours": " h", "count": "", "score": "", "flag": ""}


@register.filter
def status_class(status: str) -> str:
    return _COLOURS.get(status, "bg-secondary-lt")


@register.filter
def status_label(status: str) -> Any:
    return _LABELS.get(status, status)


@register.filter
def in_unit(value: Any, unit: str) -> str:
    if value is None or value == "":
        return "—"
    value = float(value)
    if unit == "flag":
        return str(_("met")) if value >= 1 else str(_("not met"))
    text = f"{value:.1f}".rstrip("0").rstrip(".") if unit in ("percent", "hours", "score") else f"{value:g}"
    return f"{text}{_SUFFIX.get(unit, '')}"
