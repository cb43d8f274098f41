"""What the page modules of governance share: query-string parsing, the list page (filter → paginate → Excel export), and form helpers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from finassure.accounts.models import BusinessLine, User
from finassure.governance import selectors
from finassure.platform.forms import StyledForm


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _blank_form() -> StyledForm:
    """A validated empty form to carry a service's refusal onto the error page."""
    form = StyledForm({})
    form.is_valid()
    return form


def _lines(request: HttpRequest) -> Any:
    units = selectors.manage_units(actor=request.user)
    return BusinessLine.objects.filter(institution__in=units.values("institution")).order_by("code")


def _staff_of(request: HttpRequest) -> Any:
    units = selectors.manage_units(actor=request.user)
    return User.objects.filter(org_unit__in=units, is_active=True).order_by("username")
