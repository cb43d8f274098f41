"""Cost-benefit, losses, the responsibility matrix (RACI), budget lines and accountability records."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.framework import forms, selectors, services
from finassure.framework.permissions import FPerm
from finassure.framework.views._common import _form_page, _owners, _selected_unit, _units
from finassure.platform.errors import NotFound, ValidationFailed
from finassure.platform.ids import parse_id, parse_year
from finassure.platform.viewutils import apply_error, staff_view, xlsx_response

# --- cost-benefit (六) --------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def cost_benefit(request: HttpRequest) -> HttpResponse:
    year = parse_year(request.GET.get("year")) or timezone.localdate().year
    unit = _selected_unit(request)
    rows = selectors.cost_benefit(actor=request.user, unit=unit, year=year) if unit is not None else []
    if request.GET.get("format") == "xlsx":
        out = []
        for r in rows:
            movements: list[Any] = list(r.movements) or [None]
            for m in movements:
                out.append([r.measure.number, r.measure.display_name, r.planned, r.spent,
                            r.losses.get("loss", 0), r.losses.get("fine", 0), r.losses.get("compensation", 0),
                            r.loss_total, r.losses_before,
                            m.indicator.display_name if m else "", _fmt_value(m.before) if m else "",
                            _fmt_value(m.after) if m else "", m.change if m else "", m.trend if m else ""])
        return xlsx_response(f"cost-benefit-{year}.xlsx",
                             [_("Measure"), _("Name"), _("Planned"), _("Spent"), _("Losses"), _("Fines"),
                              _("Compensation"), _("Losses, fines and compensation"), _("The year before"),
                              _("Indicator"), _("Before"), _("After"), _("Change"), _("Trend")], out)
    return render(request, "framework/cost_benefit.html", {
        "year": year, "unit": unit, "rows": rows, "units": selectors.units_in_scope(actor=request.user),
        "unattributed": selectors.unattributed_losses(actor=request.user, unit=unit, year=year) if unit else 0,
        "losses": selectors.loss_event_list(actor=request.user, year=year).filter(
            org_unit__path__startswith=unit.path)[:50] if unit else [],
        "can_plan": access.has_perm(request.user, FPerm.PLAN_MANAGE)})


def _fmt_value(snapshot: Any) -> str:
    return "" if snapshot is None or snapshot.value is None else f"{snapshot.value:g} ({snapshot.period_label})"


@staff_view(FPerm.PLAN_MANAGE)
def loss_create(request: HttpRequest) -> HttpResponse:
    form = forms.LossEventForm(request.POST or None, units=_units(request, FPerm.PLAN_MANAGE))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
        try:
            services.loss_event_record(actor=request.user, kind=data["kind"], org_unit=unit,
                                       occurred_on=data["occurred_on"], amount=data["amount"],
                                       description=data["description"], measure=data["measure"],
                                       reference=data["reference"])
            return redirect(f"{reverse('framework:cost_benefit')}?year={data['occurred_on'].year}")
        except ValidationFailed as exc:
            apply_error(form, exc)
    return _form_page(request, "framework/simple_form.html", form, {"title": _("Record a loss or fine")})


# --- responsibility matrix (RACI) ------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def raci(request: HttpRequest) -> HttpResponse:
    rows = selectors.raci_matrix(actor=request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("raci.xlsx", [_("Measure"), _("Obligation or indicator"), _("Responsible"),
                                           _("Accountable"), _("Consulted"), _("Informed")],
                             ([f"{r['measure'].number} {r['measure'].display_name}",
                               r["indicator"].display_name if r["indicator"] else "",
                               "; ".join(r["R"]), "; ".join(r["A"]), "; ".join(r["C"]), "; ".join(r["I"])]
                              for r in rows))
    can_edit = access.has_perm(request.user, FPerm.MANAGE) and selectors.assessor_scope(request.user) is None
    return render(request, "framework/raci.html", {"rows": rows, "can_edit": can_edit})


@staff_view(FPerm.MANAGE)
def raci_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.measure_get(actor=request.user, pk=pk)
    indicators = selectors.indicator_list(actor=request.user, measure_id=measure.pk)
    form = forms.RaciForm(request.POST or None, units=_units(request, FPerm.VIEW), indicators=indicators)
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                entry = selectors.raci_entries(actor=request.user, measure_id=measure.pk).filter(
                    pk=parse_id(request.POST["remove"]) or 0).first()
                if entry is None:
                    raise NotFound(_("No such entry."))
                services.raci_entry_remove(actor=request.user, entry=entry)
                return redirect(reverse("framework:raci_edit", args=[measure.pk]))
            if form.is_valid():
                data = form.cleaned_data
                unit = (access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.VIEW)
                        if data["org_unit"] else None)
                services.raci_entry_add(actor=request.user, measure=measure, letter=data["letter"], role=data["role"],
                                        org_unit=unit, indicator=data["indicator"])
                return redirect(reverse("framework:raci_edit", args=[measure.pk]))
        except ValidationFailed as exc:
            apply_error(form, exc)
    return render(request, "framework/raci_edit.html", {
        "measure": measure, "form": form, "entries": selectors.raci_entries(actor=request.user, measure_id=measure.pk),
    }, status=400 if form.errors else 200)


# --- budget lines, accountability records: create and edit ----------------------------------------


@staff_view(FPerm.PLAN_MANAGE)
def budget_line_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    line = selectors.budget_lines(actor=request.user).filter(pk=pk).first() if pk is not None else None
    if pk and line is None:
        raise NotFound(_("No such budget line."))
    initial = ({"measure": line.measure, "org_unit": str(line.org_unit_id), "year": line.year, "title": line.title,
                "planned": line.planned, "committed": line.committed, "spent": line.spent} if line
               else {"year": timezone.localdate().year})
    form = forms.BudgetLineForm(request.POST or None, initial=initial, units=_units(request, FPerm.PLAN_MANAGE))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
        try:
            if line is not None:
                line.measure, line.org_unit = data["measure"], unit
            saved = services.budget_line_save(actor=request.user, measure=data["measure"], org_unit=unit,
                                              year=data["year"], title=data["title"], planned=data["planned"],
                                              committed=data["committed"], spent=data["spent"], line=line)
            return redirect(f"{reverse('framework:budget')}?year={saved.year}")
        except ValidationFailed as exc:
            apply_error(form, exc)
    return _form_page(request, "framework/simple_form.html", form,
                      {"title": _("Edit budget line") if line else _("New budget line")})


@staff_view(FPerm.PLAN_MANAGE)
def accountability_create(request: HttpRequest) -> HttpResponse:
    form = forms.AccountabilityForm(request.POST or None, units=_units(request, FPerm.PLAN_MANAGE),
                                    owners=_owners(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
        try:
            services.accountability_record_create(
                actor=request.user, org_unit=unit, subject=data["subject"], person=data["person"],
                finding=data["finding"], outcome=data["outcome"], decided_on=data["decided_on"],
                measure=data["measure"])
            return redirect("framework:accountability_list")
        except ValidationFailed as exc:
            apply_error(form, exc)
    return _form_page(request, "framework/simple_form.html", form, {"title": _("New accountability record")})
