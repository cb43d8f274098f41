"""Pages of training: own trainings and exams, roster and import, catalogue, plans, banks, exams, scorecards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finassure.accounts import selectors as access
from finassure.platform.errors import ApplicationError, NotFound
from finassure.platform.ids import parse_year
from finassure.platform.viewutils import apply_error, paginate, staff_view, xlsx_response
from finassure.training import certificate, selectors, services
from finassure.training import permissions as p
from finassure.training.forms import (
    BankForm,
    CourseForm,
    EmployeeForm,
    ExamForm,
    PlanForm,
    QuestionForm,
    RosterImportForm,
    RuleForm,
)
from finassure.training.models import Assignment, Attempt, Employee, Exam, Question, Topic


def _units(request: HttpRequest, perm: str = p.MANAGE) -> Any:
    return access.org_unit_list(actor=request.user, perm=perm)


def _wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


# --- own trainings and exams --------------------------------------------------------------------


@staff_view(p.OWN)
def my(request: HttpRequest) -> HttpResponse:
    employee = selectors.employee_of(request.user)
    assignments = list(selectors.my_assignments(employee=employee)) if employee else []
    attempts = list(selectors.attempts_of(employee=employee)[:50]) if employee else []
    return render(request, "training/my.html", {
        "employee": employee, "assignments": assignments, "attempts": attempts, "today": timezone.localdate(),
    })


@require_POST
@staff_view(p.OWN)
def assignment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.my_assignment_get(user=request.user, pk=pk)
    services.assignment_complete(actor=request.user, assignment=assignment)
    messages.success(request, _("Training marked as completed."))
    return redirect("training:my")


@require_POST
@staff_view(p.OWN)
def exam_start(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.my_assignment_get(user=request.user, pk=pk)
    if assignment.exam is None:
        raise NotFound(_("This assignment has no exam."))
    attempt = services.attempt_start(actor=request.user, exam=assignment.exam)
    return redirect("training:attempt_detail", pk=attempt.pk)


def _paper(attempt: Attempt) -> list[dict[str, Any]]:
    paper = []
    for item in attempt.items.select_related("question"):
        q = item.question
        chosen = set(item.answer or [])
        options = [{"index": i, "text": q.options[i], "chosen": i in chosen, "correct": i in q.correct}
                   for i in item.option_order]
        paper.append({"item": item, "question": q, "options": options,
                      "multiple": q.kind == Question.Kind.MULTIPLE})
    return paper


@staff_view(p.OWN)
def attempt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get(actor=request.user, pk=pk)
    own = attempt.employee.user_id == request.user.pk
    taking = own and attempt.status == Attempt.Status.IN_PROGRESS
    topics = dict(Topic.choices)
    return render(request, "training/attempt.html", {
        "attempt": attempt, "paper": _paper(attempt), "taking": taking, "own": own,
        "breakdown": [(topics.get(k, k), v) for k, v in attempt.breakdown.items()],
        "remaining": max(0, int((attempt.deadline - timezone.now()).total_seconds())),
    })


@require_POST
@staff_view(p.OWN)
def attempt_submit(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get(actor=request.user, pk=pk)
    answers: dict[int, list[int]] = {}
    for key in request.POST:
        if key.startswith("q_"):
            try:
                answers[int(key[2:])] = [int(v) for v in request.POST.getlist(key)]
            except ValueError:
                return render(request, "platform/error.html", {"message": _("The answers are malformed.")},
                              status=400)
    attempt = services.attempt_submit(actor=request.user, attempt=attempt, answers=answers)
    if attempt.status == Attempt.Status.EXPIRED:
        messages.error(request, _("Submitted after the time limit: the attempt counts as failed."))
    return redirect("training:attempt_detail", pk=attempt.pk)


@staff_view(p.OWN)
def attempt_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get(actor=request.user, pk=pk)
    if not attempt.passed or attempt.exam.kind != Exam.Kind.EXAM:
        raise NotFound(_("A certificate exists only for a passed exam."))
    response = HttpResponse(certificate.render(attempt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{attempt.pk}.pdf"'
    return response


# --- roster -------------------------------------------------------------------------------------


EMPLOYEE_HEADERS = ("Employee number", "Name", "Org unit", "Position", "Hire date", "Status", "User name")


@staff_view(p.VIEW)
def employee_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.EmployeeFilter.from_params(request.GET)
    employees = selectors.employee_list(actor=request.user, filters=filters)
    if _wants_xlsx(request):
        return xlsx_response("staff.xlsx", [_(h) for h in EMPLOYEE_HEADERS], (
            (e.employee_no, e.name, e.org_unit.code, e.position, e.hire_date, e.get_status_display(),
             e.user.username if e.user else "") for e in employees.iterator(chunk_size=2000)))
    return render(request, "training/employee_list.html", {
        "page": paginate(request, employees), "filters": filters, "statuses": Employee.Status.choices,
        "units": _units(request, p.VIEW), "can_manage": access.has_perm(request.user, p.MANAGE),
    })


@staff_view(p.MANAGE)
def employee_create(request: HttpRequest) -> HttpResponse:
    form = EmployeeForm(request.POST or None, units=_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.employee_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:employee_detail", pk=employee.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New employee")})


@staff_view(p.VIEW)
def employee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    employee = selectors.employee_get(actor=request.user, pk=pk)
    return render(request, "training/employee_detail.html", {
        "employee": employee,
        "assignments": employee.assignments.select_related("course", "exam").order_by("-due_date"),
        "attempts": selectors.attempts_of(employee=employee),
        "can_manage": access.has_perm(request.user, p.MANAGE, employee.org_unit),
        "today": timezone.localdate(),
    })


@require_POST
@staff_view(p.MANAGE)
def employee_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    employee = selectors.employee_get(actor=request.user, pk=pk)
    services.employee_deactivate(actor=request.user, employee=employee)
    return redirect("training:employee_detail", pk=employee.pk)


@staff_view(p.MANAGE)
def roster_import(request: HttpRequest) -> HttpResponse:
    form = RosterImportForm(request.POST or None, request.FILES or None, units=_units(request))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.roster_import(actor=request.user, root=form.cleaned_data["org_unit"],
                                            content=upload.read(), filename=upload.name,
                                            sync=form.cleaned_data["sync"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:import_detail", pk=result.pk)
    return render(request, "training/import_form.html", {
        "form": form, "imports": selectors.roster_import_list(actor=request.user)[:20]},
        status=400 if form.errors else 200)


@staff_view(p.MANAGE)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    result = selectors.roster_import_get(actor=request.user, pk=pk)
    return render(request, "training/import_detail.html", {"result": result})


@staff_view(p.MANAGE)
def import_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows as they were, with line, field and reason in front: fix and re-import."""
    result = selectors.roster_import_get(actor=request.user, pk=pk)
    headers = [_("Line"), _("Field"), _("Reason"), *result.header]
    return xlsx_response(f"rejected-{result.pk}.xlsx", headers,
                         ([r["line"], r["field"], r["reason"], *r["row"]] for r in result.rejected))


# --- catalogue ----------------------------------------------------------------------------------


@staff_view(p.VIEW)
def course_list(request: HttpRequest) -> HttpResponse:
    q, category = request.GET.get("q", "").strip(), request.GET.get("category", "")
    courses = selectors.course_list(actor=request.user, q=q, category=category)
    if _wants_xlsx(request):
        return xlsx_response("courses.xlsx", [_("Code"), _("Title"), _("Category"), _("Duration (minutes)"),
                                              _("Owner unit"), _("Active")],
                             ((c.code, c.title, c.get_category_display(), c.duration_minutes, str(c.org_unit),
                               c.is_active) for c in courses))
    return render(request, "training/course_list.html", {
        "page": paginate(request, courses), "q": q, "category": category, "categories": Topic.choices,
        "can_manage": access.has_perm(request.user, p.MANAGE)})


@staff_view(p.MANAGE)
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None, request.FILES or None, units=_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:course_detail", pk=course.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New course"), "multipart": True})


@staff_view(p.OWN)  # every employee reads the courses assigned to them; training staff their catalogue
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_get_to_read(actor=request.user, pk=pk)
    return render(request, "training/course_detail.html", {"course": course})


@staff_view(p.VIEW)
def plan_list(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("year", "")
    plans = selectors.plan_list(actor=request.user, year=parse_year(year))
    return render(request, "training/plan_list.html", {
        "page": paginate(request, plans), "year": year, "can_manage": access.has_perm(request.user, p.MANAGE)})


@staff_view(p.MANAGE)
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None, units=_units(request), initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New training plan")})


def _rule_form(request: HttpRequest, plan: Any, data: Any = None) -> RuleForm:
    units = access.units_under(plan.org_unit).filter(pk__in=access.scope_for(request.user, p.MANAGE).unit_ids())
    return RuleForm(data, units=units, courses=selectors.course_list(actor=request.user, active=True),
                    exams=selectors.exam_list(actor=request.user))


@staff_view(p.VIEW)
def plan_detail(request: HttpRequest, pk: int, form: RuleForm | None = None) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    can_manage = access.has_perm(request.user, p.MANAGE, plan.org_unit)
    assignments = selectors.assignment_list(actor=request.user, filters=selectors.AssignmentFilter(plan=plan.pk))
    return render(request, "training/plan_detail.html", {
        "plan": plan, "rules": plan.rules.select_related("course", "exam", "org_unit"),
        "assigned": assignments.count(),
        "completed": assignments.filter(status=Assignment.Status.COMPLETED).count(),
        "can_manage": can_manage, "form": form or (_rule_form(request, plan) if can_manage else None),
    }, status=400 if form is not None else 200)


@require_POST
@staff_view(p.MANAGE)
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    form = _rule_form(request, plan, request.POST)
    if form.is_valid():
        try:
            services.rule_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:plan_detail", pk=plan.pk)
    return plan_detail.__wrapped__(request, pk, form=form)  # type: ignore[attr-defined]


@require_POST
@staff_view(p.MANAGE)
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    created = services.plan_publish(actor=request.user, plan=plan)
    messages.success(request, _("Plan published: %(n)s assignments created.") % {"n": created})
    return redirect("training:plan_detail", pk=plan.pk)


ASSIGNMENT_HEADERS = ("Employee number", "Name", "Org unit", "Training", "Plan", "Due date", "Status", "Completed at")


@staff_view(p.VIEW)
def assignment_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.AssignmentFilter.from_params(request.GET)
    assignments = selectors.assignment_list(actor=request.user, filters=filters)
    if _wants_xlsx(request):
        return xlsx_response("assignments.xlsx", [_(h) for h in ASSIGNMENT_HEADERS], (
            (a.employee.employee_no, a.employee.name, a.org_unit.code, a.title, str(a.plan or ""), a.due_date,
             a.get_status_display(), a.completed_at) for a in assignments.iterator(chunk_size=2000)))
    return render(request, "training/assignment_list.html", {
        "page": paginate(request, assignments), "filters": filters, "units": _units(request, p.VIEW),
        "statuses": [*Assignment.Status.choices, ("overdue", _("overdue"))], "today": timezone.localdate()})


# --- banks and exams ----------------------------------------------------------------------------


@staff_view(p.VIEW)
def bank_list(request: HttpRequest) -> HttpResponse:
    return render(request, "training/bank_list.html", {
        "page": paginate(request, selectors.bank_list(actor=request.user)),
        "can_manage": access.has_perm(request.user, p.MANAGE)})


@staff_view(p.MANAGE)
def bank_create(request: HttpRequest) -> HttpResponse:
    form = BankForm(request.POST or None, units=_units(request))
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.bank_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:bank_detail", pk=bank.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New question bank")})


@staff_view(p.VIEW)
def bank_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get(actor=request.user, pk=pk)
    topic = request.GET.get("topic", "")
    questions = selectors.question_list(bank=bank, topic=topic, kind=request.GET.get("kind", ""))
    topics = dict(Topic.choices)
    return render(request, "training/bank_detail.html", {
        "bank": bank, "page": paginate(request, questions), "topic": topic, "topics": Topic.choices,
        "counts": [(topics.get(t, t), n) for t, n in sorted(selectors.topic_counts(bank).items())],
        "can_manage": access.has_perm(request.user, p.MANAGE, bank.org_unit)})


@staff_view(p.MANAGE)
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    bank = selectors.bank_get(actor=request.user, pk=pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_create(actor=request.user, bank=bank, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:bank_detail", pk=bank.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New question in %(bank)s")
                                                  % {"bank": bank.name}})


@staff_view(p.VIEW)
def exam_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    return render(request, "training/exam_list.html", {
        "page": paginate(request, selectors.exam_list(actor=request.user, kind=kind)), "kind": kind,
        "kinds": Exam.Kind.choices, "can_manage": access.has_perm(request.user, p.MANAGE)})


@staff_view(p.MANAGE)
def exam_create(request: HttpRequest) -> HttpResponse:
    form = ExamForm(request.POST or None, units=_units(request), banks=selectors.bank_list(actor=request.user))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not k.startswith("quota_")}
        try:
            exam = services.exam_create(actor=request.user, quotas=form.quotas(), **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            return redirect("training:exam_detail", pk=exam.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New exam or assessment")})


@staff_view(p.VIEW)
def exam_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exam = selectors.exam_get(actor=request.user, pk=pk)
    results = selectors.exam_results(actor=request.user, exam=exam)
    topics = dict(Topic.choices)
    return render(request, "training/exam_detail.html", {
        "exam": exam, "page": paginate(request, results),
        "quotas": [(topics.get(t, t), n) for t, n in exam.quotas.items()]})


# --- scorecards ---------------------------------------------------------------------------------


SCORECARD_HEADERS = ("Employee number", "Name", "Org unit", "Position", "Assigned", "Completed", "Overdue",
                     "Completion (%)", "Exams taken", "Exams passed", "Best exam score", "Risk-awareness score",
                     "Policy attestations due", "Policy attestations confirmed", "Corrective actions open",
                     "Corrective actions overdue")


def _year_range(request: HttpRequest) -> tuple[int, dt.date, dt.date]:
    year = parse_year(request.GET.get("year")) or timezone.localdate().year
    return year, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


@staff_view(p.VIEW)
def scorecard_list(request: HttpRequest) -> HttpResponse:
    """岗位责任制: per employee and year, trainings and exams, for performance appraisal."""
    year, start, end = _year_range(request)
    filters = selectors.EmployeeFilter.from_params(request.GET)
    employees = selectors.employee_list(actor=request.user, filters=filters)
    if _wants_xlsx(request):
        rows = selectors.scorecards(employees=employees, start=start, end=end)
        return xlsx_response(f"scorecards-{year}.xlsx", [_(h) for h in SCORECARD_HEADERS], (
            (r.employee.employee_no, r.employee.name, r.employee.org_unit.code, r.employee.position, r.assigned,
             r.completed, r.overdue, r.completion_rate, r.exams_taken, r.exams_passed, r.best_score,
             r.awareness_score, r.attestations_due, r.attestations_confirmed, r.actions_open, r.actions_overdue)
            for r in rows))
    page = paginate(request, employees)
    return render(request, "training/scorecard_list.html", {
        "page": page, "rows": selectors.scorecards(employees=page.object_list, start=start, end=end), "year": year, "filters": filters, "units": _units(request, p.VIEW)})
