"""The alert queue: filtering, Excel export, bulk close as false positives, and one alert's page with its
assignment and escalation to a case."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.monitoring import forms, perms, selectors, services, triage
from finassure.monitoring.models import Alert, Severity
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response


@staff_view(perms.VIEW)
def alert_list(
    request: HttpRequest, bulk_form: forms.BulkCloseForm | None = None, status: int = 200
) -> HttpResponse:
    filters = selectors.AlertFilter.from_query(request.GET)
    queue = selectors.CappedCount(selectors.alert_list(actor=request.user, filters=filters))
    page = paginate(request, queue)
    return render(
        request,
        "monitoring/alert_list.html",
        {
            "page": page,
            "capped": queue.capped,
            "cap": queue.cap,
            "filters": filters,
            "params": request.GET,
            "today": timezone.localdate(),
            "statuses": Alert.Status.choices,
            "severities": Severity.choices,
            "rules": selectors.rule_ids(actor=request.user),
            "units": access.org_unit_list(actor=request.user, perm=perms.VIEW),
            "can_work": access.has_perm(request.user, perms.WORK),
            "bulk_form": bulk_form or forms.BulkCloseForm(),
            "export_query": request.GET.urlencode(),
        },
        status=status,
    )


EXPORT_HEADERS = [
    "id",
    "rule",
    "severity",
    "score",
    "status",
    "org unit",
    "customer id",
    "account id",
    "date",
    "direction",
    "currency",
    "value",
    "threshold",
    "transactions",
    "assignee",
    "review due",
    "created",
    "explanation",
]


@staff_view(perms.VIEW)
def alert_export(request: HttpRequest) -> HttpResponse:
    qs = selectors.alert_list(actor=request.user, filters=selectors.AlertFilter.from_query(request.GET))

    def rows() -> Any:
        for a in qs.defer(None).iterator(chunk_size=1000):
            yield [
                a.pk,
                a.rule_id,
                a.get_severity_display(),
                a.score,
                a.get_status_display(),
                str(a.org_unit),
                a.customer_id,
                a.account_id,
                a.date,
                a.direction,
                a.currency,
                a.value,
                a.threshold,
                a.txn_count,
                a.assignee.get_username() if a.assignee else "",
                a.due_date,
                a.created_at,
                a.explanation_zh,
            ]

    return xlsx_response("alerts.xlsx", [_(h) for h in EXPORT_HEADERS], rows())


@require_POST
@staff_view(perms.WORK)
def alert_bulk_close(request: HttpRequest) -> HttpResponse:
    form = forms.BulkCloseForm(request.POST)
    if form.is_valid():
        try:
            count = triage.alert_bulk_close(
                actor=request.user, alert_ids=form.alert_ids, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            apply_error(form, exc)
            return alert_list(request, bulk_form=form, status=exc.status)
        messages.success(request, _("%(count)s alerts closed as false positives.") % {"count": count})
        return redirect("monitoring:alert_list")
    return alert_list(request, bulk_form=form, status=400)


def _alert_page(
    request: HttpRequest, alert: Alert, assign_form: forms.AssignForm | None = None, status: int = 200
) -> HttpResponse:
    unit = alert.org_unit
    analysts = selectors.analysts_for(unit=unit)
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "can_work": access.has_perm(request.user, perms.WORK, unit),
            "assign_form": assign_form
            or forms.AssignForm(initial={"assignee": alert.assignee_id}, analysts=analysts),
            "transactions": services.store_transactions(txn_ids=list(alert.txn_ids), limit=200),
        },
        status=status,
    )


@staff_view(perms.VIEW)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _alert_page(request, selectors.alert_get(actor=request.user, pk=pk))


@require_POST
@staff_view(perms.WORK)
def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(actor=request.user, pk=pk)
    form = forms.AssignForm(request.POST, analysts=selectors.analysts_for(unit=alert.org_unit))
    if not form.is_valid():
        return _alert_page(request, alert, form, status=400)
    try:
        triage.alert_assign(actor=request.user, alert=alert, assignee=form.cleaned_data["assignee"])
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
        return _alert_page(request, alert, form, status=exc.status)
    messages.success(request, _("Alert assigned."))
    return redirect(alert)


@require_POST
@staff_view(perms.WORK)
def alert_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(actor=request.user, pk=pk)
    try:
        case = triage.case_open_for_alert(actor=request.user, alert=alert)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return _alert_page(request, alert, status=exc.status)
    messages.success(request, _("The alert is in case #%(pk)s.") % {"pk": case.pk})
    return redirect(case)
