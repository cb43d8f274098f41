"""Cases: the list, one case's page with its alerts, notes and attachments, its transactions and counterparty
graph, and the steps taken on it (note, disposition, drafting a suspicious report)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.monitoring import filing, forms, perms, selectors, services, triage
from finassure.monitoring.models import Case
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.viewutils import apply_error, paginate, staff_view


@staff_view(perms.VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Case.Status.OPEN)
    page = paginate(request, selectors.case_list(actor=request.user, status=status))
    return render(
        request,
        "monitoring/case_list.html",
        {"page": page, "status": status, "statuses": Case.Status.choices},
    )


def _case_page(
    request: HttpRequest, case: Case, bound: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    made: dict[str, Any] = {
        "note_form": forms.NoteForm(),
        "dispose_form": forms.DisposeForm(),
        "grounds_form": forms.GroundsForm(),
        "attachment_form": forms.AttachmentForm(),
    }
    if bound is not None:
        made[bound[0]] = bound[1]
    start, end = selectors.case_period(case=case)
    report = getattr(case, "suspicious_report", None) if hasattr(case, "suspicious_report") else None
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case,
            "alerts": selectors.case_alerts(case=case),
            "notes": selectors.case_notes(case=case),
            "attachments": case.attachments.select_related("uploaded_by"),
            "period": (start, end),
            "report": report,
            "can_work": access.has_perm(request.user, perms.WORK, case.org_unit)
            and case.status == Case.Status.OPEN,
            "can_draft": access.has_perm(request.user, perms.DRAFT, case.org_unit)
            and case.disposition == Case.Disposition.SUSPICIOUS
            and report is None,
            **made,
        },
        status=status,
    )


@staff_view(perms.VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, selectors.case_get(actor=request.user, pk=pk))


@staff_view(perms.VIEW)
def case_transactions(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    account = request.GET.get("account", "")[:64]
    rows = services.store_transactions(txn_ids=selectors.case_txn_ids(case=case))
    if account:
        rows = [r for r in rows if account in (r["account_id"], r["counterparty_account_id"])]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    accounts = selectors.case_accounts(case=case)
    return render(
        request,
        "monitoring/case_transactions.html",
        {"case": case, "page": page, "account": account, "accounts": accounts},
    )


@staff_view(perms.VIEW)
def case_graph(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    accounts = selectors.case_accounts(case=case)
    start, end = selectors.case_period(case=case)
    rows = (
        services.store_transactions(accounts=accounts, start=start, end=end, limit=20000) if accounts else []
    )
    graph = selectors.counterparty_graph(rows=rows, subjects=accounts)
    graph["period"] = [start.isoformat() if start else None, end.isoformat() if end else None]
    return JsonResponse(graph)


@require_POST
@staff_view(perms.WORK)
def case_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    from finassure.monitoring import attachments

    case = selectors.case_get(actor=request.user, pk=pk)
    access.require(request.user, perms.WORK, case.org_unit)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _case_page(request, case, ("attachment_form", form), status=400)
    upload = form.cleaned_data["file"]
    upload.seek(0)
    data = upload.read(attachments.max_bytes() + 1)
    try:
        triage.case_attachment_add(actor=request.user, case=case, name=upload.name or "", data=data)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
        return _case_page(request, case, ("attachment_form", form), status=exc.status)
    messages.success(request, _("File attached."))
    return redirect(case)


@staff_view(perms.VIEW)
def case_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    attachment = selectors.case_attachment_get(actor=request.user, case_pk=pk, pk=attachment_pk)
    data = triage.case_attachment_open(actor=request.user, attachment=attachment)
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


CASE_ACTIONS = {"note": forms.NoteForm, "dispose": forms.DisposeForm, "report": forms.GroundsForm}


@require_POST
@staff_view(perms.VIEW)
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    form_class = CASE_ACTIONS.get(action)
    if form_class is None:
        raise NotFound(_("No such step."))
    needed = perms.DRAFT if action == "report" else perms.WORK
    access.require(request.user, needed)
    case = selectors.case_get(actor=request.user, pk=pk)
    access.require(request.user, needed, case.org_unit)
    form = form_class(request.POST)
    key = {"note": "note_form", "dispose": "dispose_form", "report": "grounds_form"}[action]
    if not form.is_valid():
        return _case_page(request, case, (key, form), status=400)
    try:
        if action == "note":
            triage.case_note_add(actor=request.user, case=case, text=form.cleaned_data["text"])
        elif action == "dispose":
            triage.case_dispose(actor=request.user, case=case, **form.cleaned_data)
        else:
            report = filing.suspicious_report_draft(actor=request.user, case=case, **form.cleaned_data)
            messages.success(request, _("Suspicious report drafted."))
            return redirect(report)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
        return _case_page(request, case, (key, form), status=exc.status)
    messages.success(request, _("Done."))
    return redirect(case)
