"""Pages of customer service: the staff complaint register and handling, and the customer portal (no login)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.accounts.roles import Perm
from finassure.platform.errors import ApplicationError, Conflict, NotFound
from finassure.platform.masking import mask
from finassure.platform.middleware import client_ip
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response
from finassure.service import forms, perms, selectors, services, throttle
from finassure.service.models import Channel, Compensation, Complaint, ComplaintEvent, ProductLine

# --- staff: list, export, create ------------------------------------------------------------------


def _filters_context(request: HttpRequest) -> dict[str, Any]:
    return {
        "statuses": Complaint.Status.choices, "product_lines": ProductLine.choices,
        "categories": selectors.category_list(), "channels": Channel.choices,
        "units": access.org_unit_list(actor=request.user, perm=perms.VIEW),
        "clocks": [("sla_breached", _("Internal SLA breached")),
                   ("regulatory_overdue", _("Regulatory deadline passed")), ("major", _("Major complaints"))],
        "params": request.GET,
    }


@staff_view(perms.VIEW)
def complaint_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ComplaintFilter.from_query(request.GET)
    items = selectors.CappedCount(selectors.complaint_list(actor=request.user, filters=filters))
    page = paginate(request, items, per_page=25)
    now = timezone.now()
    rows = [(c, *c.clocks(now)) for c in page]
    return render(request, "service/complaint_list.html", {
        "page": page, "rows": rows, "count_capped": items.capped, "count_cap": items.cap, "can_create": access.has_perm(request.user, perms.CREATE),
        "can_import": access.has_perm(request.user, perms.IMPORT),
        "export_query": request.GET.urlencode(), **_filters_context(request),
    })


EXPORT_HEADERS = [
    "tracking number", "type", "status", "received", "org unit", "product line", "category", "channel",
    "subject", "complainant", "phone", "severity", "group size", "major", "internal SLA", "SLA due",
    "regulatory deadline", "regulatory state", "handling hours",
]


@staff_view(perms.VIEW)
def complaint_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel; personal data stays masked in every export."""
    filters = selectors.ComplaintFilter.from_query(request.GET)
    qs = selectors.complaint_list(actor=request.user, filters=filters)
    now = timezone.now()

    def rows() -> Any:
        for c in qs.iterator(chunk_size=500):
            sla, regulatory = c.clocks(now)
            yield [c.tracking_number, c.get_kind_display(), c.get_status_display(), c.received_at, str(c.org_unit),
                   c.get_product_line_display(), str(c.category or ""), c.get_channel_display(), c.subject,
                   mask(c.complainant_name, "name"), mask(c.complainant_phone, "phone"), c.get_severity_display(),
                   c.group_size, c.is_major, sla.state, sla.due_at, regulatory.due_at, regulatory.state,
                   c.handling_hours]

    return xlsx_response("complaints.xlsx", [_(h) for h in EXPORT_HEADERS], rows())


@staff_view(perms.VIEW)
def complaint_statistics(request: HttpRequest) -> HttpResponse:
    """Complaints by product, category, org unit, month and root cause; compensation; satisfaction."""
    import datetime as dt

    from finassure.framework.periods import Period

    label = (request.GET.get("period") or "").strip()
    try:
        period = Period.parse(label) if label else Period.containing(timezone.localdate(), "year")
    except ValueError:
        period = Period.containing(timezone.localdate(), "year")
    start, end = period.bounds()
    stats = selectors.statistics(actor=request.user, start=start, end=end)
    today = timezone.localdate()
    periods = [Period.containing(today, "year"), Period.containing(today - dt.timedelta(days=366), "year"),
               Period.containing(today, "quarter"), Period.containing(today, "quarter").previous()]
    chart = {"months": [m for m, _ in stats["by_month"]], "counts": [n for _, n in stats["by_month"]],
             "products": [{"name": str(name), "value": n} for name, n in stats["by_product"]]}
    return render(request, "service/statistics.html", {"stats": stats, "period": period, "periods": periods,
                                                        "chart": chart})


@staff_view(perms.CREATE)
def complaint_create(request: HttpRequest) -> HttpResponse:
    services.ensure_default_categories()
    form = forms.ComplaintForm(request.POST or None, request.FILES or None, units=access.org_unit_list(actor=request.user, perm=perms.CREATE),
                               categories=selectors.category_list(active_only=True))
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_register(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Complaint %(number)s registered.") % {"number": complaint.tracking_number})
            return redirect(complaint)
    return render(request, "service/complaint_form.html", {"form": form}, status=400 if form.errors else 200)


# --- staff: detail and handling -------------------------------------------------------------------


def _action_forms(request: HttpRequest, complaint: Complaint, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    handlers = selectors.handlers_for(unit=complaint.org_unit)
    made: dict[str, Any] = {}
    for name, form_class in forms.ACTION_FORMS.items():
        kwargs: dict[str, Any] = {"prefix": name}
        if name == "assign":
            kwargs["handlers"] = handlers
        if name == "remediate":
            kwargs["owners"] = handlers
        if name == "merge":
            kwargs["candidates"] = _merge_candidates(request, complaint)
        made[name.replace("-", "_")] = form_class(**kwargs)  # type: ignore[arg-type]
    made["attach"] = forms.AttachForm()
    if bound is not None:
        made[bound[0].replace("-", "_")] = bound[1]
    return made


def _merge_candidates(request: HttpRequest, complaint: Complaint) -> list[Complaint]:
    if not access.has_perm(request.user, perms.HANDLE, complaint.org_unit):
        return []
    return list(selectors.merge_candidates(actor=request.user, complaint=complaint)[:20])


def _detail(request: HttpRequest, complaint: Complaint, bound: tuple[str, Any] | None = None,
            status: int = 200) -> HttpResponse:
    sla, regulatory = complaint.clocks()
    unit = complaint.org_unit
    can_handle = access.has_perm(request.user, perms.HANDLE, unit)
    hint = selectors.classification_suggest(text=f"{complaint.subject} {complaint.text}") if can_handle else None
    made = _action_forms(request, complaint, bound)
    routing = selectors.routing_suggest(complaint=complaint) if can_handle and complaint.is_open else None
    if routing is not None and (bound is None or bound[0] != "route"):
        made["route"] = forms.RouteForm(prefix="route", initial={"org_unit": routing.target, "rule": routing.rule.pk})
    if hint is not None and (bound is None or bound[0] != "classify"):
        made["classify"] = forms.ClassifyForm(prefix="classify", initial={
            "category": hint.category or complaint.category, "product_line": hint.product_line})
    return render(request, "service/complaint_detail.html", {
        "complaint": complaint, "sla": sla, "regulatory": regulatory,
        "events": selectors.complaint_events(complaint=complaint),
        "compensations": selectors.compensations_of(complaint=complaint),
        "surveys": selectors.surveys_of(complaint=complaint),
        "rechecks": complaint.rechecks.all(),
        "duplicates": complaint.duplicates.all(),
        "attachments": selectors.attachments_of(complaint=complaint),
        "actions": selectors.corrective_actions_of(complaint=complaint),
        "can_handle": can_handle, "can_approve": access.has_perm(request.user, perms.APPROVE, unit),
        "can_reveal": access.has_perm(request.user, Perm.PII_UNMASK, unit),
        "forms": made, "hint": hint, "routing": routing,
    }, status=status)


@staff_view(perms.VIEW)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.complaint_get(actor=request.user, pk=pk))


SIMPLE_ACTIONS = {"accept", "close"}


@require_POST
@staff_view(perms.HANDLE)
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = selectors.complaint_get(actor=request.user, pk=pk)
    actor = request.user
    if action not in SIMPLE_ACTIONS and action not in forms.ACTION_FORMS:
        raise NotFound(_("No such step."))
    form = None
    if action in forms.ACTION_FORMS:
        kwargs: dict[str, Any] = {"prefix": action}
        if action in {"assign", "remediate"}:
            kwargs["handlers" if action == "assign" else "owners"] = selectors.handlers_for(unit=complaint.org_unit)
        if action == "merge":
            kwargs["candidates"] = _merge_candidates(request, complaint)
        form = forms.ACTION_FORMS[action](request.POST, **kwargs)
        if not form.is_valid():
            return _detail(request, complaint, (action, form), status=400)
    data = form.cleaned_data if form is not None else {}
    try:
        result = _perform(action, actor, complaint, data)
    except ApplicationError as exc:
        if form is None:
            messages.error(request, str(exc.message))
            return _detail(request, complaint, status=exc.status)
        apply_error(form, exc)
        return _detail(request, complaint, (action, form), status=exc.status)
    messages.success(request, _("Done."))
    return redirect(result if isinstance(result, Complaint) else complaint)


def _perform(action: str, actor: Any, complaint: Complaint, data: dict[str, Any]) -> Any:
    if action == "accept":
        return services.complaint_accept(actor=actor, complaint=complaint)
    if action == "close":
        return services.complaint_close(actor=actor, complaint=complaint)
    if action == "classify":
        return services.complaint_classify(actor=actor, complaint=complaint, **data)
    if action == "route":
        rule = selectors.routing_rules().filter(pk=data.get("rule")).first() if data.get("rule") else None
        return services.complaint_route(actor=actor, complaint=complaint, org_unit=data["org_unit"], rule=rule)
    if action == "assign":
        return services.complaint_assign(actor=actor, complaint=complaint, handler=data["handler"])
    if action == "note":
        return services.complaint_note(actor=actor, complaint=complaint, **data)
    if action == "pause":
        return services.complaint_pause(actor=actor, complaint=complaint, **data)
    if action == "resume":
        return services.complaint_resume(actor=actor, complaint=complaint, **data)
    if action == "extend":
        return services.complaint_extend(actor=actor, complaint=complaint, **data)
    if action == "decide":
        return services.complaint_decide(actor=actor, complaint=complaint, **data)
    if action == "notify":
        return services.complaint_notify(actor=actor, complaint=complaint, **data)
    if action == "withdraw":
        return services.complaint_withdraw(actor=actor, complaint=complaint, **data)
    if action == "recheck":
        return services.complaint_recheck(actor=actor, complaint=complaint, **data)
    if action == "merge":
        primary = selectors.complaint_get(actor=actor, pk=data["primary"])
        services.complaint_merge(actor=actor, duplicate=complaint, primary=primary, reason=data["reason"])
        return complaint
    if action == "root-cause":
        return services.complaint_set_root_cause(actor=actor, complaint=complaint, **data)
    if action == "remediate":
        services.complaint_remediate(actor=actor, complaint=complaint, **data)
        return complaint
    if action == "compensate":
        services.compensation_propose(actor=actor, complaint=complaint, **data)
        return complaint
    raise NotFound(_("No such step."))  # pragma: no cover - filtered above


@require_POST
@staff_view(Perm.PII_UNMASK)
def complaint_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the complainant's data in full (HTMX fragment); audited."""
    complaint = selectors.complaint_get(actor=request.user, pk=pk)
    values = services.complaint_reveal(actor=request.user, complaint=complaint)
    response = render(request, "service/_revealed.html", {"values": values})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view(perms.HANDLE)
def complaint_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach files to an open complaint: every file is checked by content first; one refused, none stored."""
    complaint = selectors.complaint_get(actor=request.user, pk=pk)
    form = forms.AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            made = services.attachment_add(actor=request.user, complaint=complaint,
                                           uploads=form.cleaned_data["attachments"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("%(n)s file(s) attached.") % {"n": len(made)})
            return redirect(complaint)
    return _detail(request, complaint, ("attach", form), status=400)


@staff_view(Perm.PII_UNMASK)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, only through this view (MEDIA is never served), to roles that may reveal personal data;
    sent as a download that the browser must not render or sniff, and audited."""
    item = selectors.attachment_get(actor=request.user, pk=pk)
    data = services.attachment_open(actor=request.user, attachment=item)
    response = HttpResponse(data, content_type=item.content_type)
    response["Content-Disposition"] = f'attachment; filename="{item.complaint.tracking_number}-{item.pk}{item.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view(perms.HANDLE)
def compensation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action in {"approve", "reject"}:
        access.require(request.user, perms.APPROVE)
    item: Compensation = selectors.compensation_get(actor=request.user, pk=pk)
    try:
        if action in {"approve", "reject"}:
            services.compensation_decide(actor=request.user, compensation=item, approve=action == "approve")
        elif action == "pay":
            form = forms.PaymentForm(request.POST)
            if not form.is_valid():
                raise Conflict(_("Record the payment evidence."))
            services.compensation_pay(actor=request.user, compensation=item, evidence=form.cleaned_data["evidence"])
        else:
            raise NotFound(_("No such step."))
    except Conflict as exc:
        messages.error(request, str(exc.message))
        return _detail(request, item.complaint, status=exc.status)
    messages.success(request, _("Done."))
    return redirect(item.complaint)


@staff_view(perms.CONFIGURE)
def category_list(request: HttpRequest) -> HttpResponse:
    services.ensure_default_categories()
    form = forms.CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            existing = selectors.category_list().filter(code=form.cleaned_data["code"].lower()).first()
            services.category_save(actor=request.user, category=existing, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("service:category_list")
    return render(request, "service/category_list.html",
                  {"form": form, "categories": selectors.category_list(), "model": selectors.classifier_status()},
                  status=400 if form.errors else 200)


@staff_view(perms.CONFIGURE)
def routing_rule_list(request: HttpRequest) -> HttpResponse:
    """The routing rules (a service administrator's page): what goes where; rules only suggest."""
    services.ensure_default_categories()
    form = forms.RoutingRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.routing_rule_save(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("service:routing_rule_list")
    return render(request, "service/routing_rules.html", {"form": form, "rules": selectors.routing_rules()},
                  status=400 if form.errors else 200)


@require_POST
@staff_view(perms.CONFIGURE)
def routing_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.routing_rules().filter(pk=pk).first()
    if rule is None:
        raise NotFound(_("No such routing rule."))
    services.routing_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Routing rule deleted."))
    return redirect("service:routing_rule_list")


@require_POST
@staff_view(perms.CONFIGURE)
def classifier_retrain(request: HttpRequest) -> HttpResponse:
    model = services.classifier_retrain(actor=request.user)
    messages.success(request, _("The classifier was retrained on %(n)s examples.") % {"n": model.examples})
    return redirect("service:category_list")


@staff_view(perms.IMPORT)
def complaint_import(request: HttpRequest) -> HttpResponse:
    """Upload a complaint register; the answer is the row-level report."""
    from finassure.service.services.imports import INLINE_MAX_BYTES

    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            if len(content) <= INLINE_MAX_BYTES:  # small: at once, the job page shows the report
                job = services.complaint_import(actor=request.user, file_name=upload.name, content=content)
            else:  # large: the worker runs it; the job page shows the progress bar
                job = services.complaint_import_start(actor=request.user, file_name=upload.name, content=content)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("service:import_detail", pk=job.pk)
    return render(request, "service/complaint_import.html", {
        "form": form, "report": None, "imports": selectors.import_list(actor=request.user)[:10],
    }, status=400 if form.errors else 200)


@staff_view(perms.IMPORT)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import job: a progress bar polled by HTMX while it runs, then the row-level report."""
    job = selectors.import_get(actor=request.user, pk=pk)
    template = "service/_import_progress.html" if request.htmx else "service/import_detail.html"  # type: ignore[attr-defined]
    return render(request, template, {"report": job, "job": job})


@staff_view(perms.IMPORT)
def import_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows as they were uploaded, with their errors, to correct and upload again."""
    item = selectors.import_get(actor=request.user, pk=pk)
    entries = selectors.import_rejected_rows(item=item)
    from finassure.service.importing import COLUMNS

    columns = [name for name in COLUMNS if any(name in e["values"] for e in entries)]
    reasons: dict[int, list[str]] = {}
    for line, field, reason in item.errors:
        reasons.setdefault(int(line), []).append(f"{field}: {reason}")

    def rows() -> Any:
        for entry in entries:
            yield [*[entry["values"].get(name, "") for name in columns], entry["line"],
                   "; ".join(reasons.get(int(entry["line"]), []))]

    response = xlsx_response(f"rejected-{item.pk}.xlsx", [*columns, "line", "errors"], rows())
    response["Cache-Control"] = "no-store"
    return response


@staff_view(perms.CONFIGURE)
def faq_list(request: HttpRequest) -> HttpResponse:
    form = forms.FaqForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.faq_save(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("service:faq_list")
    return render(request, "service/faq_list.html", {"form": form, "articles": selectors.faq_list()},
                  status=400 if form.errors else 200)


# --- customer portal (no login) -------------------------------------------------------------------


def _throttled(request: HttpRequest) -> HttpResponse:
    return render(request, "service/portal_throttled.html", status=429)


def portal_home(request: HttpRequest) -> HttpResponse:
    """Submit a complaint or a suggestion; the answer is a tracking number and nothing else."""
    form = forms.PortalComplaintForm(request.POST or None, request.FILES or None, units=selectors.portal_units())
    if request.method == "GET":
        services.portal_visit_record(request.session)
    if request.method == "POST":
        ip = client_ip(request)
        if not throttle.allow("portal-submit-ip", ip, throttle.PORTAL_SUBMIT_PER_IP):
            return _throttled(request)
        if form.is_valid():
            data = form.cleaned_data
            phone = selectors.normalise_phone(data["complainant_phone"])
            if not throttle.allow("portal-submit-phone", phone, throttle.PORTAL_SUBMIT_PER_PHONE):
                return _throttled(request)
            try:
                complaint = services.complaint_register(
                    actor=None, org_unit=data["org_unit"], kind=data["kind"], subject=data["subject"],
                    text=data["text"], product_line=data["product_line"], channel=Channel.PORTAL,
                    complainant_name=data["complainant_name"], complainant_phone=phone,
                    attachments=data.get("attachments") or [],
                )
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                if complaint.kind == Complaint.Kind.COMPLAINT:
                    services.portal_visit_record(request.session, complaint_submitted=True)
                return render(request, "service/portal_submitted.html",
                              {"tracking_number": complaint.tracking_number})
        return render(request, "service/portal_home.html", {"form": form}, status=400)
    return render(request, "service/portal_home.html", {"form": form})


def portal_status(request: HttpRequest) -> HttpResponse:
    """Status by tracking number + last 4 digits of the phone: the status and dates, no personal data."""
    form = forms.StatusLookupForm(request.POST or None)
    found: Complaint | None = None
    if request.method == "POST":
        if not throttle.allow("portal-lookup-ip", client_ip(request), throttle.PORTAL_LOOKUP_PER_IP):
            return _throttled(request)
        if form.is_valid():
            number = form.cleaned_data["tracking_number"].strip().upper()
            if not throttle.allow("portal-lookup-number", number, throttle.PORTAL_LOOKUP_PER_TRACKING):
                return _throttled(request)
            candidate = selectors.complaint_by_tracking(tracking_number=number)
            if candidate is not None and (candidate.complainant_phone or "")[-4:] == form.cleaned_data["phone_last4"]:
                found = candidate
            else:
                form.add_error(None, _("No complaint matches this tracking number and phone number."))
    context: dict[str, Any] = {"form": form, "found": found}
    if found is not None:
        context["regulatory"] = found.clocks()[1]
        shown = {"registered", "accepted", "paused", "resumed", "extended", "decided", "closed", "withdrawn"}
        context["steps"] = [(e.at, ComplaintEvent.Kind(e.kind).label) for e in found.clock_events()
                            if e.kind in shown]
    return render(request, "service/portal_status.html", context, status=400 if form.errors else 200)


def portal_survey(request: HttpRequest, token: str) -> HttpResponse:
    survey = selectors.survey_by_token(token=token)
    if survey is None:
        raise NotFound(_("This survey link is not valid."))
    form = forms.SurveyForm(request.POST or None)
    if request.method == "POST":
        if not throttle.allow("portal-survey-ip", client_ip(request), throttle.PORTAL_LOOKUP_PER_IP):
            return _throttled(request)
        if form.is_valid():
            try:
                services.survey_answer(token=token, **form.cleaned_data)
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                return render(request, "service/portal_survey.html", {"done": True})
        return render(request, "service/portal_survey.html", {"form": form, "survey": survey}, status=400)
    return render(request, "service/portal_survey.html",
                  {"form": form, "survey": survey, "done": survey.responded_at is not None})


def portal_faq(request: HttpRequest) -> HttpResponse:
    """FAQ answers for what the customer is typing (an HTMX fragment), or for a search."""
    query = (request.GET.get("text") or request.GET.get("q") or "").strip()[:2000]
    if query and not throttle.allow("portal-faq-ip", client_ip(request), throttle.PORTAL_FAQ_PER_IP):
        return _throttled(request)
    articles = selectors.faq_search(query=query) if query else []
    if articles:
        services.portal_visit_record(request.session, faq_views=1)
    template = "service/_faq_suggestions.html" if request.htmx else "service/portal_faq.html"  # type: ignore[attr-defined]
    return render(request, template, {"articles": articles, "q": query})


@require_POST
def portal_faq_vote(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.faq_list(published_only=True).filter(pk=pk).first()
    if article is None:
        raise NotFound(_("No such article."))
    if throttle.allow(f"portal-faq-vote-{pk}", client_ip(request), throttle.PORTAL_VOTE_PER_IP):
        helpful = request.POST.get("helpful") == "yes"
        services.faq_vote(article=article, helpful=helpful)
        services.portal_visit_record(request.session, helpful_votes=int(helpful))
    return render(request, "service/_faq_voted.html")
