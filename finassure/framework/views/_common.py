"""Helpers shared by the framework's page modules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.framework import selectors
from finassure.platform.ids import parse_id


def _selected_unit(request: HttpRequest) -> Any:
    """The org unit chosen in the filter (404 outside the caller's scope), else the broadest one in scope."""
    line_id = parse_id(request.GET.get("business_line"))
    unit_id = parse_id(request.GET.get("unit"))
    if unit_id:
        return selectors.unit_get(actor=request.user, pk=unit_id)
    return selectors.default_unit(actor=request.user, business_line_id=line_id)



def _units(request: HttpRequest, perm: str) -> Any:
    return access.org_unit_list(actor=request.user, perm=perm).filter(is_active=True)


def _owners(request: HttpRequest) -> Any:
    return User.objects.filter(is_active=True, org_unit__in=selectors.units_in_scope(actor=request.user)
                               ).order_by("username")


def _form_page(request: HttpRequest, template: str, form: Any, context: dict[str, Any] | None = None
               ) -> HttpResponse:
    return render(request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200)
