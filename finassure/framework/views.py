"""Pages of the assurance framework: dashboard, measures and indicators, snapshots, corrective actions, plans,
budget, notifications and the quarterly report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.framework import forms, reports, selectors, services
from finassure.framework.models import AssessmentFinding, Meeting, MeetingDecision
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.platform.errors import ApplicationError, NotFound, ValidationFailed
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response

INLINE_RUN_UNITS = 20  # above this many org units, an on-demand run goes to the worker


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _selected_unit(request: HttpRequest) -> Any:
    """The org unit chosen in the filter (404 outside the caller's scope), else the broadest one in scope."""
    line_id = _int(request.GET.get("business_line"))
    unit_id = _int(request.GET.get("unit"))
    if unit_id:
        return selectors.unit_get(actor=request.user, pk=unit_id)
    return selectors.default_unit(actor=request.user, business_line_id=line_id)


# --- dashboard ------------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    line_id = _int(request.GET.get("business_line"))
    unit = _selected_unit(request)
    # the filter is drawn by hand: Django's Select widget renders 200 org units ten times slower
    units = selectors.units_in_scope(actor=user, business_line_id=line_id).select_related(None).only(
        "id", "name", "name_en", "depth", "path")
    lines = selectors.business_lines_in_scope(actor=user)
    blocks = selectors.dashboard_rows(actor=user, unit=unit) if unit is not None else []
    trends = {str(row.indicator.pk): {"points": row.trend_points(), "direction": row.indicator.direction,
                                      "unit": row.indicator.get_unit_display()}
              for block in blocks for row in block.rows if row.trend}
    return render(request, "framework/dashboard.html", {
        "units": units, "lines": lines, "line_id": line_id, "unit": unit, "blocks": blocks, "trends": trends,
        "mine": selectors.my_responsibilities(actor=user),
        "assignments": access.assignments_in_force(user=user),
        "can_run": access.has_perm(user, FPerm.RUN_SNAPSHOTS, unit) if unit is not None else False,
        "unread": selectors.notifications_for(actor=user, unread_only=True).count(),
        "engagements": list(selectors.assessment_list(actor=user)[:10])
        if selectors.assessor_scope(user) is not None else None,
    })


@staff_view(FPerm.RUN_SNAPSHOTS)
@require_POST
def snapshots_run(request: HttpRequest) -> HttpResponse:
    unit_id = _int(request.POST.get("unit"))
    unit = selectors.unit_get(actor=request.user, pk=unit_id) if unit_id else selectors.default_unit(
        actor=request.user)
    if unit is None:
        raise NotFound("No org unit in scope.")
    units = list(access.units_under(unit).filter(is_active=True))
    if len(units) > INLINE_RUN_UNITS:
        # a large subtree takes longer than a page should wait: the worker computes it
        from finassure.framework import tasks

        tasks.run_snapshots_for.enqueue(unit.pk, int(request.user.pk or 0))
        messages.info(request, _("Snapshots for %(n)s org units are being computed in the background.")
                      % {"n": len(units)})
    else:
        report = services.snapshots_run(actor=request.user, units=units)
        messages.success(request, _("%(n)s snapshots computed; %(a)s corrective actions opened.")
                         % {"n": report.computed, "a": report.actions_opened})
    return redirect(f"{reverse('platform:home')}?unit={unit.pk}")


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


def _units(request: HttpRequest, perm: str) -> Any:
    return access.org_unit_list(actor=request.user, perm=perm).filter(is_active=True)


def _owners(request: HttpRequest) -> Any:
    return User.objects.filter(is_active=True, org_unit__in=selectors.units_in_scope(actor=request.user)
                               ).order_by("username")


@staff_view(FPerm.VIEW)
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An indicator for one org unit: its history, its targets and the records behind the chosen period's value."""
    indicator = selectors.indicator_get(actor=request.user, pk=pk)
    unit = _selected_unit(request)
    if unit is None:
        raise NotFound("No org unit in scope.")
    try:
        period = Period.parse(request.GET["period"]) if request.GET.get("period") else Period.containing(
            timezone.localdate(), indicator.period)
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
        "source_url": getattr(source, "get_absolute_url", lambda: "")() if source is not None else "",
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
    year = _int(request.GET.get("year")) or timezone.localdate().year
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


# --- reports --------------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
@require_GET
def quarterly_report(request: HttpRequest) -> HttpResponse:
    units = selectors.units_in_scope(actor=request.user)
    default = Period.containing(timezone.localdate(), "quarter").previous().label()
    form = forms.ReportForm(request.GET or {"period": default}, units=units)
    if not form.is_valid():
        return render(request, "framework/report_form.html", {"form": form}, status=400)
    try:
        period = Period.parse(form.cleaned_data["period"])
    except ValueError:
        form.add_error("period", _("Not a quarter: use 2026Q3."))
        return render(request, "framework/report_form.html", {"form": form}, status=400)
    if period.kind != "quarter":
        form.add_error("period", _("Not a quarter: use 2026Q3."))
        return render(request, "framework/report_form.html", {"form": form}, status=400)
    unit_id = _int(form.cleaned_data.get("unit"))
    unit = (selectors.unit_get(actor=request.user, pk=unit_id) if unit_id
            else selectors.default_unit(actor=request.user))
    if unit is None:  # nothing in scope (an external assessor without an engagement): the empty form
        return render(request, "framework/report_form.html", {"form": form})
    report = reports.quarterly(actor=request.user, unit=unit, period=period)
    fmt = request.GET.get("format", "html")
    if fmt == "pdf":
        response = HttpResponse(reports.quarterly_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="assurance-{period.label()}.pdf"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(reports.quarterly_xlsx(report),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="assurance-{period.label()}.xlsx"'
        return response
    return render(request, "framework/report.html", {"form": form, "report": report})


# --- meetings and internal reviews (四, 五) ----------------------------------------------------------


def _form_page(request: HttpRequest, template: str, form: Any, context: dict[str, Any] | None = None
               ) -> HttpResponse:
    return render(request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200)


@staff_view(FPerm.VIEW)
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meeting_list(actor=request.user, kind=request.GET.get("kind", ""),
                                      status=request.GET.get("status", ""))
    if request.GET.get("format") == "xlsx":
        decisions: dict[int, list[str]] = {}
        for d in MeetingDecision.objects.filter(meeting__in=meetings).order_by("id"):
            decisions.setdefault(d.meeting_id, []).append(d.text)
        return xlsx_response("meetings.xlsx", [_("Scheduled for"), _("Kind"), _("Title"), _("Org unit"), _("Status"),
                                               _("Agenda"), _("Minutes"), _("Decisions")],
                             ([timezone.localtime(m.scheduled_for).strftime("%Y-%m-%d %H:%M"), m.get_kind_display(),
                               m.title, str(m.org_unit), m.get_status_display(), m.agenda, m.minutes,
                               "\n".join(decisions.get(m.pk, []))] for m in meetings))
    return render(request, "framework/meeting_list.html", {
        "page": paginate(request, meetings), "kinds": Meeting.Kind.choices,
        "can_plan": access.has_perm(request.user, FPerm.PLAN_MANAGE)})


@staff_view(FPerm.PLAN_MANAGE)
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = forms.MeetingForm(request.POST or None, units=_units(request, FPerm.PLAN_MANAGE), owners=_owners(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
        try:
            meeting = services.meeting_schedule(
                actor=request.user, kind=data["kind"], title=data["title"], org_unit=unit,
                scheduled_for=data["scheduled_for"], agenda=data["agenda"], location=data["location"],
                chair=data["chair"], measures=data["measures"])
            return redirect(meeting.get_absolute_url())
        except ValidationFailed as exc:
            apply_error(form, exc)
    return _form_page(request, "framework/simple_form.html", form, {"title": _("Schedule a meeting")})


@staff_view(FPerm.VIEW)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    can_plan = access.has_perm(request.user, FPerm.PLAN_MANAGE, meeting.org_unit)
    owners = _owners(request)
    return render(request, "framework/meeting_detail.html", {
        "meeting": meeting, "can_plan": can_plan,
        "decisions": meeting.decisions.select_related("owner", "measure", "work_task", "corrective_action"),
        "attendees": meeting.attendees.order_by("username"),
        "minutes_form": forms.MinutesForm(owners=owners, initial={"minutes": meeting.minutes,
                                                                  "attendees": meeting.attendees.all()}),
        "decision_form": forms.DecisionForm(owners=owners),
    })


@staff_view(FPerm.PLAN_MANAGE)
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    form = forms.MinutesForm(request.POST, owners=_owners(request))
    if form.is_valid():
        try:
            services.meeting_record_minutes(actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"],
                                            attendees=form.cleaned_data["attendees"])
            messages.success(request, _("Minutes recorded."))
        except ApplicationError as exc:
            if exc.status not in (400, 409, 422):
                raise
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The minutes were not saved: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(meeting.get_absolute_url())


@staff_view(FPerm.PLAN_MANAGE)
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    try:
        services.meeting_cancel(actor=request.user, meeting=meeting)
        messages.success(request, _("Meeting cancelled."))
    except ApplicationError as exc:
        if exc.status != 409:
            raise
        messages.error(request, exc.message)
    return redirect(meeting.get_absolute_url())


@staff_view(FPerm.PLAN_MANAGE)
@require_POST
def meeting_decision(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(actor=request.user, pk=pk)
    form = forms.DecisionForm(request.POST, owners=_owners(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_decision_add(actor=request.user, meeting=meeting, text=data["text"],
                                          outcome=data["outcome"], owner=data["owner"], due=data["due"],
                                          measure=data["measure"])
            messages.success(request, _("Decision recorded and assigned."))
        except ApplicationError as exc:
            if exc.status not in (400, 409, 422):
                raise
            messages.error(request, exc.message)
    else:
        messages.error(request, _("The decision was not saved: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(meeting.get_absolute_url())


# --- third-party assessments (五) ------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def assessment_list(request: HttpRequest) -> HttpResponse:
    assessments = selectors.assessment_list(actor=request.user, status=request.GET.get("status", ""))
    if request.GET.get("format") == "xlsx":
        findings = AssessmentFinding.objects.filter(assessment__in=assessments).select_related(
            "assessment", "org_unit", "measure", "corrective_action").order_by("assessment_id", "id")
        return xlsx_response("third-party-assessments.xlsx",
                             [_("Assessment"), _("Assessor (firm)"), _("Period from"), _("Period until (exclusive)"),
                              _("Status"), _("Conclusions"), _("Finding"), _("Severity"), _("Org unit"),
                              _("Measure"), _("Corrective action"), _("Status")],
                             ([f.assessment.title, f.assessment.firm, f.assessment.period_start,
                               f.assessment.period_end, f.assessment.get_status_display(), f.assessment.conclusions,
                               f.title, f.get_severity_display(), str(f.org_unit), str(f.measure or ""),
                               str(f.corrective_action or ""),
                               f.corrective_action.get_status_display() if f.corrective_action else ""]
                              for f in findings))
    return render(request, "framework/assessment_list.html", {
        "page": paginate(request, assessments), "can_plan": access.has_perm(request.user, FPerm.PLAN_MANAGE)})


@staff_view(FPerm.PLAN_MANAGE)
def assessment_create(request: HttpRequest) -> HttpResponse:
    units = _units(request, FPerm.PLAN_MANAGE)
    assessors = User.objects.filter(is_active=True, role_assignments__role="external_assessor").distinct().order_by(
        "username")
    form = forms.AssessmentForm(request.POST or None, units=units, owners=assessors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
        scope_units = [access.org_unit_get(actor=request.user, pk=int(u), perm=FPerm.PLAN_MANAGE)
                       for u in data["units"]]
        try:
            assessment = services.assessment_create(
                actor=request.user, title=data["title"], firm=data["firm"], org_unit=unit, units=scope_units,
                measures=data["measures"], period_start=data["period_start"], period_end=data["period_end"],
                assessor=data["assessor"])
            return redirect(assessment.get_absolute_url())
        except ValidationFailed as exc:
            apply_error(form, exc)
    return _form_page(request, "framework/simple_form.html", form, {"title": _("Commission a third-party assessment")})


@staff_view(FPerm.VIEW)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(actor=request.user, pk=pk)
    can_plan = access.has_perm(request.user, FPerm.PLAN_MANAGE, assessment.org_unit)
    return render(request, "framework/assessment_detail.html", {
        "assessment": assessment, "can_plan": can_plan,
        "findings": selectors.assessment_findings(assessment=assessment),
        "units": assessment.units.order_by("path"), "measures": assessment.measures.order_by("order"),
        "finding_form": forms.FindingForm(units=assessment.units.order_by("path"), owners=_owners(request),
                                          measures=assessment.measures.all()) if can_plan else None,
        "conclusions_form": forms.ConclusionsForm(initial={"conclusions": assessment.conclusions}),
    })


@staff_view(FPerm.PLAN_MANAGE)
@require_POST
def assessment_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    assessment = selectors.assessment_get(actor=request.user, pk=pk)
    try:
        if step == "start":
            services.assessment_start(actor=request.user, assessment=assessment)
        elif step == "complete":
            services.assessment_complete(actor=request.user, assessment=assessment,
                                         conclusions=request.POST.get("conclusions", ""))
        elif step == "finding":
            form = forms.FindingForm(request.POST, units=assessment.units.all(), owners=_owners(request),
                                     measures=assessment.measures.all())
            if not form.is_valid():
                raise ValidationFailed(_("The finding was not saved: %(errors)s") % {"errors": form.errors.as_text()})
            data = form.cleaned_data
            unit = access.org_unit_get(actor=request.user, pk=int(data["org_unit"]), perm=FPerm.PLAN_MANAGE)
            services.assessment_finding_add(actor=request.user, assessment=assessment, title=data["title"],
                                            description=data["description"], severity=data["severity"],
                                            org_unit=unit, owner=data["owner"], due=data["due"],
                                            measure=data["measure"])
            messages.success(request, _("Finding recorded; its corrective action is assigned."))
        else:
            raise Http404
    except ApplicationError as exc:
        if exc.status not in (400, 409, 422):
            raise
        messages.error(request, exc.message)
    return redirect(assessment.get_absolute_url())


# --- cost-benefit (六) --------------------------------------------------------------------------------


@staff_view(FPerm.VIEW)
def cost_benefit(request: HttpRequest) -> HttpResponse:
    year = _int(request.GET.get("year")) or timezone.localdate().year
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
                    pk=_int(request.POST["remove"]) or 0).first()
                if entry is None:
                    raise NotFound("No such entry.")
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
        raise NotFound("No such budget line.")
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
