"""Excel import of the registers (the layouts the lists export); row errors refuse the whole file."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.governance import services
from finassure.governance.forms import ImportForm
from finassure.governance.permissions import MANAGE_POLICY, MANAGE_PRODUCT, MANAGE_RISK, VIEW_POLICY
from finassure.platform.errors import ApplicationError, NotFound, PermissionDenied
from finassure.platform.viewutils import staff_view

IMPORT_PERMS = {"processes": MANAGE_POLICY, "policies": MANAGE_POLICY, "positions": MANAGE_POLICY,
                "risks": MANAGE_RISK, "controls": MANAGE_RISK, "products": MANAGE_PRODUCT}
LIST_URLS = {"processes": "governance:process_list", "policies": "governance:policy_list",
             "positions": "governance:position_list", "risks": "governance:risk_list",
             "controls": "governance:control_list", "products": "governance:product_list"}


@require_POST
@staff_view(VIEW_POLICY)
def register_import(request: HttpRequest, register: str) -> HttpResponse:
    """Import one register's Excel file; the page lists each refused row as line, column and reason."""
    from finassure.accounts import selectors as access

    if register not in IMPORT_PERMS:
        raise NotFound(_("No such register."))
    if not access.has_perm(request.user, IMPORT_PERMS[register]):
        raise PermissionDenied(_("You may not import this register."))
    back = reverse(LIST_URLS[register])
    form = ImportForm(request.POST, request.FILES)
    rows: list[dict[str, object]] = []
    if form.is_valid():
        try:
            counts = services.register_import(actor=request.user, register=register,
                                              content=form.cleaned_data["file"].read())
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(None, str(exc.message))
            rows = list(exc.extra.get("rows", []))
            if not rows:
                for where, messages in exc.fields.items():
                    if where != "file":  # the file-level reason is the message itself
                        form.add_error(None, f"{where}: {'; '.join(str(m) for m in messages)}")
        else:
            return render(request, "governance/import_done.html", {"counts": counts, "back": back})
    return render(request, "governance/import_errors.html", {"form": form, "rows": rows, "back": back}, status=400)


@require_POST
@staff_view(MANAGE_POLICY)
def process_import(request: HttpRequest) -> HttpResponse:
    return register_import(request, "processes")
