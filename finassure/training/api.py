"""API of training: roster, courses, assignments, exams; own trainings, exam attempts and submissions."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.platform.api import DbId, PageNumber
from finassure.platform.errors import NotFound
from finassure.training import permissions as p
from finassure.training import selectors, services

router = Router(tags=["training"])


class EmployeeOut(Schema):
    id: int
    employee_no: str
    name: str
    org_unit_id: int
    position: str
    hire_date: dt.date
    status: str
    left_on: dt.date | None
    user_id: int | None


class EmployeeIn(Schema):
    employee_no: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    org_unit_id: DbId
    position: str = Field("", max_length=100)
    hire_date: dt.date


class CourseOut(Schema):
    id: int
    code: str
    title: str
    category: str
    duration_minutes: int
    org_unit_id: int
    is_active: bool


class AssignmentOut(Schema):
    id: int
    employee_id: int
    org_unit_id: int
    plan_id: int | None
    course_id: int | None
    exam_id: int | None
    title: str
    due_date: dt.date
    status: str
    completed_at: dt.datetime | None


class ExamOut(Schema):
    id: int
    kind: str
    title: str
    bank_id: int
    quotas: dict[str, int]
    time_limit_minutes: int
    pass_mark: int
    max_attempts: int


class OptionOut(Schema):
    index: int
    text: str


class PaperQuestionOut(Schema):
    question_id: int
    position: int
    kind: str
    text: str
    options: list[OptionOut]


class AttemptOut(Schema):
    id: int
    exam_id: int
    employee_id: int
    number: int
    status: str
    started_at: dt.datetime
    deadline: dt.datetime
    submitted_at: dt.datetime | None
    score: Decimal | None
    passed: bool | None
    breakdown: dict[str, float]


class AttemptPaperOut(AttemptOut):
    questions: list[PaperQuestionOut]


class AnswerIn(Schema):
    question_id: DbId
    options: list[Annotated[int, Field(ge=0, le=99)]] = Field(default_factory=list, max_length=8)  # option indices


class SubmissionIn(Schema):
    answers: list[AnswerIn] = Field(default_factory=list, max_length=500)


class EmployeeFilterIn(Schema):
    q: str = Field("", max_length=100)
    org_unit: DbId | None = None
    position: str = Field("", max_length=100)
    status: str = Field("", max_length=16)


class AssignmentFilterIn(Schema):
    q: str = Field("", max_length=100)
    org_unit: DbId | None = None
    status: str = Field("", max_length=16)
    plan: DbId | None = None
    year: int | None = Field(None, ge=2000, le=2100)


def _paper(attempt: Any) -> dict[str, Any]:
    questions = [{
        "question_id": item.question_id, "position": item.position, "kind": item.question.kind,
        "text": item.question.text,
        "options": [{"index": i, "text": item.question.options[i]} for i in item.option_order],
    } for item in attempt.items.select_related("question")]
    return {**AttemptOut.from_orm(attempt).dict(), "questions": questions}


@router.get("/training/employees", response=list[EmployeeOut])
@paginate(PageNumber)
def list_employees(request: HttpRequest, filters: Query[EmployeeFilterIn]) -> Any:
    access.require(request.user, p.VIEW)
    return selectors.employee_list(actor=request.user, filters=selectors.EmployeeFilter(**filters.dict()))


@router.post("/training/employees", response={201: EmployeeOut})
def create_employee(request: HttpRequest, payload: EmployeeIn) -> Any:
    access.require(request.user, p.MANAGE)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=p.MANAGE)
    employee = services.employee_create(actor=request.user, org_unit=unit, employee_no=payload.employee_no,
                                        name=payload.name, position=payload.position, hire_date=payload.hire_date)
    return Status(201, employee)


@router.get("/training/employees/{employee_id}", response=EmployeeOut)
def get_employee(request: HttpRequest, employee_id: DbId) -> Any:
    access.require(request.user, p.VIEW)
    return selectors.employee_get(actor=request.user, pk=employee_id)


@router.get("/training/courses", response=list[CourseOut])
@paginate(PageNumber)
def list_courses(request: HttpRequest, q: str = Query("", max_length=100), category: str = Query("", max_length=20)
                 ) -> Any:
    access.require(request.user, p.VIEW)
    return selectors.course_list(actor=request.user, q=q, category=category)


@router.get("/training/assignments", response=list[AssignmentOut])
@paginate(PageNumber)
def list_assignments(request: HttpRequest, filters: Query[AssignmentFilterIn]) -> Any:
    access.require(request.user, p.VIEW)
    return selectors.assignment_list(actor=request.user, filters=selectors.AssignmentFilter(**filters.dict()))


@router.get("/training/exams", response=list[ExamOut])
@paginate(PageNumber)
def list_exams(request: HttpRequest, kind: str = "") -> Any:
    access.require(request.user, p.VIEW)
    return selectors.exam_list(actor=request.user, kind=kind)


@router.get("/training/my/assignments", response=list[AssignmentOut])
def list_my_assignments(request: HttpRequest) -> Any:
    employee = selectors.employee_of(request.user)
    return list(selectors.my_assignments(employee=employee)) if employee else []


@router.post("/training/my/assignments/{assignment_id}/complete", response=AssignmentOut)
def complete_my_assignment(request: HttpRequest, assignment_id: DbId) -> Any:
    assignment = selectors.my_assignment_get(user=request.user, pk=assignment_id)
    return services.assignment_complete(actor=request.user, assignment=assignment)


@router.post("/training/my/assignments/{assignment_id}/attempts", response={201: AttemptPaperOut})
def start_attempt(request: HttpRequest, assignment_id: DbId) -> Any:
    assignment = selectors.my_assignment_get(user=request.user, pk=assignment_id)
    if assignment.exam is None:
        raise NotFound(_("This assignment has no exam."))
    attempt = services.attempt_start(actor=request.user, exam=assignment.exam)
    return Status(201, _paper(attempt))


@router.get("/training/attempts/{attempt_id}", response=AttemptOut)
def get_attempt(request: HttpRequest, attempt_id: DbId) -> Any:
    return selectors.attempt_get(actor=request.user, pk=attempt_id)


@router.post("/training/attempts/{attempt_id}/submit", response=AttemptOut)
def submit_attempt(request: HttpRequest, payload: SubmissionIn, attempt_id: DbId) -> Any:
    attempt = selectors.attempt_get(actor=request.user, pk=attempt_id)
    answers: dict[int, list[int]] = {}
    for answer in payload.answers:
        answers.setdefault(answer.question_id, []).extend(answer.options)
    return services.attempt_submit(actor=request.user, attempt=attempt, answers=answers)
