"""Template helpers every module uses."""

from __future__ import annotations

from typing import Any

from django import template

from finassure.platform.viewutils import can_open, record_page

register = template.Library()


@register.filter
def openable(url: str, user: Any) -> str:
    """``url`` when ``user`` may open that page, else "": ``{% with u=obj.get_absolute_url|openable:request.user %}``."""
    return url if can_open(user, str(url or "")) else ""


@register.filter
def record_url(record: Any, user: Any) -> str:
    """The page of ``record`` when ``user`` may open it, else "": ``{% with u=r|record_url:request.user %}``."""
    return record_page(record, user)
