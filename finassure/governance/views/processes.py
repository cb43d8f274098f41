"""Pages of the business-process catalogue."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts.models import BusinessLine
from finassure.governance import registers, selectors, services
from finassure.governance.forms import (
    ProcessForm,
    SeedProcessesForm,
)
from finassure.governance.permissions import (
    MANAGE_POLICY,
    VIEW_POLICY,
)
from finassure.governance.views._common import _lines, import_form_for, list_page
from finassure.platform.errors import ApplicationError
from finassure.platform.ids import parse_id
from finassure.platform.viewutils import apply_error, staff_view


@staff_view(VIEW_POLICY)
def process_list(request: HttpRequest) -> HttpResponse:
    q, line = request.GET.get("q", "").strip(), parse_id(request.GET.get("business_line"))
    can_manage = selectors.can(request.user, MANAGE_POLICY)
    return list_page(request, selectors.process_list(actor=request.user, search=q, business_line_id=line),
                     template="governance/process_list.html", register=registers.PROCESSES, context={
        "q": q, "can_manage": can_manage, "line": line,
        "seed_form": SeedProcessesForm(units=selectors.manage_units(actor=request.user), lines=_lines(request))
        if can_manage else None, "import_form": import_form_for(request, "processes"), "register": "processes",
        "lines": BusinessLine.objects.filter(institution__org_units__in=selectors.manage_units(
            actor=request.user, perm=VIEW_POLICY)).distinct().order_by("code"),
    })


@staff_view(MANAGE_POLICY)
def process_create(request: HttpRequest) -> HttpResponse:
    form = ProcessForm(request.POST or None, units=selectors.manage_units(actor=request.user), lines=_lines(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.process_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:process_list")
    return render(request, "governance/form.html", {"form": form, "title": _("New business process")},
                  status=400 if form.errors else 200)


@require_POST
@staff_view(MANAGE_POLICY)
def process_seed(request: HttpRequest) -> HttpResponse:
    form = SeedProcessesForm(request.POST, units=selectors.manage_units(actor=request.user), lines=_lines(request))
    if form.is_valid():
        services.process_seed_defaults(actor=request.user, **form.cleaned_data)
        return redirect("governance:process_list")
    return render(request, "governance/form.html", {"form": form, "title": _("Load default processes")}, status=400)
