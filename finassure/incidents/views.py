"""Pages of incidents: list (filters, Excel), report form, detail with timers and HTMX actions, review, PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.incidents import export, selectors, services
from finassure.incidents.forms import (
    ActionForm,
    DrillCompleteForm,
    DrillForm,
    IncidentReportForm,
    NoteForm,
    PlanForm,
    PlanVersionForm,
    RegradeForm,
    RegulatorReportForm,
    ReviewForm,
    RolesForm,
    TransitionForm,
)
from finassure.incidents.models import GRADING_CRITERIA, Grade, Incident, PostIncidentReview, Status
from finassure.incidents.selectors import APPROVE_PLAN, MANAGE, MANAGE_PLAN, REPORT, VIEW, IncidentFilter
from finassure.incidents.timers import ack_timer, report_timer
from finassure.platform.errors import ApplicationError, ValidationFailed
from finassure.platform.forms import StyledForm
from finassure.platform.ids import parse_year
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response

NEXT_STEP = {Status.REPORTED: Status.ACKNOWLEDGED, Status.ACKNOWLEDGED: Status.CONTAINED,
             Status.CONTAINED: Status.RESOLVED}


def _with_timers(incidents: Any) -> list[Incident]:
    now = timezone.now()
    rows = list(incidents)
    for incident in rows:
        incident.ack_timer = ack_timer(incident, now)  # type: ignore[attr-defined]
        incident.report_timer = report_timer(incident, now)  # type: ignore[attr-defined]
    return rows


@staff_view(VIEW)
def incident_list(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilter.from_params(request.GET)
    incidents = selectors.incident_list(actor=request.user, filters=filters)
    page = paginate(request, incidents)
    page.object_list = _with_timers(page.object_list)
    return render(request, "incidents/incident_list.html", {
        "page": page, "filters": filters, "statuses": Status.choices, "grades": Grade.choices,
        "types": selectors.incident_types(active_only=False), "query": request.GET.urlencode(),
        "can_report": access.has_perm(request.user, REPORT),
    })


@staff_view(VIEW)
def incident_export(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilter.from_params(request.GET)
    incidents = _with_timers(selectors.incident_list(actor=request.user, filters=filters))
    headers = [_("Reference"), _("Title"), _("Type"), _("Grade"), _("Status"), _("Org unit"), _("Reported at"),
               _("Acknowledged at"), _("Acknowledgement"), _("Report to the regulator by"), _("Regulator report"),
               _("Resolved at"), _("Closed at")]
    rows = ([i.reference, i.title, str(i.incident_type), i.get_grade_display(), i.get_status_display(),
             str(i.org_unit), i.reported_at, i.acknowledged_at, i.ack_timer.label,  # type: ignore[attr-defined]
             i.report_due_at, i.report_timer.label, i.resolved_at, i.closed_at]  # type: ignore[attr-defined]
            for i in incidents)
    return xlsx_response("incidents.xlsx", headers, rows)


@staff_view(REPORT)
def incident_report(request: HttpRequest) -> HttpResponse:
    units = access.org_unit_list(actor=request.user, perm=REPORT)
    home = getattr(request.user, "org_unit", None)
    if not units.exists() and home is not None:
        units = access.units_under(home)
    form = IncidentReportForm(request.POST or None, types=selectors.incident_types(), units=units,
                              initial={"org_unit": getattr(request.user, "org_unit_id", None)})
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if access.has_perm(request.user, VIEW, incident.org_unit) or incident.reporter_id == request.user.pk:
                return redirect("incidents:detail", pk=incident.pk)
            return redirect("platform:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/incident_report.html", {
        "form": form, "criteria": [(Grade(g).label, c) for g, c in GRADING_CRITERIA.items()],
    }, status=status)


def _detail_context(request: HttpRequest, incident: Incident, **forms: StyledForm) -> dict[str, Any]:
    now = timezone.now()
    can_manage = access.has_perm(request.user, MANAGE, incident.org_unit)
    people = selectors.people_for(incident=incident)
    next_step = NEXT_STEP.get(Status(incident.status))
    review = selectors.review_for(incident=incident)
    return {
        "incident": incident,
        "ack": ack_timer(incident, now), "report": report_timer(incident, now),
        "timeline": selectors.incident_timeline(incident=incident),
        "alerts": selectors.incident_alerts(incident=incident)[:20],
        "participants": incident.participants.all(),
        "review": review,
        "can_manage": can_manage,
        "next_step": next_step,
        "next_step_label": Status(next_step).label if next_step else "",
        "transition_form": forms.get("transition") or TransitionForm(initial={"to_status": next_step}),
        "note_form": forms.get("note") or NoteForm(),
        "regrade_form": forms.get("regrade") or RegradeForm(initial={"grade": incident.grade}),
        "regulator_form": forms.get("regulator") or RegulatorReportForm(),
        "roles_form": forms.get("roles") or RolesForm(people=people, initial={
            "commander": incident.commander_id, "scribe": incident.scribe_id, "liaison": incident.liaison_id,
            "participants": [p.pk for p in incident.participants.all()]}),
        "criteria": incident.grading_criteria,
        "plan_steps": selectors.incident_plan_steps(incident=incident),
    }


@staff_view(VIEW)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(actor=request.user, pk=pk)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


ACTIONS = {"transition": TransitionForm, "note": NoteForm, "regrade": RegradeForm, "regulator": RegulatorReportForm,
           "roles": RolesForm}


@require_POST
@staff_view(MANAGE)
def incident_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One in-page action on an incident (HTMX posts swap the main panel; plain posts redirect)."""
    incident = selectors.incident_get(actor=request.user, pk=pk)
    actor = request.user
    if action in {"review-start", "close", "plan-step"}:
        try:
            if action == "plan-step":
                step = selectors.incident_plan_steps(incident=incident).filter(pk=request.POST.get("step") or 0).first()
                if step is None:
                    raise ValidationFailed(_("Choose a step of this incident's plan."))
                services.incident_plan_step_complete(actor=actor, incident=incident, step=step)
                return redirect("incidents:detail", pk=pk)
            if action == "review-start":
                services.review_start(actor=actor, incident=incident)
                return redirect("incidents:review", pk=pk)
            services.incident_close(actor=actor, incident=incident)
        except ApplicationError as exc:
            context = _detail_context(request, incident)
            context["action_error"] = exc.message
            return render(request, "incidents/incident_detail.html", context, status=_error_status(request, exc))
        return redirect("incidents:detail", pk=pk)
    form_class = ACTIONS.get(action)
    if form_class is None:
        return render(request, "platform/error.html", {"message": _("Unknown action."), "status": 404}, status=404)
    form: StyledForm = (form_class(request.POST, people=selectors.people_for(incident=incident))  # type: ignore[call-arg]
                        if form_class is RolesForm else form_class(request.POST))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "transition":
                services.incident_transition(actor=actor, incident=incident, to_status=data["to_status"],
                                             at=data["at"], reason=data["reason"], note=data["note"])
            elif action == "note":
                services.incident_note_add(actor=actor, incident=incident, text=data["text"], at=data["at"],
                                           reason=data["reason"])
            elif action == "regrade":
                services.incident_regrade(actor=actor, incident=incident, grade=data["grade"], reason=data["reason"])
            elif action == "regulator":
                services.incident_regulator_report(actor=actor, incident=incident, at=data["at"],
                                                   reason=data["reason"], note=data["note"])
            else:
                services.incident_roles_set(actor=actor, incident=incident, commander=data["commander"],
                                            scribe=data["scribe"], liaison=data["liaison"],
                                            participants=data["participants"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("incidents:detail", pk=pk)
    incident.refresh_from_db()
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident, **{action: form}),
                  status=_error_status(request))


def _error_status(request: HttpRequest, exc: ApplicationError | None = None) -> int:
    # HTMX swaps only 2xx answers: it gets the page with the errors in place; a plain post gets the 4xx.
    if request.headers.get("HX-Request"):
        return 200
    return exc.status if exc is not None else 400


# --- post-incident review -----------------------------------------------------------------------


def _review_context(request: HttpRequest, review: PostIncidentReview, form: ReviewForm | None = None,
                    action_form: ActionForm | None = None) -> dict[str, Any]:
    whys = list(review.whys) + [""] * (5 - len(review.whys))
    initial = {name: getattr(review, name) for name in ("impact", "detection", "timeline_summary", "root_cause",
                                                         "lessons")}
    initial.update({f"why{i + 1}": w for i, w in enumerate(whys[:5])})
    people = selectors.people_for(incident=review.incident)
    return {
        "review": review, "incident": review.incident,
        "form": form or ReviewForm(initial=initial),
        "action_form": action_form or ActionForm(people=people),
        "actions": selectors.review_actions(review=review),
        "can_manage": access.has_perm(request.user, MANAGE, review.incident.org_unit),
        "editable": review.state == PostIncidentReview.State.DRAFT,
    }


@staff_view(VIEW)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_get(actor=request.user, incident_pk=pk)
    if request.method == "POST":
        access.require(request.user, MANAGE, review.org_unit)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.review_update(actor=request.user, review=review, **form.review_fields())
            except ApplicationError as exc:
                apply_error(form, exc)
            else:
                return redirect("incidents:review", pk=pk)
        return render(request, "incidents/review.html", _review_context(request, review, form=form), status=400)
    return render(request, "incidents/review.html", _review_context(request, review))


@require_POST
@staff_view(MANAGE)
def review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    review = selectors.review_get(actor=request.user, incident_pk=pk)
    action_form = None
    try:
        if action == "complete":
            services.review_complete(actor=request.user, review=review)
            return redirect("incidents:review", pk=pk)
        if action == "add-action":
            action_form = ActionForm(request.POST, people=selectors.people_for(incident=review.incident))
            if action_form.is_valid():
                services.review_action_open(actor=request.user, review=review, **action_form.cleaned_data)
                return redirect("incidents:review", pk=pk)
            return render(request, "incidents/review.html",
                          _review_context(request, review, action_form=action_form), status=_error_status(request))
    except ApplicationError as exc:
        context = _review_context(request, review, action_form=action_form)
        context["action_error"] = exc.message
        if exc.fields:
            context["action_error"] = f"{exc.message} ({', '.join(exc.fields)})"
        return render(request, "incidents/review.html", context, status=_error_status(request, exc))
    return render(request, "platform/error.html", {"message": _("Unknown action."), "status": 404}, status=404)


@staff_view(VIEW)
def review_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    review = selectors.review_get(actor=request.user, incident_pk=pk)
    timeline = list(selectors.incident_timeline(incident=review.incident))
    actions = list(selectors.review_actions(review=review))
    if fmt == "pdf":
        content = export.review_pdf(review, timeline, actions)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{review.incident.reference}-review.pdf"'
        return response
    response = render(request, "incidents/review_word.html", {"review": review, "incident": review.incident,
                                                               "timeline": timeline, "actions": actions})
    response["Content-Type"] = "application/msword; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="{review.incident.reference}-review.doc"'
    return response


# --- emergency plans ----------------------------------------------------------------------------


@staff_view(VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/plan_list.html", {
        "page": paginate(request, selectors.plan_list(actor=request.user)),
        "can_manage": access.has_perm(request.user, MANAGE_PLAN),
    })


@staff_view(MANAGE_PLAN)
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None, units=access.org_unit_list(actor=request.user, perm=MANAGE_PLAN),
                    types=selectors.incident_types())
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("incidents:plan_detail", pk=plan.pk)
    return render(request, "incidents/plan_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _plan_context(request: HttpRequest, plan: Any, version_form: PlanVersionForm | None = None) -> dict[str, Any]:
    in_force = selectors.version_in_force(plan=plan)
    steps_text = "\n".join(f"{s['role']}: {s['title']}" if s.get("role") else s["title"]
                            for s in (in_force.steps if in_force else []))
    return {
        "plan": plan, "versions": selectors.plan_versions(plan=plan), "in_force": in_force,
        "version_form": version_form or PlanVersionForm(initial={"steps": steps_text}),
        "can_manage": access.has_perm(request.user, MANAGE_PLAN, plan.org_unit),
        "can_approve": access.has_perm(request.user, APPROVE_PLAN, plan.org_unit),
    }


@staff_view(VIEW)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    return render(request, "incidents/plan_detail.html", _plan_context(request, plan))


@require_POST
@staff_view(MANAGE_PLAN)
def plan_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    version_form = None
    try:
        if action == "approve":
            version = selectors.plan_versions(plan=plan).filter(pk=request.POST.get("version") or 0).first()
            if version is None:
                raise ValidationFailed(_("Choose a version of this plan."))
            services.plan_version_approve(actor=request.user, version=version)
            return redirect("incidents:plan_detail", pk=pk)
        if action == "version":
            version_form = PlanVersionForm(request.POST)
            if version_form.is_valid():
                services.plan_version_create(actor=request.user, plan=plan, **version_form.cleaned_data)
                return redirect("incidents:plan_detail", pk=pk)
            return render(request, "incidents/plan_detail.html", _plan_context(request, plan, version_form),
                          status=400)
    except ApplicationError as exc:
        if version_form is not None:
            apply_error(version_form, exc)
        context = _plan_context(request, plan, version_form)
        context["action_error"] = exc.message
        return render(request, "incidents/plan_detail.html", context, status=exc.status)
    return render(request, "platform/error.html", {"message": _("Unknown action."), "status": 404}, status=404)


# --- drills -------------------------------------------------------------------------------------


@staff_view(VIEW)
def drill_list(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/drill_list.html", {
        "page": paginate(request, selectors.drill_list(actor=request.user)),
        "can_manage": access.has_perm(request.user, MANAGE_PLAN),
    })


@staff_view(MANAGE_PLAN)
def drill_create(request: HttpRequest) -> HttpResponse:
    form = DrillForm(request.POST or None, units=access.org_unit_list(actor=request.user, perm=MANAGE_PLAN),
                     versions=selectors.approved_versions(actor=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.drill_schedule(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("incidents:drill_detail", pk=drill.pk)
    return render(request, "incidents/drill_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _drill_context(request: HttpRequest, drill: Any, **forms: Any) -> dict[str, Any]:
    return {
        "drill": drill, "steps": selectors.drill_steps(drill=drill), "actions": selectors.drill_actions(drill=drill),
        "complete_form": forms.get("complete") or DrillCompleteForm(),
        "finding_form": forms.get("finding") or ActionForm(people=selectors.people_in(unit=drill.org_unit)),
        "can_manage": access.has_perm(request.user, MANAGE_PLAN, drill.org_unit),
    }


@staff_view(VIEW)
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = selectors.drill_get(actor=request.user, pk=pk)
    return render(request, "incidents/drill_detail.html", _drill_context(request, drill))


@require_POST
@staff_view(MANAGE_PLAN)
def drill_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    drill = selectors.drill_get(actor=request.user, pk=pk)
    forms: dict[str, Any] = {}
    try:
        if action == "start":
            services.drill_start(actor=request.user, drill=drill)
        elif action == "step":
            step = selectors.drill_steps(drill=drill).filter(pk=request.POST.get("step") or 0).first()
            if step is None:
                raise ValidationFailed(_("Choose a step of this drill."))
            services.drill_step_complete(actor=request.user, drill=drill, step=step)
        elif action == "complete":
            form = forms["complete"] = DrillCompleteForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(_("Check the evaluation."))
            services.drill_complete(actor=request.user, drill=drill, **form.cleaned_data)
        elif action == "finding":
            finding = forms["finding"] = ActionForm(request.POST, people=selectors.people_in(unit=drill.org_unit))
            if not finding.is_valid():
                raise ValidationFailed(_("Check the finding."))
            services.drill_finding_open(actor=request.user, drill=drill, **finding.cleaned_data)
        else:
            return render(request, "platform/error.html", {"message": _("Unknown action."), "status": 404},
                          status=404)
    except ApplicationError as exc:
        context = _drill_context(request, drill, **forms)
        context["action_error"] = exc.message
        return render(request, "incidents/drill_detail.html", context, status=_error_status(request, exc))
    return redirect("incidents:drill_detail", pk=pk)


@staff_view(VIEW)
def efficiency(request: HttpRequest) -> HttpResponse:
    year = parse_year(request.GET.get("year")) or timezone.localdate().year
    return render(request, "incidents/efficiency.html", {
        "rows": selectors.efficiency(actor=request.user, year=year), "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
    })
