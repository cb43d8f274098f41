"""Pages of the business-process catalogue."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts.models import BusinessLine
from finassure.governance import selectors, services
from finassure.governance.forms import (
    ImportForm,
    ProcessForm,
    SeedProcessesForm,
)
from finassure.governance.permissions import (
    MANAGE_POLICY,
    VIEW_POLICY,
)
from finassure.governance.registers import PROCESS_COLUMNS
from finassure.governance.views._common import _int, _lines
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response


@staff_view(VIEW_POLICY)
def process_list(request: HttpRequest) -> HttpResponse:
    q, line = request.GET.get("q", "").strip(), _int(request.GET.get("business_line"))
    processes = selectors.process_list(actor=request.user, search=q, business_line_id=line)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("processes.xlsx", [str(c) for c in PROCESS_COLUMNS],
                             ([p.business_line.code, p.code, p.name, p.name_en, p.org_unit.code, p.is_active]
                              for p in processes))
    can_manage = selectors.can(request.user, MANAGE_POLICY)
    seed_form = SeedProcessesForm(units=selectors.manage_units(actor=request.user), lines=_lines(request)) \
        if can_manage else None
    import_form = ImportForm() if can_manage else None
    return render(request, "governance/process_list.html", {
        "page": paginate(request, processes), "q": q, "can_manage": can_manage, "seed_form": seed_form, "import_form": import_form,
        "lines": BusinessLine.objects.filter(institution__org_units__in=selectors.manage_units(
            actor=request.user, perm=VIEW_POLICY)).distinct().order_by("code"), "line": line,
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
def process_import(request: HttpRequest) -> HttpResponse:
    """Excel import of the process register (the layout the list exports); row errors refuse the whole file."""
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            counts = services.process_import(actor=request.user, content=form.cleaned_data["file"].read())
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(None, str(exc.message))
            for where, messages in exc.fields.items():
                if where != "file":  # the file-level reason is the message itself
                    form.add_error(None, f"{where}: {'; '.join(str(m) for m in messages)}")
        else:
            return render(request, "governance/import_done.html", {"counts": counts,
                                                                  "back": reverse("governance:process_list")})
    return render(request, "governance/import_errors.html", {"form": form,
                                                            "back": reverse("governance:process_list")}, status=400)


@require_POST
@staff_view(MANAGE_POLICY)
def process_seed(request: HttpRequest) -> HttpResponse:
    form = SeedProcessesForm(request.POST, units=selectors.manage_units(actor=request.user), lines=_lines(request))
    if form.is_valid():
        services.process_seed_defaults(actor=request.user, **form.cleaned_data)
        return redirect("governance:process_list")
    return render(request, "governance/form.html", {"form": form, "title": _("Load default processes")}, status=400)
