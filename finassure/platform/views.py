"""Shell pages: home, health, metrics, error pages, and the audit trail for audit administrators."""

from __future__ import annotations

import datetime as dt
import logging

from django import forms
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from finassure.platform import audit, selectors
from finassure.platform.errors import error_payload
from finassure.platform.forms import StyledForm
from finassure.platform.middleware import client_ip
from finassure.platform.viewutils import paginate, staff_view, xlsx_response

log = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    titles = {400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found"), 413: _("Too large"),
              500: _("Something went wrong")}
    if _wants_json(request):
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 413: "payload_too_large", 500: "server_error"}
        return JsonResponse(error_payload(codes.get(status, "error"), message or str(titles.get(status, ""))),
                            status=status)
    return render(request, "platform/error.html",
                  {"status": status, "title": titles.get(status, _("Error")), "message": message}, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    user = getattr(request, "user", None)
    audit.record(action="access.denied", actor=user, outcome="denied",
                 detail={"path": request.path, "method": request.method,
                         "permission": getattr(exception, "extra", {}).get("permission", "")})
    return error_page(request, 403, _("You do not have permission to see this page or do this here."))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404, _("There is nothing here, or it is outside your responsibility."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400, _("The request could not be understood."))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500, _("The error has been logged. Please try again or contact your administrator."))


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # the probe reports any database failure as not ready
        log.warning("readiness check failed: %s", type(exc).__name__)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if client_ip(request) not in settings.METRICS_ALLOWED_IPS:
        return error_page(request, 403, _("Metrics are only served to the monitoring hosts."))
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)


@staff_view("platform.view_dashboard")
def home(request: HttpRequest) -> HttpResponse:
    from finassure.accounts import selectors as access

    if access.has_perm(request.user, "framework.view_framework"):
        # the assurance framework's dashboard is the home page for everyone who may see it
        from finassure.framework import views as framework_views

        return framework_views.dashboard(request)
    assignments = access.assignments_in_force(user=request.user)
    return render(request, "platform/home.html", {
        "assignments": assignments,
        "unit_count": access.org_unit_list(actor=request.user).count(),
    })


class AuditFilterForm(StyledForm):
    action = forms.CharField(label=gettext_lazy("Event"), required=False)
    user = forms.CharField(label=gettext_lazy("User"), required=False)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), required=False,
                                choices=[("", "—"), ("success", gettext_lazy("success")),
                                         ("failure", gettext_lazy("failure")), ("denied", gettext_lazy("denied"))])
    since = forms.DateField(label=gettext_lazy("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=gettext_lazy("Object or address"), required=False)


def _audit_events(request: HttpRequest) -> tuple[AuditFilterForm, object]:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list(actor=request.user, **{k: v for k, v in filters.items() if v})
    return form, events


class CalendarLoadForm(StyledForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    schedule = forms.CharField(
        label=gettext_lazy("Schedule"), widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy("One line per day: YYYY-MM-DD,holiday|workday,name — holidays and weekend "
                               "make-up working days as published by the State Council."),
    )


@staff_view("platform.manage_calendar")
def business_calendar(request: HttpRequest) -> HttpResponse:
    from finassure.platform import calendar
    from finassure.platform.errors import ApplicationError
    from finassure.platform.viewutils import apply_error

    form = CalendarLoadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar.calendar_load_year(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("platform:business_calendar")
    return render(request, "platform/calendar.html", {
        "form": form, "years": selectors.calendar_years(), "warnings": calendar.warnings(),
    })


@staff_view("platform.view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    return render(request, "platform/audit_list.html", {"form": form, "page": paginate(request, events)})


@staff_view("platform.export_audit")
def audit_export(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    audit.record(action="audit.export", actor=request.user, detail={"filters": request.GET.dict()})
    headers = [_("Time"), _("User"), _("From"), _("Event"), _("Object type"), _("Object id"), _("Object"),
               _("Outcome"), _("Changes"), _("Hash")]
    rows = ((e.ts, e.actor_repr, e.ip, e.action, e.object_type, e.object_id, e.object_repr, e.outcome, e.changes,
             e.hash) for e in events.iterator())  # type: ignore[attr-defined]
    return xlsx_response(f"audit-{dt.date.today():%Y%m%d}.xlsx", headers, rows)


@require_POST
@staff_view("platform.view_audit")
def audit_verify(request: HttpRequest) -> HttpResponse:
    result = audit.verify()
    audit.record(action="audit.verify", actor=request.user, outcome="success" if result.ok else "failure",
                 detail={"checked": result.checked, "broken_id": result.broken_id, "reason": result.reason})
    return render(request, "platform/_verify_result.html", {"result": result})
