"""Corrective actions, work plans, accountability, budget and notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.framework import forms, selectors, services
from finassure.framework.permissions import FPerm
from finassure.framework.views._common import _owners, _units
from finassure.platform.errors import ApplicationError, ValidationFailed
from finassure.platform.ids import parse_year
from finassure.platform.viewutils import apply_error, paginate, record_page, staff_view, xlsx_response

# --- corrective actions ---------------------------------------------------------------------------


def _actions(request: HttpRequest) -> tuple[forms.ActionFilterForm, Any]:
    form = forms.ActionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    actions = selectors.corrective_action_list(actor=request.user, **{k: v for k, v in filters.items() if v})
    return form, actions


@staff_view(FPerm.ACTION_VIEW)
def action_list(request: HttpRequest) -> HttpResponse:
    form, actions = _actions(request)
    return render(request, "framework/action_list.html", {
        "form": form, "page": paginate(request, actions), "today": timezone.localdate(),
        "can_create": access.has_perm(request.user, FPerm.ACTION_MANAGE)})


@staff_view(FPerm.ACTION_VIEW)
def action_export(request: HttpRequest) -> HttpResponse:
    _form, actions = _actions(request)
    headers = [_("Title"), _("Org unit"), _("Owner"), _("Due date"), _("Status"), _("Source"), _("Measure"),
               _("Completed at"), _("Verified by"), _("Closed at")]
    rows = ([a.title, str(a.org_unit), str(a.owner), a.due, a.get_status_display(), a.source_repr,
             str(a.measure or ""), a.completed_at, str(a.verified_by or ""), a.closed_at]
            for a in actions.select_related("verified_by").iterator(chunk_size=2000))
    return xlsx_response("corrective-actions.xlsx", headers, rows)


@staff_view(FPerm.ACTION_MANAGE)
def action_create(request: HttpRequest) -> HttpResponse:
    units = _units(request, FPerm.ACTION_MANAGE)
    form = forms.ActionCreateForm(request.POST or None, units=units, owners=_owners(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.ACTION_MANAGE)
            action = services.corrective_action_open(
                actor=request.user, source=None, title=data["title"], description=data["description"],
                owner=data["owner"], due=data["due"], org_unit=unit, measure=data["measure"])
            return redirect(action.get_absolute_url())
        except ValidationFailed as exc:
            apply_error(form, exc)
    return render(request, "framework/action_form.html", {"form": form}, status=400 if form.errors else 200)


@staff_view(FPerm.ACTION_VIEW)
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.corrective_action_get(actor=request.user, pk=pk)
    user = request.user
    is_owner = action.owner_id == user.pk
    may_work = is_owner or access.has_perm(user, FPerm.ACTION_MANAGE, action.org_unit)
    may_verify = not is_owner and access.has_perm(user, FPerm.ACTION_VERIFY, action.org_unit)
    source = action.source
    return render(request, "framework/action_detail.html", {
        "action": action, "may_work": may_work, "may_verify": may_verify,
        "source_url": record_page(source, user) if source is not None else "",  # text where the reader may not open it
        "note_form": forms.NoteForm(), "verify_form": forms.VerifyForm(),
    })


@staff_view(FPerm.ACTION_VIEW)
@require_POST
def action_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    action = selectors.corrective_action_get(actor=request.user, pk=pk)
    note = request.POST.get("note", "")
    try:
        if step == "start":
            services.corrective_action_start(actor=request.user, action=action)
        elif step == "complete":
            services.corrective_action_complete(actor=request.user, action=action, note=note)
        elif step == "verify":
            services.corrective_action_verify(actor=request.user, action=action,
                                              effective=request.POST.get("effective") == "yes", note=note)
        elif step == "close":
            services.corrective_action_close(actor=request.user, action=action)
        else:
            raise Http404
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    except ApplicationError as exc:
        if exc.status == 409:
            messages.error(request, exc.message)
        else:
            raise
    return redirect(action.get_absolute_url())


# --- work plans, accountability, budget -----------------------------------------------------------


@staff_view(FPerm.PLAN_MANAGE)
@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.measure_get(actor=request.user, pk=pk)
    form = forms.WorkTaskForm(request.POST, units=_units(request, FPerm.PLAN_MANAGE), owners=_owners(request))
    if form.is_valid():
        data = form.cleaned_data
        unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
        try:
            services.work_task_create(actor=request.user, measure=measure, org_unit=unit, title=data["title"],
                                      owner=data["owner"], deadline=data["deadline"])
            messages.success(request, _("Task added."))
        except ValidationFailed as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The task was not added: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(measure.get_absolute_url())


@staff_view(FPerm.VIEW)
@require_POST
def task_progress(request: HttpRequest, pk: int) -> HttpResponse:
    work_task = selectors.work_task_get(actor=request.user, pk=pk)
    form = forms.WorkTaskProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.work_task_progress(actor=request.user, work_task=work_task, status=form.cleaned_data["status"],
                                        evidence=form.cleaned_data["evidence"],
                                        evidence_note=form.cleaned_data["evidence_note"])
        except ValidationFailed as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, form.errors.as_text())
    return redirect(work_task.measure.get_absolute_url())


@staff_view(FPerm.VIEW)
def accountability_list(request: HttpRequest) -> HttpResponse:
    records = selectors.accountability_list(actor=request.user).order_by("-decided_on", "-id")
    if request.GET.get("format") == "xlsx":
        return xlsx_response("accountability.xlsx",
                             [_("Decided on"), _("What"), _("Who"), _("Org unit"), _("Finding"), _("Outcome")],
                             ([r.decided_on, r.subject, str(r.person), str(r.org_unit), r.finding, r.outcome]
                              for r in records))
    return render(request, "framework/accountability_list.html", {
        "page": paginate(request, records), "can_plan": access.has_perm(request.user, FPerm.PLAN_MANAGE)})


@staff_view(FPerm.VIEW)
def budget(request: HttpRequest) -> HttpResponse:
    year = parse_year(request.GET.get("year")) or timezone.localdate().year
    lines = selectors.budget_lines(actor=request.user, year=year).order_by("measure__order", "id")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"budget-{year}.xlsx",
                             [_("Measure"), _("Title"), _("Org unit"), _("Planned"), _("Committed"), _("Spent")],
                             ([str(b.measure), b.title, str(b.org_unit), b.planned, b.committed, b.spent]
                              for b in lines))
    by_measure = selectors.budget_by_measure(actor=request.user, year=year)
    chart = {"labels": [r["measure__number"] for r in by_measure],
             "planned": [float(r["planned"] or 0) for r in by_measure],
             "committed": [float(r["committed"] or 0) for r in by_measure],
             "spent": [float(r["spent"] or 0) for r in by_measure]}
    return render(request, "framework/budget.html", {"year": year, "lines": lines, "by_measure": by_measure,
                                                     "chart": chart,
                                                     "can_plan": access.has_perm(request.user, FPerm.PLAN_MANAGE)})


# --- notifications --------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def notification_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.notifications_for(actor=request.user))
    return render(request, "framework/notification_list.html", {"page": page})


@staff_view(FPerm.VIEW)
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(actor=request.user)
    return redirect("framework:notification_list")
