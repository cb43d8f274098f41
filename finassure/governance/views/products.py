"""Pages of new products and material changes: register, proposal, the three pre-launch reviews, the decision
with conditions, launch, post-launch review, and the complaints of the product line."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts.models import User
from finassure.governance import registers, selectors, services
from finassure.governance.forms import (
    PostLaunchReviewForm,
    ProductDecisionForm,
    ProductForm,
    ProductLaunchForm,
    ProductReviewForm,
)
from finassure.governance.models import PRODUCT_CHECKLISTS, Product, ProductReview
from finassure.governance.permissions import (
    APPROVE_PRODUCT,
    MANAGE_PRODUCT,
    PRODUCT_REVIEW_PERMS,
    REVIEW_PRODUCT,
    VIEW_PRODUCT,
)
from finassure.governance.views._common import _blank_form, import_form_for, list_page
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.viewutils import apply_error, staff_view
from finassure.service.models import ProductLine


@staff_view(VIEW_PRODUCT)
def product_list(request: HttpRequest) -> HttpResponse:
    q, status, line = (request.GET.get("q", "").strip(), request.GET.get("status", ""),
                       request.GET.get("product_line", ""))
    return list_page(request, selectors.product_list(actor=request.user, search=q, status=status, product_line=line),
                     template="governance/product_list.html", register=registers.PRODUCTS, context={
        "q": q, "status": status, "product_line": line, "statuses": Product.Status.choices,
        "lines": ProductLine.choices, "can_manage": selectors.can(request.user, MANAGE_PRODUCT),
        "import_form": import_form_for(request, "products"), "register": "products",
    })


def _product_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> ProductForm:
    return ProductForm(data, units=selectors.manage_units(actor=request.user, perm=MANAGE_PRODUCT),
                       processes=selectors.process_list(actor=request.user, active=True),
                       policies=selectors.policy_list(actor=request.user),
                       risks=selectors.risk_list(actor=request.user), **kwargs)


@staff_view(MANAGE_PRODUCT)
def product_create(request: HttpRequest) -> HttpResponse:
    form = _product_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:product_detail", pk=product.pk)
    return render(request, "governance/form.html", {"form": form, "title": _("New product or material change")},
                  status=400 if form.errors else 200)


@staff_view(MANAGE_PRODUCT)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(actor=request.user, pk=pk, perm=MANAGE_PRODUCT)
    initial = {name: getattr(product, name) for name in services.PRODUCT_FIELDS}
    initial.update(processes=list(product.processes.all()), policies=list(product.policies.all()),
                   risks=list(product.risks.all()))
    form = _product_form(request, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(actor=request.user, product=product, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
        else:
            return redirect("governance:product_detail", pk=product.pk)
    return render(request, "governance/form.html", {"form": form, "title": product},
                  status=400 if form.errors else 200)


def _decision_form(product: Product, data: Any = None) -> ProductDecisionForm:
    owners = User.objects.filter(org_unit__path__startswith=product.org_unit.path, is_active=True)
    return ProductDecisionForm(data, owners=owners.order_by("username"))


@staff_view(VIEW_PRODUCT)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(actor=request.user, pk=pk)
    unit, user = product.org_unit, request.user
    current = services.current_reviews(product)
    reviewed_now = any(r.reviewer_id == user.pk for r in current.values())
    in_review = product.status == Product.Status.REVIEW
    review_forms = []
    for kind, label in ProductReview.Kind.choices:
        done = current.get(kind)
        may = (in_review and done is None and not reviewed_now and product.proposer_id != user.pk
               and selectors.can(user, REVIEW_PRODUCT, unit) and selectors.can(user, PRODUCT_REVIEW_PERMS[kind], unit))
        review_forms.append({"kind": kind, "label": label, "done": done,
                             "items": [(key, item, done.checklist.get(key) if done else None)
                                       for key, item in PRODUCT_CHECKLISTS[kind]],
                             "form": ProductReviewForm(kind=kind, prefix=kind) if may else None})
    can_decide = (in_review and len(current) == len(ProductReview.Kind.values)
                  and all(r.result == ProductReview.Result.PASS for r in current.values())
                  and product.proposer_id != user.pk and not reviewed_now
                  and selectors.can(user, APPROVE_PRODUCT, unit))
    can_manage = selectors.can(user, MANAGE_PRODUCT, unit)
    return render(request, "governance/product_detail.html", {
        "product": product, "review_forms": review_forms,
        "history": [r for r in selectors.product_reviews(product=product) if r.round != product.round],
        "conditions": selectors.product_conditions(product=product),
        "complaints": selectors.product_complaints(actor=user, product=product),
        "can_manage": can_manage, "decision_form": _decision_form(product) if can_decide else None,
        "launch_form": ProductLaunchForm() if can_manage and product.status == Product.Status.APPROVED else None,
        "post_launch_form": PostLaunchReviewForm() if (
            product.status == Product.Status.LAUNCHED and product.post_launch_reviewed_on is None
            and product.proposer_id != user.pk and selectors.can(user, APPROVE_PRODUCT, unit)) else None,
    })


def _back(request: HttpRequest, product: Product, form: Any) -> HttpResponse:
    if form.errors:
        return render(request, "governance/form_errors.html", {"form": form, "back": product.get_absolute_url()},
                      status=400)
    return redirect("governance:product_detail", pk=product.pk)


@require_POST
@staff_view(REVIEW_PRODUCT)
def product_review(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in ProductReview.Kind.values:
        raise NotFound(_("No such review."))
    product = selectors.product_get(actor=request.user, pk=pk, perm=REVIEW_PRODUCT)
    form = ProductReviewForm(request.POST, kind=kind, prefix=kind)
    if form.is_valid():
        try:
            services.product_review_record(actor=request.user, product=product, kind=kind,
                                           checklist=form.checklist(), result=form.cleaned_data["result"],
                                           comment=form.cleaned_data["comment"])
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    return _back(request, product, form)


@require_POST
@staff_view(APPROVE_PRODUCT)
def product_decide(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(actor=request.user, pk=pk, perm=APPROVE_PRODUCT)
    form = _decision_form(product, request.POST)
    if form.is_valid():
        try:
            services.product_decide(
                actor=request.user, product=product, approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"], post_launch_review_due=form.cleaned_data["post_launch_review_due"],
                conditions=[services.Condition(text, owner, due) for text, owner, due in form.conditions()])
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    return _back(request, product, form)


@require_POST
@staff_view(MANAGE_PRODUCT)
def product_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """submit and launch (the proposer's side), post-launch review (an approver)."""
    product = selectors.product_get(actor=request.user, pk=pk, perm=MANAGE_PRODUCT)
    form: Any = _blank_form()
    try:
        if action == "submit":
            services.product_submit(actor=request.user, product=product)
        elif action == "launch":
            form = ProductLaunchForm(request.POST)
            if form.is_valid():
                services.product_launch(actor=request.user, product=product, **form.cleaned_data)
        else:
            raise NotFound(_("No such action."))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        apply_error(form, exc)
    return _back(request, product, form)


@require_POST
@staff_view(APPROVE_PRODUCT)
def product_post_launch(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(actor=request.user, pk=pk, perm=APPROVE_PRODUCT)
    form = PostLaunchReviewForm(request.POST)
    if form.is_valid():
        try:
            services.product_post_launch_review(actor=request.user, product=product, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            apply_error(form, exc)
    return _back(request, product, form)
