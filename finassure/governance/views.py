"""Pages of governance: processes, policies and their versions, coverage, positions, regulations, attestation,
internal audit. Thin: forms validate, services decide, selectors read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts.models import BusinessLine, User
from finassure.governance import selectors, services
from finassure.governance.forms import (
    ArticleMapForm,
    AuditPlanForm,
    ControlForm,
    ControlTestForm,
    EngagementForm,
    FindingForm,
    ImportForm,
    IncompatibleDutyForm,
    KriForm,
    KriValueForm,
    PolicyForm,
    PolicyReviewForm,
    PositionForm,
    ProcessForm,
    PublishForm,
    ReportForm,
    RetireForm,
    ReviewForm,
    RiskAcceptForm,
    RiskForm,
    SeedProcessesForm,
    VersionForm,
)
from finassure.governance.models import Engagement, Policy, PolicyVersion, Risk
from finassure.governance.permissions import (
    APPROVE_POLICY,
    MANAGE_AUDIT,
    MANAGE_POLICY,
    MANAGE_RISK,
    VIEW_AUDIT,
    VIEW_POLICY,
    VIEW_RISK,
)
from finassure.governance.registers import PROCESS_COLUMNS
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.forms import StyledForm
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _blank_form() -> StyledForm:
    """A validated empty form to carry a service's refusal onto the error page."""
    form = StyledForm({})
    form.is_valid()
    return form


def _lines(request: HttpRequest) -> Any:
    units = selectors.manage_units(actor=request.user)
    return BusinessLine.objects.filter(institution__in=units.values("institution")).order_by("code")


# --- processes ----------------------------------------------------------------------------------


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


# --- policies -----------------------------------------------------------------------------------


def _policy_filters(request: HttpRequest) -> dict[str, Any]:
    return {"search": request.GET.get("q", "").strip(), "kind": request.GET.get("kind", ""),
            "status": request.GET.get("status", ""), "org_unit_id": _int(request.GET.get("org_unit")),
            "review_overdue": request.GET.get("overdue") == "1"}


@staff_view(VIEW_POLICY)
def policy_list(request: HttpRequest) -> HttpResponse:
    filters = _policy_filters(request)
    policies = selectors.policy_list(actor=request.user, **filters)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("policies.xlsx", [_("Document number"), _("Title"), _("Type"), _("Owner unit"),
                                               _("Version in force"), _("Effective from"), _("Next review"),
                                               _("Retired")],
                             ([p.code, p.title, p.get_kind_display(), p.org_unit.name,
                               p.effective_version.number if p.effective_version else None,
                               p.effective_version.effective_from if p.effective_version else None,
                               p.review_due, p.is_retired] for p in policies))
    return render(request, "governance/policy_list.html", {
        "page": paginate(request, policies), "filters": filters, "kinds": Policy.Kind.choices,
        "units": selectors.manage_units(actor=request.user, perm=VIEW_POLICY),
        "can_manage": selectors.can(request.user, MANAGE_POLICY),
    })


def _policy_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> PolicyForm:
    return PolicyForm(data, units=selectors.manage_units(actor=request.user),
                      processes=selectors.process_list(actor=request.user, active=True),
                      positions=selectors.position_list(actor=request.user), **kwargs)


@staff_view(MANAGE_POLICY)
def policy_create(request: HttpRequest) -> HttpResponse:
    form = _policy_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:policy_detail", pk=policy.pk)
    return render(request, "governance/form.html", {"form": form, "title": _("New policy")},
                  status=400 if form.errors else 200)


@staff_view(MANAGE_POLICY)
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, pk=pk, perm=MANAGE_POLICY)
    initial = {"title": policy.title, "kind": policy.kind, "review_due": policy.review_due,
               "processes": list(policy.processes.all()), "positions": list(policy.positions.all())}
    form = _policy_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, policy=policy, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:policy_detail", pk=policy.pk)
    return render(request, "governance/form.html", {"form": form, "title": policy},
                  status=400 if form.errors else 200)


@staff_view(VIEW_POLICY)
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, pk=pk)
    versions = list(selectors.policy_versions(policy=policy))
    unit = policy.org_unit
    return render(request, "governance/policy_detail.html", {
        "policy": policy, "versions": versions, "open_version": next(
            (v for v in versions if v.status in {"draft", "review", "approved"}), None),
        "counts": selectors.attestation_counts_by_version(versions=versions),
        "completion": selectors.attestation_completion(actor=request.user, version=policy.effective_version)
        if policy.effective_version else [],
        "can_manage": selectors.can(request.user, MANAGE_POLICY, unit),
        "can_approve": selectors.can(request.user, APPROVE_POLICY, unit),
        "review_form": ReviewForm(), "publish_form": PublishForm(), "retire_form": RetireForm(),
        "policy_review_form": PolicyReviewForm(), "reviews": policy.reviews.select_related("reviewer")[:10],
    })


@require_POST
@staff_view(APPROVE_POLICY)
def policy_review(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, pk=pk, perm=APPROVE_POLICY)
    form = PolicyReviewForm(request.POST)
    if form.is_valid():
        try:
            services.policy_review_record(actor=request.user, policy=policy, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": policy.get_absolute_url()},
                      status=400)
    return redirect("governance:policy_detail", pk=policy.pk)


@staff_view(MANAGE_POLICY)
def version_create(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, pk=pk, perm=MANAGE_POLICY)
    latest = policy.versions.order_by("-number").first()
    form = VersionForm(request.POST or None, initial={"body": latest.body if latest else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_create(actor=request.user, policy=policy, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:policy_detail", pk=policy.pk)
    return render(request, "governance/form.html", {"form": form, "title": _("New version of %(policy)s") % {
        "policy": policy}}, status=400 if form.errors else 200)


@require_POST
@staff_view(VIEW_POLICY)
def version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """submit (manager), review and approve (approver, never the author), publish (manager)."""
    version = selectors.policy_version_get(actor=request.user, pk=pk)
    form: Any = None
    try:
        if action == "submit":
            services.policy_version_submit(actor=request.user, version=version)
        elif action == "review":
            form = ReviewForm(request.POST)
            if form.is_valid():
                services.policy_version_review(actor=request.user, version=version,
                                               accept=form.cleaned_data["decision"] == "accept",
                                               comment=form.cleaned_data["comment"])
        elif action == "approve":
            services.policy_version_approve(actor=request.user, version=version)
        elif action == "publish":
            form = PublishForm(request.POST)
            if form.is_valid():
                services.policy_version_publish(actor=request.user, version=version,
                                                effective_from=form.cleaned_data["effective_from"])
        else:
            raise NotFound("No such action.")
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        form = form if form is not None and form.is_bound else _blank_form()
        apply_error(form, exc)
    if form is not None and form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": version.get_absolute_url()},
                      status=400)
    return redirect("governance:policy_detail", pk=version.policy_id)


@require_POST
@staff_view(MANAGE_POLICY)
def policy_retire(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(actor=request.user, pk=pk, perm=MANAGE_POLICY)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            services.policy_retire(actor=request.user, policy=policy, on=form.cleaned_data["on"])
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": policy.get_absolute_url()},
                      status=400)
    return redirect("governance:policy_detail", pk=policy.pk)


@staff_view(VIEW_POLICY)
def version_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The text changes of a version against the one before it (or `?against=<version id>`)."""
    new = selectors.policy_version_get(actor=request.user, pk=pk)
    against = _int(request.GET.get("against"))
    old: PolicyVersion | None
    if against:
        old = selectors.policy_version_get(actor=request.user, pk=against)
        if old.policy_id != new.policy_id:
            raise NotFound("No such version of this policy.")
    else:
        old = new.policy.versions.filter(number__lt=new.number).order_by("-number").first()
    return render(request, "governance/version_diff.html", {
        "new": new, "old": old, "lines": selectors.version_diff(old=old, new=new) if old else [],
    })


# --- coverage and attestation -------------------------------------------------------------------


@staff_view(VIEW_POLICY)
def coverage(request: HttpRequest) -> HttpResponse:
    overall, per_unit = selectors.coverage_by_unit(actor=request.user)
    return render(request, "governance/coverage.html", {
        "overall": overall, "per_unit": per_unit,
        "completion": selectors.attestation_completion(actor=request.user),
    })


@staff_view(VIEW_POLICY)
def my_attestations(request: HttpRequest) -> HttpResponse:
    return render(request, "governance/my_attestations.html", {
        "attestations": selectors.my_attestations(user=request.user)})


@require_POST
@staff_view(VIEW_POLICY)
def attestation_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = selectors.attestation_get_own(user=request.user, pk=pk)
    services.attestation_confirm(actor=request.user, attestation=attestation)
    return redirect("governance:my_attestations")


@staff_view(VIEW_POLICY)
def attestation_read(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = selectors.attestation_get_own(user=request.user, pk=pk)
    return render(request, "governance/attestation_read.html", {"attestation": attestation})


# --- positions ----------------------------------------------------------------------------------


@staff_view(VIEW_POLICY)
def position_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    positions = selectors.position_list(actor=request.user, search=q)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("positions.xlsx", [_("Org unit"), _("Code"), _("Name"), _("Duties"),
                                                _("Permissions needed"), _("Holders")],
                             ([p.org_unit.name, p.code, p.name, p.duties, p.permissions_needed,
                               getattr(p, "holder_count", 0)]
                              for p in positions))
    can_manage = selectors.can(request.user, MANAGE_POLICY)
    return render(request, "governance/position_list.html", {
        "page": paginate(request, positions), "q": q, "can_manage": can_manage,
        "conflicts": selectors.duty_conflicts(actor=request.user),
        "pairs": selectors.incompatible_duties(actor=request.user),
        "pair_form": IncompatibleDutyForm(positions=selectors.position_list(actor=request.user, perm=MANAGE_POLICY))
        if can_manage else None,
    })


def _staff_of(request: HttpRequest) -> Any:
    units = selectors.manage_units(actor=request.user)
    return User.objects.filter(org_unit__in=units, is_active=True).order_by("username")


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


# --- regulations --------------------------------------------------------------------------------


@staff_view(VIEW_POLICY)
def regulation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "governance/regulation_list.html", {
        "regulations": selectors.regulation_list(actor=request.user),
        "gaps": selectors.article_gaps(actor=request.user),
    })


@staff_view(VIEW_POLICY)
def regulation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    regulation = selectors.regulation_get(actor=request.user, pk=pk)
    can_manage = selectors.can(request.user, MANAGE_POLICY)
    return render(request, "governance/regulation_detail.html", {
        "regulation": regulation, "articles": selectors.regulation_articles(actor=request.user, regulation=regulation),
        "map_form": ArticleMapForm(policies=selectors.policy_list(actor=request.user, perm=MANAGE_POLICY))
        if can_manage else None,
    })


@require_POST
@staff_view(MANAGE_POLICY)
def article_map(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(actor=request.user, pk=pk)
    form = ArticleMapForm(request.POST, policies=selectors.policy_list(actor=request.user, perm=MANAGE_POLICY))
    if not form.is_valid():
        return render(request, "governance/form_errors.html", {"form": form, "back": "../../"}, status=400)
    services.article_map(actor=request.user, article=article, policy=form.cleaned_data["policy"])
    return redirect("governance:regulation_detail", pk=article.regulation_id)


# --- internal audit -----------------------------------------------------------------------------


@staff_view(VIEW_AUDIT)
def engagement_list(request: HttpRequest) -> HttpResponse:
    q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    engagements = selectors.engagement_list(actor=request.user, search=q, status=status,
                                            year=_int(request.GET.get("year")))
    if request.GET.get("format") == "xlsx":
        return xlsx_response("audits.xlsx", [_("Quarter"), _("Title"), _("Audited unit"), _("Lead auditor"),
                                             _("Status"), _("Starts on"), _("Report issued on"), _("Findings")],
                             ((f"{e.plan.year}Q{e.plan.quarter}", e.title, e.org_unit.name, str(e.lead),
                               e.get_status_display(), e.starts_on, e.reported_on, getattr(e, "finding_count", 0))
                              for e in engagements))
    return render(request, "governance/engagement_list.html", {
        "page": paginate(request, engagements), "q": q, "status": status, "statuses": Engagement.Status.choices,
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
            raise NotFound("No such action.")
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


# --- risk register ------------------------------------------------------------------------------


def _risk_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> RiskForm:
    units = selectors.manage_units(actor=request.user, perm=MANAGE_RISK)
    return RiskForm(data, units=units,
                    owners=User.objects.filter(org_unit__institution__in=units.values("institution"),
                                               is_active=True).order_by("username"),
                    controls=selectors.control_list(actor=request.user, perm=MANAGE_RISK),
                    policies=selectors.policy_list(actor=request.user), **kwargs)


@staff_view(VIEW_RISK)
def risk_list(request: HttpRequest) -> HttpResponse:
    q, category, level = (request.GET.get("q", "").strip(), request.GET.get("category", ""),
                          request.GET.get("level", ""))
    risks = selectors.risk_list(actor=request.user, search=q, category=category, level=level)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("risks.xlsx", [_("Title"), _("Category"), _("Org unit"), _("Inherent likelihood"),
                                            _("Inherent impact"), _("Residual likelihood"), _("Residual impact"),
                                            _("Treatment"), _("Risk owner"), _("Next review")],
                             ((r.title, r.get_category_display(), r.org_unit.name, r.inherent_likelihood,
                               r.inherent_impact, r.residual_likelihood, r.residual_impact,
                               r.get_treatment_display(), str(r.owner), r.review_due) for r in risks))
    cells = selectors.heat_map(actor=request.user)
    return render(request, "governance/risk_list.html", {
        "page": paginate(request, risks), "q": q, "category": category, "level": level,
        "categories": Risk.Category.choices, "levels": list(selectors.LEVEL_SCORES),
        "heatmap": {"cells": cells, "max": max(max(row) for row in cells), "likelihood": _("Likelihood"),
                    "impact": _("Impact")},
        "can_manage": selectors.can(request.user, MANAGE_RISK),
    })


@staff_view(MANAGE_RISK)
def risk_create(request: HttpRequest) -> HttpResponse:
    form = _risk_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:risk_detail", pk=risk.pk)
    return render(request, "governance/form.html", {"form": form, "title": _("New risk")},
                  status=400 if form.errors else 200)


@staff_view(MANAGE_RISK)
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk = selectors.risk_get(actor=request.user, pk=pk, perm=MANAGE_RISK)
    initial = {name: getattr(risk, name) for name in services.RISK_FIELDS}
    initial.update(controls=list(risk.controls.all()), policies=list(risk.policies.all()))
    form = _risk_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_update(actor=request.user, risk=risk, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:risk_detail", pk=risk.pk)
    return render(request, "governance/form.html", {"form": form, "title": risk},
                  status=400 if form.errors else 200)


@staff_view(VIEW_RISK)
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = selectors.risk_get(actor=request.user, pk=pk)
    can_manage = selectors.can(request.user, MANAGE_RISK, risk.org_unit)
    return render(request, "governance/risk_detail.html", {
        "risk": risk, "kris": selectors.kris_of(risk=risk), "can_manage": can_manage,
        "is_owner": risk.owner_id == request.user.pk,
        "kri_form": KriForm() if can_manage else None, "value_form": KriValueForm() if can_manage else None,
        "accept_form": RiskAcceptForm(),
    })


@require_POST
@staff_view(VIEW_RISK)
def risk_accept(request: HttpRequest, pk: int) -> HttpResponse:
    risk = selectors.risk_get(actor=request.user, pk=pk)
    form = RiskAcceptForm(request.POST)
    if form.is_valid():
        services.risk_accept(actor=request.user, risk=risk, note=form.cleaned_data["note"])
        return redirect("governance:risk_detail", pk=risk.pk)
    return render(request, "governance/form_errors.html", {"form": form, "back": risk.get_absolute_url()},
                  status=400)


@require_POST
@staff_view(MANAGE_RISK)
def kri_create(request: HttpRequest, pk: int) -> HttpResponse:
    risk = selectors.risk_get(actor=request.user, pk=pk, perm=MANAGE_RISK)
    form = KriForm(request.POST)
    if form.is_valid():
        try:
            services.kri_create(actor=request.user, risk=risk, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": risk.get_absolute_url()},
                      status=400)
    return redirect("governance:risk_detail", pk=risk.pk)


@require_POST
@staff_view(MANAGE_RISK)
def kri_value(request: HttpRequest, pk: int) -> HttpResponse:
    kri = selectors.kri_get(actor=request.user, pk=pk, perm=MANAGE_RISK)
    form = KriValueForm(request.POST)
    if form.is_valid():
        try:
            services.kri_record_value(actor=request.user, kri=kri, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": kri.get_absolute_url()},
                      status=400)
    return redirect("governance:risk_detail", pk=kri.risk_id)


@staff_view(VIEW_RISK)
def control_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    controls = selectors.control_list(actor=request.user, search=q)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("controls.xlsx", [_("Code"), _("Name"), _("Org unit"), _("Owner"), _("Frequency"),
                                               _("Risks")],
                             ((c.code, c.name, c.org_unit.name, str(c.owner), c.get_frequency_display(),
                               getattr(c, "risk_count", 0)) for c in controls))
    return render(request, "governance/control_list.html", {
        "page": paginate(request, controls), "q": q, "can_manage": selectors.can(request.user, MANAGE_RISK)})


@staff_view(MANAGE_RISK)
def control_create(request: HttpRequest) -> HttpResponse:
    units = selectors.manage_units(actor=request.user, perm=MANAGE_RISK)
    form = ControlForm(request.POST or None, units=units,
                       owners=User.objects.filter(org_unit__in=units, is_active=True).order_by("username"),
                       processes=selectors.process_list(actor=request.user, active=True))
    if request.method == "POST" and form.is_valid():
        try:
            services.control_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:control_list")
    return render(request, "governance/form.html", {"form": form, "title": _("New control")},
                  status=400 if form.errors else 200)


@staff_view(VIEW_RISK)
def control_detail(request: HttpRequest, pk: int) -> HttpResponse:
    control = selectors.control_get(actor=request.user, pk=pk)
    can_test = control.owner_id != request.user.pk and (
        selectors.can(request.user, MANAGE_RISK, control.org_unit)
        or selectors.can(request.user, MANAGE_AUDIT, control.org_unit))
    return render(request, "governance/control_detail.html", {
        "control": control, "tests": selectors.control_tests(control=control),
        "test_form": ControlTestForm() if can_test else None})


@require_POST
@staff_view(VIEW_RISK)
def control_test(request: HttpRequest, pk: int) -> HttpResponse:
    control = selectors.control_get(actor=request.user, pk=pk)
    form = ControlTestForm(request.POST)
    if form.is_valid():
        try:
            services.control_test_record(actor=request.user, control=control, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": control.get_absolute_url()},
                      status=400)
    return redirect("governance:control_detail", pk=control.pk)
