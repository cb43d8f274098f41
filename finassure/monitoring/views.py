"""Pages of risk monitoring: the alert queue, cases with their transactions and graph, AML reports, engine runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.monitoring import filing, forms, perms, selectors, services, triage
from finassure.monitoring.models import Alert, Case, LargeValueReport, ReportStatus, Run, Severity
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response

# --- alerts --------------------------------------------------------------------------------------------------------


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


# --- cases ---------------------------------------------------------------------------------------------------------


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


# --- reports -------------------------------------------------------------------------------------------------------


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


# --- runs ----------------------------------------------------------------------------------------------------------


@staff_view(perms.VIEW)
def run_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.run_list(actor=request.user), per_page=25)
    return render(
        request,
        "monitoring/run_list.html",
        {
            "page": page,
            "can_run": access.has_perm(request.user, perms.RUN),
            "store": services.transaction_store(),
        },
    )


@require_POST
@staff_view(perms.RUN)
def run_start(request: HttpRequest) -> HttpResponse:
    units = access.org_unit_list(actor=request.user, perm=perms.RUN)
    unit = units.first()
    assert unit is not None  # staff_view checked that the permission is held somewhere
    try:
        run = services.run_request(actor=request.user, org_unit=unit, trigger=Run.Trigger.MANUAL)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("monitoring:run_list")
    messages.success(request, _("Run #%(pk)s requested; the worker starts it shortly.") % {"pk": run.pk})
    return redirect(run)


@staff_view(perms.VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, pk=pk)
    return render(
        request,
        "monitoring/run_detail.html",
        {
            "run": run,
            "can_retry": run.status == Run.Status.FAILED
            and access.has_perm(request.user, perms.RUN, run.org_unit),
        },
    )


@require_POST
@staff_view(perms.RUN)
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, pk=pk)
    try:
        services.run_retry(actor=request.user, run=run)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect(run)
    messages.success(request, _("Run #%(pk)s goes back to the worker.") % {"pk": run.pk})
    return redirect(run)


# --- rules and models ----------------------------------------------------------------------------------------------


def _rule_page(
    request: HttpRequest, change_form: forms.RuleChangeForm | None = None, status: int = 200
) -> HttpResponse:
    from finassure.monitoring import rulebook

    units = access.org_unit_list(actor=request.user, perm=perms.VIEW)
    chosen = _int_or_none(request.GET.get("unit"))
    unit = (units.filter(pk=chosen).first() if chosen else None) or units.first()
    tune_units = access.org_unit_list(actor=request.user, perm=perms.TUNE)
    changes = selectors.rule_change_list(actor=request.user)
    return render(
        request,
        "monitoring/rule_list.html",
        {
            "tuning": selectors.rule_tuning(actor=request.user),
            "units": units,
            "unit": unit,
            "configuration": selectors.rule_configuration(actor=request.user, org_unit=unit) if unit else [],
            "pending": changes.filter(status="proposed"),
            "history": changes.exclude(status="proposed")[:50],
            "can_tune": access.has_perm(request.user, perms.TUNE),
            "can_decide": access.has_perm(request.user, perms.APPROVE_CHANGE),
            "change_form": change_form
            or forms.RuleChangeForm(
                units=tune_units, rule_ids=sorted(rulebook.builtin_rules()), initial={"org_unit": unit}
            ),
            "decision_form": forms.DecisionForm(),
        },
        status=status,
    )


def _int_or_none(raw: Any) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 18 else None


@staff_view(perms.VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    """Rules as runs apply them (per unit), pending and past changes, and tuning figures per rule over time."""
    return _rule_page(request)


@require_POST
@staff_view(perms.TUNE)
def rule_change_propose(request: HttpRequest) -> HttpResponse:
    from finassure.monitoring import rulebook

    form = forms.RuleChangeForm(
        request.POST,
        units=access.org_unit_list(actor=request.user, perm=perms.TUNE),
        rule_ids=sorted(rulebook.builtin_rules()),
    )
    if not form.is_valid():
        return _rule_page(request, form, status=400)
    try:
        change = rulebook.rule_change_propose(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
        return _rule_page(request, form, status=exc.status)
    messages.success(request, _("Change proposed; it applies once a second person approves it."))
    return redirect(change)


@require_POST
@staff_view(perms.APPROVE_CHANGE)
def rule_change_decide(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from finassure.monitoring import rulebook

    if action not in ("approve", "reject"):
        raise NotFound(_("No such step."))
    change = selectors.rule_change_get(actor=request.user, pk=pk)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        if action == "approve":
            rulebook.rule_change_approve(
                actor=request.user, change=change, note=form.cleaned_data.get("note", "")
            )
        else:
            rulebook.rule_change_reject(
                actor=request.user, change=change, note=form.cleaned_data.get("note", "")
            )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return _rule_page(request, status=exc.status)
    messages.success(request, _("Done."))
    return redirect(change)


def _model_page(
    request: HttpRequest, register_form: forms.ModelRegisterForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "monitoring/model_list.html",
        {
            "models": selectors.model_list(actor=request.user),
            "comparisons": selectors.shadow_comparisons(actor=request.user),
            "can_tune": access.has_perm(request.user, perms.TUNE),
            "can_decide": access.has_perm(request.user, perms.APPROVE_CHANGE),
            "register_form": register_form
            or forms.ModelRegisterForm(units=access.org_unit_list(actor=request.user, perm=perms.TUNE)),
            "role_form": forms.ModelRoleForm(),
            "decision_form": forms.DecisionForm(),
        },
        status=status,
    )


@staff_view(perms.VIEW)
def model_list(request: HttpRequest) -> HttpResponse:
    """Model versions with their metrics and roles; shadow against current on the same runs."""
    return _model_page(request)


@require_POST
@staff_view(perms.TUNE)
def model_register(request: HttpRequest) -> HttpResponse:
    from finassure.monitoring import rulebook

    form = forms.ModelRegisterForm(
        request.POST, units=access.org_unit_list(actor=request.user, perm=perms.TUNE)
    )
    if not form.is_valid():
        return _model_page(request, form, status=400)
    try:
        model = rulebook.model_register(actor=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
        return _model_page(request, form, status=exc.status)
    messages.success(request, _("Model version registered as a candidate."))
    return redirect(model)


@require_POST
@staff_view(perms.VIEW)
def model_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from finassure.monitoring import rulebook

    needed = {"request": perms.TUNE, "approve": perms.APPROVE_CHANGE, "reject": perms.APPROVE_CHANGE}.get(
        action
    )
    if needed is None:
        raise NotFound(_("No such step."))
    access.require(request.user, needed)
    model = selectors.model_get(actor=request.user, pk=pk)
    try:
        if action == "request":
            form = forms.ModelRoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a role and give a reason."))
                return _model_page(request, status=400)
            rulebook.model_role_request(actor=request.user, model=model, **form.cleaned_data)
        elif action == "approve":
            rulebook.model_role_approve(actor=request.user, model=model)
        else:
            decision = forms.DecisionForm(request.POST)
            decision.is_valid()
            rulebook.model_role_reject(
                actor=request.user, model=model, note=decision.cleaned_data.get("note", "")
            )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return _model_page(request, status=exc.status)
    messages.success(request, _("Done."))
    return redirect(model)
