"""AML reports, large-value and suspicious: the list, one report's page, submit → approve or reject, and
export as CSV, XML or PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.monitoring import filing, forms, perms, selectors
from finassure.monitoring.models import LargeValueReport, ReportStatus
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.viewutils import apply_error, paginate, staff_view


@staff_view(perms.VIEW)
def report_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "monitoring/report_list.html",
        {
            "lv_page": paginate(request, selectors.lv_report_list(actor=request.user, status=status)),
            "str_reports": selectors.str_report_list(actor=request.user, status=status)[:100],
            "status": status,
            "statuses": ReportStatus.choices,
            "today": timezone.localdate(),
        },
    )


def _report_page(
    request: HttpRequest,
    kind: str,
    report: Any,
    reject_form: forms.RejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    unit = report.org_unit
    alerts = report.alerts.all() if kind == "lv" else report.case.alerts.all()
    return render(
        request,
        "monitoring/report_detail.html",
        {
            "kind": kind,
            "report": report,
            "alerts": alerts.order_by("customer_id", "date", "id")[:500],
            "today": timezone.localdate(),
            "reject_form": reject_form or forms.RejectForm(),
            "can_submit": report.status == ReportStatus.DRAFT
            and access.has_perm(request.user, perms.DRAFT, unit),
            "can_approve": report.status == ReportStatus.SUBMITTED
            and report.drafted_by_id != request.user.pk
            and access.has_perm(request.user, perms.APPROVE, unit),
        },
        status=status,
    )


@staff_view(perms.VIEW)
def report_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    return _report_page(request, kind, selectors.report_get(actor=request.user, kind=kind, pk=pk))


@require_POST
@staff_view(perms.VIEW)
def report_action(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    needed = {"submit": perms.DRAFT, "approve": perms.APPROVE, "reject": perms.APPROVE}.get(action)
    if needed is None:
        raise NotFound(_("No such step."))
    access.require(request.user, needed)
    report = selectors.report_get(actor=request.user, kind=kind, pk=pk)
    form = forms.RejectForm(request.POST)
    try:
        if action == "submit":
            filing.report_submit(actor=request.user, report=report)
        elif action == "approve":
            filing.report_approve(actor=request.user, report=report)
        elif action == "reject":
            form.is_valid()
            filing.report_reject(
                actor=request.user, report=report, reason=form.cleaned_data.get("reason", "")
            )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
        messages.error(request, str(exc.message))
        return _report_page(request, kind, report, form, status=exc.status)
    messages.success(request, _("Done."))
    return redirect(report)


@staff_view(perms.VIEW)
def report_export(request: HttpRequest, kind: str, pk: int, fmt: str) -> HttpResponse:
    report = selectors.report_get(actor=request.user, kind=kind, pk=pk)
    name = f"{'large-value' if isinstance(report, LargeValueReport) else 'suspicious'}-report-{report.pk}"
    if fmt == "csv":
        response = HttpResponse(
            filing.report_csv(report).encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xml":
        response = HttpResponse(filing.report_xml(report), content_type="application/xml; charset=utf-8")
    elif fmt == "pdf":
        response = HttpResponse(filing.report_pdf(report), content_type="application/pdf")
    else:
        raise NotFound(_("No such format."))
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
