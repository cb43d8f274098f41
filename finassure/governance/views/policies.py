"""Pages of policies and versions, coverage and attestation, the regulation library."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.governance import registers, selectors, services
from finassure.governance.forms import (
    ArticleMapForm,
    PolicyForm,
    PolicyReviewForm,
    PublishForm,
    RetireForm,
    ReviewForm,
    VersionForm,
)
from finassure.governance.models import Policy, PolicyVersion
from finassure.governance.permissions import (
    APPROVE_POLICY,
    MANAGE_POLICY,
    VIEW_POLICY,
)
from finassure.governance.views._common import _blank_form, import_form_for, list_page
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.ids import parse_id
from finassure.platform.viewutils import apply_error, staff_view


def _policy_filters(request: HttpRequest) -> dict[str, Any]:
    return {"search": request.GET.get("q", "").strip(), "kind": request.GET.get("kind", ""),
            "status": request.GET.get("status", ""), "org_unit_id": parse_id(request.GET.get("org_unit")),
            "review_overdue": request.GET.get("overdue") == "1"}


@staff_view(VIEW_POLICY)
def policy_list(request: HttpRequest) -> HttpResponse:
    filters = _policy_filters(request)
    return list_page(request, selectors.policy_list(actor=request.user, **filters),
                     template="governance/policy_list.html", register=registers.POLICIES, context={
        "filters": filters, "kinds": Policy.Kind.choices,
        "units": selectors.manage_units(actor=request.user, perm=VIEW_POLICY),
        "can_manage": selectors.can(request.user, MANAGE_POLICY),
        "import_form": import_form_for(request, "policies"), "register": "policies",
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
    versions = list(selectors.policy_versions(
        policy=policy, published_only=selectors.policy_is_inherited(actor=request.user, policy=policy)))
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
            raise NotFound(_("No such action."))
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
    against = parse_id(request.GET.get("against"))
    old: PolicyVersion | None
    if against:
        old = selectors.policy_version_get(actor=request.user, pk=against)
        if old.policy_id != new.policy_id:
            raise NotFound(_("No such version of this policy."))
    else:
        old = new.policy.versions.filter(number__lt=new.number).order_by("-number").first()
    return render(request, "governance/version_diff.html", {
        "new": new, "old": old, "lines": selectors.version_diff(old=old, new=new) if old else [],
    })


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
