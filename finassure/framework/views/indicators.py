"""Measures, indicators, targets and snapshots."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.framework import forms, selectors, services
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.framework.views._common import _owners, _selected_unit, _units
from finassure.platform.errors import NotFound, ValidationFailed
from finassure.platform.viewutils import paginate, staff_view

# --- measures and indicators ----------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def measure_list(request: HttpRequest) -> HttpResponse:
    measures = selectors.measure_list(actor=request.user).prefetch_related("indicators")
    return render(request, "framework/measure_list.html", {"measures": measures})


@staff_view(FPerm.VIEW)
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.measure_get(actor=request.user, pk=pk)
    unit = selectors.default_unit(actor=request.user)
    task_form = forms.WorkTaskForm(units=_units(request, FPerm.PLAN_MANAGE), owners=_owners(request))
    return render(request, "framework/measure_detail.html", {
        "measure": measure, "unit": unit,
        "indicators": selectors.indicator_list(actor=request.user, measure_id=measure.pk),
        "tasks": selectors.work_task_list(actor=request.user, measure_id=measure.pk)[:100],
        "actions": selectors.corrective_action_list(actor=request.user, measure_id=measure.pk, status="open")[:50],
        "records": selectors.accountability_list(actor=request.user, measure_id=measure.pk)[:50],
        "budget": selectors.budget_lines(actor=request.user, measure_id=measure.pk)[:50],
        "task_form": task_form, "can_plan": access.has_perm(request.user, FPerm.PLAN_MANAGE),
        "progress_form": forms.WorkTaskProgressForm(),
    })




@staff_view(FPerm.VIEW)
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An indicator for one org unit: its history, its targets and the records behind the chosen period's value."""
    indicator = selectors.indicator_get(actor=request.user, pk=pk)
    unit = _selected_unit(request)
    if unit is None:
        raise NotFound(_("No org unit in scope."))
    try:
        period = Period.parse(request.GET["period"]) if request.GET.get("period") else \
            selectors.indicator_default_period(actor=request.user, indicator=indicator, unit=unit,
                                               today=timezone.localdate())
    except ValueError:
        raise ValidationFailed(_("Not a period: use 2026Q3, 2026H2, 2026-07 or 2026.")) from None
    history = selectors.snapshot_list(actor=request.user, indicator_id=indicator.pk, org_unit_id=unit.pk)[:24]
    measurement = selectors.indicator_measurement(actor=request.user, indicator=indicator, unit=unit, period=period)
    records = paginate(request, measurement.records, 25) if measurement and measurement.records is not None else None
    target_form = None
    if access.has_perm(request.user, FPerm.MANAGE):
        target_form = forms.TargetForm(initial={"target": indicator.target, "amber": indicator.amber},
                                       units=_units(request, FPerm.MANAGE))
    return render(request, "framework/indicator_detail.html", {
        "indicator": indicator, "unit": unit, "period": period, "history": history, "measurement": measurement,
        "records": records, "target_form": target_form,
        "overrides": indicator.overrides.select_related("org_unit", "business_line"),
    })


@staff_view(FPerm.MANAGE)
@require_POST
def indicator_target(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = selectors.indicator_get(actor=request.user, pk=pk)
    form = forms.TargetForm(request.POST, units=_units(request, FPerm.MANAGE))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["org_unit"]:
                unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.MANAGE)
                services.target_override_set(actor=request.user, indicator=indicator, target=data["target"],
                                             amber=data["amber"], reason=data["reason"], org_unit=unit)
            else:
                services.indicator_target_set(actor=request.user, indicator=indicator, target=data["target"],
                                              amber=data["amber"], reason=data["reason"])
            messages.success(request, _("Target saved."))
        except ValidationFailed as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The target was not saved: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(indicator.get_absolute_url())


@staff_view(FPerm.VIEW)
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = selectors.snapshot_get(actor=request.user, pk=pk)
    return redirect(f"{snapshot.indicator.get_absolute_url()}?unit={snapshot.org_unit_id}"
                    f"&period={snapshot.period_label}")
