"""Pages of internal audit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts.models import User
from finassure.governance import selectors, services
from finassure.governance.forms import (
    AuditPlanForm,
    EngagementForm,
    FindingForm,
    ReportForm,
)
from finassure.governance.models import Engagement
from finassure.governance.permissions import (
    MANAGE_AUDIT,
    VIEW_AUDIT,
)
from finassure.governance.views._common import _blank_form, list_page
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.ids import parse_year
from finassure.platform.viewutils import apply_error, staff_view


@staff_view(VIEW_AUDIT)
def engagement_list(request: HttpRequest) -> HttpResponse:
    q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    engagements = selectors.engagement_list(actor=request.user, search=q, status=status,
                                            year=parse_year(request.GET.get("year")))
    return list_page(request, engagements, template="governance/engagement_list.html", export=(
        "audits.xlsx", [_("Quarter"), _("Title"), _("Audited unit"), _("Lead auditor"), _("Status"), _("Starts on"),
                        _("Report issued on"), _("Findings")],
        lambda e: (f"{e.plan.year}Q{e.plan.quarter}", e.title, e.org_unit.name, str(e.lead), e.get_status_display(),
                   e.starts_on, e.reported_on, getattr(e, "finding_count", 0))), context={
        "q": q, "status": status, "statuses": Engagement.Status.choices,
        "plans": selectors.audit_plan_list(actor=request.user)[:12],
        "can_manage": selectors.can(request.user, MANAGE_AUDIT),
    })


@staff_view(MANAGE_AUDIT)
def plan_create(request: HttpRequest) -> HttpResponse:
    form = AuditPlanForm(request.POST or None, units=selectors.audit_units(actor=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_plan_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:engagement_list")
    return render(request, "governance/form.html", {"form": form, "title": _("New audit plan")},
                  status=400 if form.errors else 200)


@staff_view(MANAGE_AUDIT)
def engagement_create(request: HttpRequest) -> HttpResponse:
    units = selectors.audit_units(actor=request.user)
    form = EngagementForm(request.POST or None, plans=selectors.audit_plan_list(actor=request.user, perm=MANAGE_AUDIT),
                          units=units, leads=User.objects.filter(org_unit__in=units, is_active=True),
                          processes=selectors.process_list(actor=request.user, active=True))
    if request.method == "POST" and form.is_valid():
        try:
            engagement = services.engagement_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:engagement_detail", pk=engagement.pk)
    return render(request, "governance/form.html", {"form": form, "title": _("New audit engagement")},
                  status=400 if form.errors else 200)


def _finding_form(engagement: Engagement, data: Any = None) -> FindingForm:
    owners = User.objects.filter(org_unit__path__startswith=engagement.org_unit.path, is_active=True)
    return FindingForm(data, owners=owners.order_by("username"))


@staff_view(VIEW_AUDIT)
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_get(actor=request.user, pk=pk)
    can_manage = selectors.can(request.user, MANAGE_AUDIT, engagement.org_unit)
    return render(request, "governance/engagement_detail.html", {
        "engagement": engagement, "findings": selectors.findings_of(engagement=engagement),
        "can_manage": can_manage, "finding_form": _finding_form(engagement) if can_manage else None,
        "report_form": ReportForm() if can_manage else None,
    })


@require_POST
@staff_view(MANAGE_AUDIT)
def engagement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    engagement = selectors.engagement_get(actor=request.user, pk=pk, perm=MANAGE_AUDIT)
    form = ReportForm(request.POST) if action == "report" else _blank_form()
    try:
        if action == "fieldwork":
            services.engagement_start_fieldwork(actor=request.user, engagement=engagement)
        elif action == "report":
            if form.is_valid():
                services.engagement_report(actor=request.user, engagement=engagement, **form.cleaned_data)
        else:
            raise NotFound(_("No such action."))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": engagement.get_absolute_url()},
                      status=400)
    return redirect("governance:engagement_detail", pk=engagement.pk)


@require_POST
@staff_view(MANAGE_AUDIT)
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_get(actor=request.user, pk=pk, perm=MANAGE_AUDIT)
    form = _finding_form(engagement, request.POST)
    if form.is_valid():
        try:
            services.finding_create(actor=request.user, engagement=engagement, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
        else:
            return redirect("governance:engagement_detail", pk=engagement.pk)
    return render(request, "governance/form_errors.html", {"form": form, "back": engagement.get_absolute_url()},
                  status=400)


@staff_view(VIEW_AUDIT)
def engagement_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The engagement's report as PDF, with its findings and the state of their corrective actions."""
    from finassure.framework import selectors as framework_selectors
    from finassure.governance.report import engagement_pdf

    engagement = selectors.engagement_get(actor=request.user, pk=pk)
    findings = [(f, framework_selectors.corrective_actions_for(source=f).first())
                for f in selectors.findings_of(engagement=engagement)]
    response = HttpResponse(engagement_pdf(engagement, findings), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-{engagement.pk}.pdf"'
    return response
