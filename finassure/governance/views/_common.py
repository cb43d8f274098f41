"""What the page modules of governance share: query-string parsing, the list page (filter → paginate → Excel
export), and form helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from finassure.accounts.models import BusinessLine, User
from finassure.governance import selectors
from finassure.governance.registers import Register
from finassure.platform.forms import StyledForm
from finassure.platform.viewutils import paginate, xlsx_response


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


def list_page(request: HttpRequest, items: Any, *, template: str, context: dict[str, Any],
              register: Register | None = None,
              export: tuple[str, Sequence[Any], Callable[[Any], Sequence[Any]]] | None = None) -> HttpResponse:
    """The one shape of a list page: the filtered `items` paginated into `template`, or with `?format=xlsx` the
    whole filtered list as Excel — in the register's round-trip layout, or `export` = (file name, headers, row)."""
    if request.GET.get("format") == "xlsx":
        if register is not None:
            return xlsx_response(register.filename, register.headers(),
                                 register.rows(items.prefetch_related(*register.prefetch)))
        if export is not None:
            filename, headers, row = export
            return xlsx_response(filename, [str(h) for h in headers], (row(item) for item in items))
    return render(request, template, {"page": paginate(request, items), **context})


def import_form_for(request: HttpRequest, register: str) -> Any:
    """The Excel import form of a register for those who may import it, else None."""
    from finassure.governance.forms import ImportForm
    from finassure.governance.views.registers import IMPORT_PERMS

    return ImportForm() if selectors.can(request.user, IMPORT_PERMS[register]) else None
