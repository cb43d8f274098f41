"""Meetings with decisions and minutes, and third-party assessments (seed 四, 五)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.framework import forms, selectors, services
from finassure.framework.models import AssessmentFinding, Meeting, MeetingDecision
from finassure.framework.permissions import FPerm
from finassure.framework.views._common import _form_page, _owners, _units
from finassure.platform.errors import ApplicationError, ValidationFailed
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response

# --- meetings and internal reviews (四, 五) ----------------------------------------------------------



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
