"""Pages of positions and separation of duties."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.governance import registers, selectors, services
from finassure.governance.forms import (
    IncompatibleDutyForm,
    PositionForm,
)
from finassure.governance.permissions import (
    MANAGE_POLICY,
    VIEW_POLICY,
)
from finassure.governance.views._common import _staff_of, import_form_for, list_page
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import apply_error, staff_view


@staff_view(VIEW_POLICY)
def position_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    can_manage = selectors.can(request.user, MANAGE_POLICY)
    return list_page(request, selectors.position_list(actor=request.user, search=q),
                     template="governance/position_list.html", register=registers.POSITIONS, context={
        "q": q, "can_manage": can_manage, "conflicts": selectors.duty_conflicts(actor=request.user),
        "pairs": selectors.incompatible_duties(actor=request.user),
        "pair_form": IncompatibleDutyForm(positions=selectors.position_list(actor=request.user, perm=MANAGE_POLICY))
        if can_manage else None, "import_form": import_form_for(request, "positions"), "register": "positions",
    })


@staff_view(MANAGE_POLICY)
def position_create(request: HttpRequest) -> HttpResponse:
    form = PositionForm(request.POST or None, units=selectors.manage_units(actor=request.user),
                        users=_staff_of(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.position_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:position_list")
    return render(request, "governance/form.html", {"form": form, "title": _("New position")},
                  status=400 if form.errors else 200)


@require_POST
@staff_view(MANAGE_POLICY)
def incompatible_create(request: HttpRequest) -> HttpResponse:
    form = IncompatibleDutyForm(request.POST, positions=selectors.position_list(actor=request.user,
                                                                                perm=MANAGE_POLICY))
    if form.is_valid():
        try:
            services.incompatible_duty_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": "../"}, status=400)
    return redirect("governance:position_list")
