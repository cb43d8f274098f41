"""Template context for the shell: navigation, roles, languages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from finassure.platform import nav


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    from finassure.accounts import selectors as access
    from finassure.platform import calendar

    return {
        "nav_sections": nav.visible_for(access.permissions_of(user)),
        "my_roles": access.roles_of(user),
        "calendar_warnings": calendar.warnings(),
    }
