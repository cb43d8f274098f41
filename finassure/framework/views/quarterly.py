"""The quarterly report (HTML, PDF, Excel)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from finassure.framework import forms, reports, selectors
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.platform.ids import parse_id
from finassure.platform.viewutils import staff_view

# --- reports --------------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
@require_GET
def quarterly_report(request: HttpRequest) -> HttpResponse:
    units = selectors.units_in_scope(actor=request.user)
    default = Period.containing(timezone.localdate(), "quarter").previous().label()
    data = request.GET.copy()  # the dashboard's link names only the unit: the period defaults to last quarter
    data.setdefault("period", default)
    form = forms.ReportForm(data, units=units)
    if not form.is_valid():
        return render(request, "framework/report_form.html", {"form": form}, status=400)
    try:
        period = Period.parse(form.cleaned_data["period"])
    except ValueError:
        form.add_error("period", _("Not a quarter: use 2026Q3."))
        return render(request, "framework/report_form.html", {"form": form}, status=400)
    if period.kind != "quarter":
        form.add_error("period", _("Not a quarter: use 2026Q3."))
        return render(request, "framework/report_form.html", {"form": form}, status=400)
    unit_id = parse_id(form.cleaned_data.get("unit"))
    unit = (selectors.unit_get(actor=request.user, pk=unit_id) if unit_id
            else selectors.default_unit(actor=request.user))
    if unit is None:  # nothing in scope (an external assessor without an engagement): the empty form
        return render(request, "framework/report_form.html", {"form": form})
    report = reports.quarterly(actor=request.user, unit=unit, period=period)
    fmt = request.GET.get("format", "html")
    if fmt == "pdf":
        response = HttpResponse(reports.quarterly_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="assurance-{period.label()}.pdf"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(reports.quarterly_xlsx(report),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="assurance-{period.label()}.xlsx"'
        return response
    return render(request, "framework/report.html", {"form": form, "report": report})
