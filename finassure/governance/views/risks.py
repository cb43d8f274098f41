"""Pages of the risk register, KRIs and controls."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts.models import User
from finassure.governance import registers, selectors, services
from finassure.governance.forms import (
    ControlForm,
    ControlTestForm,
    ImportForm,
    KriForm,
    KriLinkForm,
    KriValueForm,
    RiskAcceptForm,
    RiskForm,
)
from finassure.governance.models import Risk
from finassure.governance.permissions import (
    MANAGE_AUDIT,
    MANAGE_RISK,
    VIEW_RISK,
)
from finassure.governance.views._common import import_form_for, list_page
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import apply_error, staff_view


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
    cells = selectors.heat_map(actor=request.user)
    return list_page(request, selectors.risk_list(actor=request.user, search=q, category=category, level=level),
                     template="governance/risk_list.html", register=registers.RISKS, context={
        "q": q, "category": category, "level": level,
        "categories": Risk.Category.choices, "levels": list(selectors.LEVEL_SCORES),
        "heatmap": {"cells": cells, "max": max(max(row) for row in cells), "likelihood": _("Likelihood"),
                    "impact": _("Impact")},
        "can_manage": selectors.can(request.user, MANAGE_RISK),
        "import_form": import_form_for(request, "risks"), "register": "risks",
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


@staff_view(MANAGE_RISK)
def kri_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a KRI's code (for imports) and the framework indicator that feeds it."""
    kri = selectors.kri_get(actor=request.user, pk=pk, perm=MANAGE_RISK)
    form = KriLinkForm(request.POST or None, indicators=selectors.linkable_indicators(),
                       initial={"code": kri.code, "indicator": kri.indicator})
    if request.method == "POST" and form.is_valid():
        try:
            services.kri_link(actor=request.user, kri=kri, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("governance:risk_detail", pk=kri.risk_id)
    return render(request, "governance/form.html", {"form": form, "title": _("Link %(kri)s") % {"kri": kri.name}},
                  status=400 if form.errors else 200)


@staff_view(MANAGE_RISK)
def kri_import(request: HttpRequest) -> HttpResponse:
    """Upload KRI values from Excel (KRI code, measured on, value); a bad row refuses the file, listing line,
    column and reason."""
    back = reverse("governance:risk_list")
    form = ImportForm(request.POST or None, request.FILES or None)
    rows: list[dict[str, object]] = []
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.kri_value_import(actor=request.user, content=form.cleaned_data["file"].read())
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(None, str(exc.message))
            rows = list(exc.extra.get("rows", []))
        else:
            return render(request, "governance/import_done.html", {"counts": counts, "back": back})
        return render(request, "governance/import_errors.html", {"form": form, "rows": rows, "back": back},
                      status=400)
    return render(request, "governance/kri_import.html", {
        "form": form, "columns": registers.KRI_VALUES.headers(), "back": back},
        status=400 if form.errors else 200)


@staff_view(VIEW_RISK)
def control_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    return list_page(request, selectors.control_list(actor=request.user, search=q),
                     template="governance/control_list.html", register=registers.CONTROLS, context={
        "q": q, "can_manage": selectors.can(request.user, MANAGE_RISK),
        "import_form": import_form_for(request, "controls"), "register": "controls"})


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
