"""Reads of training, always scoped: records in the caller's units; catalogues also from the units above them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.platform.errors import NotFound
from finassure.platform.ids import parse_id, parse_year
from finassure.training import permissions as p
from finassure.training.models import (
    Assignment,
    Attempt,
    Course,
    Employee,
    Exam,
    Question,
    QuestionBank,
    RosterImport,
    TrainingPlan,
)


def _scope_q(actor: Any, perm: str = p.VIEW, field: str = "org_unit") -> Q:
    return access.scope_for(actor, perm).q(field)


def _catalogue_q(actor: Any, perm: str = p.VIEW) -> Q:
    """Catalogue records (courses, banks, exams, plans) of the caller's units and of the units above them."""
    scope = access.scope_for(actor, perm)
    return scope.q("org_unit") | Q(org_unit_id__in=scope.ancestor_ids())


def _get(qs: QuerySet[Any], pk: int, missing: str) -> Any:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(missing)
    return obj


# --- roster -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeFilter:
    q: str = ""
    org_unit: int | None = None
    position: str = ""
    status: str = ""

    @classmethod
    def from_params(cls, params: Any) -> EmployeeFilter:
        return cls(q=(params.get("q") or "").strip(), org_unit=parse_id(params.get("org_unit")),
                   position=(params.get("position") or "").strip(), status=params.get("status") or "")


def employee_list(*, actor: Any, filters: EmployeeFilter | None = None) -> QuerySet[Employee]:
    f = filters or EmployeeFilter()
    qs = Employee.objects.filter(_scope_q(actor)).select_related("org_unit", "user")
    if f.q:
        qs = qs.filter(Q(employee_no__icontains=f.q) | Q(name__icontains=f.q))
    if f.org_unit:
        unit = OrgUnit.objects.filter(pk=f.org_unit).first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    if f.position:
        qs = qs.filter(position__icontains=f.position)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.order_by("org_unit__path", "employee_no")


def employee_get(*, actor: Any, pk: int) -> Employee:
    return _get(employee_list(actor=actor), pk, _("No such employee."))


def employee_of(user: Any) -> Employee | None:
    """The caller's own roster record (None if HR has not linked one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Employee.objects.filter(user=user).select_related("org_unit").first()


def roster_import_list(*, actor: Any) -> QuerySet[RosterImport]:
    return RosterImport.objects.filter(_scope_q(actor, p.MANAGE)).select_related("org_unit")


def roster_import_get(*, actor: Any, pk: int) -> RosterImport:
    return _get(roster_import_list(actor=actor), pk, _("No such roster import."))


# --- catalogue ----------------------------------------------------------------------------------


def course_list(*, actor: Any, q: str = "", category: str = "", active: bool | None = None) -> QuerySet[Course]:
    qs = Course.objects.filter(_catalogue_q(actor)).select_related("org_unit")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q))
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def course_get(*, actor: Any, pk: int) -> Course:
    return _get(course_list(actor=actor), pk, _("No such course."))


def course_get_to_read(*, actor: Any, pk: int) -> Course:
    """A course the caller may read: one of the catalogue they view, or one assigned to them (not cancelled) —
    every employee opens the material of their own training, training staff or not."""
    own = Q(pk__in=[])
    employee = employee_of(actor)
    if employee is not None:
        own = Q(pk__in=my_assignments(employee=employee).filter(course__isnull=False).values("course_id"))
    return _get(Course.objects.filter(_catalogue_q(actor) | own).select_related("org_unit"), pk,
                _("No such course."))


def plan_list(*, actor: Any, year: int | None = None) -> QuerySet[TrainingPlan]:
    qs = TrainingPlan.objects.filter(_catalogue_q(actor)).select_related("org_unit").annotate(
        rule_count=Count("rules", distinct=True))
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "title")


def plan_get(*, actor: Any, pk: int) -> TrainingPlan:
    return _get(plan_list(actor=actor), pk, _("No such training plan."))


def bank_list(*, actor: Any) -> QuerySet[QuestionBank]:
    return QuestionBank.objects.filter(_catalogue_q(actor)).select_related("org_unit").annotate(
        question_count=Count("questions", filter=Q(questions__is_active=True))).order_by("name")


def bank_get(*, actor: Any, pk: int) -> QuestionBank:
    return _get(bank_list(actor=actor), pk, _("No such question bank."))


def question_list(*, bank: QuestionBank, topic: str = "", kind: str = "", difficulty: int | None = None
                  ) -> QuerySet[Question]:
    qs = bank.questions.all()
    if topic:
        qs = qs.filter(topic=topic)
    if kind:
        qs = qs.filter(kind=kind)
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    return qs.order_by("topic", "id")


def topic_counts(bank: QuestionBank) -> dict[str, int]:
    rows = bank.questions.filter(is_active=True).values("topic").annotate(n=Count("id"))
    return {r["topic"]: r["n"] for r in rows}


def exam_list(*, actor: Any, kind: str = "") -> QuerySet[Exam]:
    qs = Exam.objects.filter(_catalogue_q(actor)).select_related("org_unit", "bank", "course")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("title")


def exam_get(*, actor: Any, pk: int) -> Exam:
    return _get(exam_list(actor=actor), pk, _("No such exam."))


# --- assignments and attempts -------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentFilter:
    q: str = ""
    org_unit: int | None = None
    status: str = ""  # assigned | completed | cancelled | overdue
    plan: int | None = None
    year: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> AssignmentFilter:
        return cls(q=(params.get("q") or "").strip(), org_unit=parse_id(params.get("org_unit")),
                   status=params.get("status") or "", plan=parse_id(params.get("plan")),
                   year=parse_year(params.get("year")))


def assignment_list(*, actor: Any, filters: AssignmentFilter | None = None) -> QuerySet[Assignment]:
    f = filters or AssignmentFilter()
    qs = Assignment.objects.filter(_scope_q(actor)).select_related("employee", "org_unit", "course", "exam", "plan")
    if f.q:
        qs = qs.filter(Q(employee__employee_no__icontains=f.q) | Q(employee__name__icontains=f.q)
                       | Q(course__title__icontains=f.q) | Q(exam__title__icontains=f.q))
    if f.org_unit:
        unit = OrgUnit.objects.filter(pk=f.org_unit).first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    if f.status == "overdue":
        qs = qs.filter(status=Assignment.Status.ASSIGNED, due_date__lt=timezone.localdate())
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.plan:
        qs = qs.filter(plan_id=f.plan)
    if f.year:
        qs = qs.filter(due_date__year=f.year)
    return qs.order_by("due_date", "org_unit__path", "employee__employee_no")


def my_assignments(*, employee: Employee) -> QuerySet[Assignment]:
    return employee.assignments.exclude(status=Assignment.Status.CANCELLED).select_related(
        "course", "exam").order_by("status", "due_date")


def my_assignment_get(*, user: Any, pk: int) -> Assignment:
    employee = employee_of(user)
    if employee is None:
        raise NotFound(_("No such assignment."))
    return _get(my_assignments(employee=employee), pk, _("No such assignment."))


def attempts_of(*, employee: Employee, exam: Exam | None = None) -> QuerySet[Attempt]:
    qs = employee.attempts.select_related("exam")
    if exam is not None:
        qs = qs.filter(exam=exam)
    return qs.order_by("-started_at")


def attempt_get(*, actor: Any, pk: int) -> Attempt:
    """An attempt of the caller's own, or one in a unit where the caller may view training results."""
    attempt = Attempt.objects.select_related("exam", "employee", "employee__user").filter(pk=pk).first()
    if attempt is None:
        raise NotFound(_("No such attempt."))
    if attempt.employee.user_id == getattr(actor, "pk", None):
        return attempt
    if not access.has_perm(actor, p.VIEW, attempt.org_unit):
        raise NotFound(_("No such attempt."))
    return attempt


def exam_results(*, actor: Any, exam: Exam) -> QuerySet[Attempt]:
    return exam.attempts.filter(_scope_q(actor)).exclude(status=Attempt.Status.IN_PROGRESS).select_related(
        "employee", "org_unit").order_by("-submitted_at")


# --- scorecards ---------------------------------------------------------------------------------


@dataclass
class ScorecardRow:
    employee: Employee
    assigned: int
    completed: int
    overdue: int
    exams_taken: int
    exams_passed: int
    best_score: float | None
    awareness_score: float | None
    attestations_due: int | None = None  # governance: policy attestations assigned in the period
    attestations_confirmed: int | None = None
    actions_open: int | None = None  # framework: corrective actions owned, still open
    actions_overdue: int | None = None

    @property
    def completion_rate(self) -> float | None:
        return round(100 * self.completed / self.assigned, 1) if self.assigned else None


def scorecards(*, employees: Any, start: dt.date, end: dt.date) -> list[ScorecardRow]:
    """Per employee (from `employee_list`), for assignments due and attempts submitted in [start, end):
    the 岗位责任制 figures. Four queries whatever the number of employees."""
    employees = list(employees)
    ids = [e.pk for e in employees]
    today = timezone.localdate()
    due = Assignment.objects.filter(employee_id__in=ids, due_date__gte=start, due_date__lt=end).exclude(
        status=Assignment.Status.CANCELLED)
    a_rows = {r["employee_id"]: r for r in due.values("employee_id").annotate(
        assigned=Count("id"), completed=Count("id", filter=Q(status=Assignment.Status.COMPLETED)),
        overdue=Count("id", filter=Q(status=Assignment.Status.ASSIGNED, due_date__lt=today)))}
    lo, hi = _bounds(start, end)
    finished = Attempt.objects.filter(employee_id__in=ids, submitted_at__gte=lo, submitted_at__lt=hi).exclude(
        status=Attempt.Status.IN_PROGRESS)
    e_rows = {r["employee_id"]: r for r in finished.filter(exam__kind=Exam.Kind.EXAM).values("employee_id").annotate(
        taken=Count("id"), passed=Count("id", filter=Q(passed=True)), best=Max("score"))}
    awareness = latest_awareness_scores(finished.filter(exam__kind=Exam.Kind.AWARENESS))
    user_ids = [e.user_id for e in employees if e.user_id]
    attestations = _attestations(user_ids, lo, hi)
    actions = _corrective_actions(user_ids, today)
    rows = []
    for e in employees:
        a = a_rows.get(e.pk, {})
        x = e_rows.get(e.pk, {})
        row = ScorecardRow(e, a.get("assigned", 0), a.get("completed", 0), a.get("overdue", 0),
                           x.get("taken", 0), x.get("passed", 0),
                           float(x["best"]) if x.get("best") is not None else None, awareness.get(e.pk))
        if e.user_id and attestations is not None:
            row.attestations_due, row.attestations_confirmed = attestations.get(e.user_id, (0, 0))
        if e.user_id and actions is not None:
            row.actions_open, row.actions_overdue = actions.get(e.user_id, (0, 0))
        rows.append(row)
    return rows


def _attestations(user_ids: list[int], lo: dt.datetime, hi: dt.datetime) -> dict[int, tuple[int, int]] | None:
    """Policy attestations (governance) per user, when governance is installed: (assigned, confirmed)."""
    from django.apps import apps

    if not apps.is_installed("finassure.governance"):
        return None
    from finassure.governance.models import Attestation

    rows = Attestation.objects.filter(user_id__in=user_ids, created_at__gte=lo, created_at__lt=hi).values(
        "user_id").annotate(n=Count("id"), done=Count("id", filter=Q(confirmed_at__isnull=False))).order_by()
    return {r["user_id"]: (r["n"], r["done"]) for r in rows}


def _corrective_actions(user_ids: list[int], today: dt.date) -> dict[int, tuple[int, int]] | None:
    """Corrective actions (framework) owned per user, when the framework is installed: (open, overdue)."""
    from django.apps import apps

    if not apps.is_installed("finassure.framework"):
        return None
    from finassure.framework.models import CorrectiveAction

    rows = CorrectiveAction.objects.filter(owner_id__in=user_ids, status__in=CorrectiveAction.OPEN_STATUSES).values(
        "owner_id").annotate(n=Count("id"), late=Count("id", filter=Q(due__lt=today))).order_by()
    return {r["owner_id"]: (r["n"], r["late"]) for r in rows}


def latest_awareness_scores(attempts: QuerySet[Attempt]) -> dict[int, float]:
    """Each employee's latest finished awareness score among `attempts`."""
    latest: dict[int, float] = {}
    for employee_id, score in attempts.order_by("employee_id", "submitted_at", "id").values_list(
            "employee_id", "score"):
        latest[employee_id] = float(score or 0)
    return latest


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end, dt.time.min, tzinfo=tz))
