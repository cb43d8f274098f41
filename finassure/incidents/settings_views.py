"""Settings pages of incidents (security administrator): incident types with their on-duty role and
acknowledgement deadline, regulatory reporting rules per grade and institution type, review due days."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from finassure.incidents import selectors, services
from finassure.incidents.forms import IncidentSettingsForm, IncidentTypeForm, ReportingRuleForm
from finassure.incidents.selectors import CONFIGURE
from finassure.incidents.services.configuration import RULE_FIELDS, TYPE_FIELDS
from finassure.platform.errors import ApplicationError
from finassure.platform.viewutils import apply_error, staff_view


@staff_view(CONFIGURE)
def settings_overview(request: HttpRequest) -> HttpResponse:
    current = selectors.incident_settings()
    form = IncidentSettingsForm(request.POST or None, initial={"review_due_days": current.review_due_days})
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_settings_update(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("incidents:settings")
    return render(
        request,
        "incidents/settings.html",
        {
            "form": form,
            "types": selectors.incident_type_config_list(actor=request.user),
            "rules": selectors.reporting_rule_list(actor=request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


def _save(request: HttpRequest, form: Any, save: Any, template: str, context: dict[str, Any]) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            save(**form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("incidents:settings")
    return render(
        request, template, {"form": form, **context}, status=400 if request.method == "POST" else 200
    )


@staff_view(CONFIGURE)
def incident_type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    existing = selectors.incident_type_config_get(actor=request.user, pk=pk) if pk is not None else None
    initial = {name: getattr(existing, name) for name in TYPE_FIELDS} if existing is not None else None
    form = IncidentTypeForm(request.POST or None, initial=initial)
    return _save(
        request,
        form,
        lambda **data: services.incident_type_save(actor=request.user, incident_type=existing, **data),
        "incidents/settings_form.html",
        {"object": existing},
    )


@staff_view(CONFIGURE)
def reporting_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    existing = selectors.reporting_rule_get(actor=request.user, pk=pk) if pk is not None else None
    initial = {name: getattr(existing, name) for name in RULE_FIELDS} if existing is not None else None
    form = ReportingRuleForm(request.POST or None, initial=initial)
    return _save(
        request,
        form,
        lambda **data: services.reporting_rule_save(actor=request.user, rule=existing, **data),
        "incidents/settings_form.html",
        {"object": existing, "is_rule": True},
    )
