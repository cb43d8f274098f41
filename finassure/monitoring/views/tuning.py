"""Rules and model versions: the rules runs apply per unit, changes proposed by one person and decided by a
second, and model versions with their roles."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.monitoring import forms, perms, selectors
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.ids import parse_id
from finassure.platform.viewutils import apply_error, staff_view


def _rule_page(
    request: HttpRequest, change_form: forms.RuleChangeForm | None = None, status: int = 200
) -> HttpResponse:
    from finassure.monitoring import rulebook

    units = access.org_unit_list(actor=request.user, perm=perms.VIEW)
    chosen = parse_id(request.GET.get("unit"))
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
