"""API of the assurance framework: measures, indicators, snapshots, corrective actions, work-plan tasks."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.framework import selectors, services
from finassure.framework.models import AssessmentFinding, ExternalAssessment, Meeting, MeetingDecision
from finassure.framework.permissions import FPerm
from finassure.platform.api import DbId, PageNumber, Year
from finassure.platform.errors import ValidationFailed

router = Router(tags=["framework"])


class MeasureOut(Schema):
    id: int
    key: str
    number: str
    section: str
    name: str
    name_en: str
    responsible_role: str
    owner_id: int | None


class IndicatorOut(Schema):
    id: int
    key: str
    measure_id: int
    kind: str
    name: str
    name_en: str
    unit: str
    direction: str
    target: float
    amber: float
    library_target: float
    period: str
    computation: str


class SnapshotOut(Schema):
    id: int
    indicator_id: int
    org_unit_id: int
    period_label: str
    period_start: dt.date
    period_end: dt.date
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float
    amber: float
    status: str
    computed_at: dt.datetime


class ActionOut(Schema):
    id: int
    title: str
    description: str
    org_unit_id: int
    owner_id: int
    due: dt.date
    status: str
    source_type: str | None = Field(None, alias="source_type.model")
    source_id: str
    source_repr: str
    measure_id: int | None
    indicator_id: int | None
    verified_by_id: int | None
    reopen_count: int


class ActionIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    org_unit_id: int
    owner_id: int
    due: dt.date
    measure_id: int | None = None


class StepIn(Schema):
    step: Literal["start", "complete", "verify", "close"]
    note: str = ""
    effective: bool = True


class TaskOut(Schema):
    id: int
    measure_id: int
    org_unit_id: int
    title: str
    owner_id: int
    deadline: dt.date
    status: str


@router.get("/measures", response=list[MeasureOut])
def list_measures(request: HttpRequest) -> Any:
    return selectors.measure_list(actor=request.user)


@router.get("/indicators", response=list[IndicatorOut])
def list_indicators(request: HttpRequest, measure: int | None = None) -> Any:
    return selectors.indicator_list(actor=request.user, measure_id=measure)


@router.get("/indicators/{indicator_id}", response=IndicatorOut)
def get_indicator(request: HttpRequest, indicator_id: int) -> Any:
    return selectors.indicator_get(actor=request.user, pk=indicator_id)


@router.get("/snapshots", response=list[SnapshotOut])
@paginate(PageNumber)
def list_snapshots(request: HttpRequest, indicator: int | None = None, org_unit: int | None = None,
                   period: str = "", status: str = "") -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.snapshot_list(actor=request.user, indicator_id=indicator, org_unit_id=org_unit,
                                   period=period, status=status)


@router.get("/snapshots/{snapshot_id}", response=SnapshotOut)
def get_snapshot(request: HttpRequest, snapshot_id: int) -> Any:
    return selectors.snapshot_get(actor=request.user, pk=snapshot_id)


@router.get("/actions", response=list[ActionOut])
@paginate(PageNumber)
def list_corrective_actions(request: HttpRequest, status: str = "", overdue: bool = False, mine: bool = False,
                 q: str = "") -> Any:
    access.require(request.user, FPerm.ACTION_VIEW)
    return selectors.corrective_action_list(actor=request.user, status=status, overdue=overdue, mine=mine,
                                            search=q)


@router.post("/actions", response={201: ActionOut})
def create_corrective_action(request: HttpRequest, payload: ActionIn) -> Any:
    access.require(request.user, FPerm.ACTION_MANAGE)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=FPerm.ACTION_MANAGE)
    owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
    if owner is None:
        raise ValidationFailed("No such active user.", fields={"owner_id": ["No such active user."]})
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    action = services.corrective_action_open(actor=request.user, source=None, title=payload.title,
                                             description=payload.description, owner=owner, due=payload.due,
                                             org_unit=unit, measure=measure)
    return Status(201, action)


@router.get("/actions/{action_id}", response=ActionOut)
def get_corrective_action(request: HttpRequest, action_id: int) -> Any:
    return selectors.corrective_action_get(actor=request.user, pk=action_id)


@router.post("/actions/{action_id}/steps", response=ActionOut)
def step_corrective_action(request: HttpRequest, action_id: int, payload: StepIn) -> Any:
    action = selectors.corrective_action_get(actor=request.user, pk=action_id)
    if payload.step == "start":
        return services.corrective_action_start(actor=request.user, action=action)
    if payload.step == "complete":
        return services.corrective_action_complete(actor=request.user, action=action, note=payload.note)
    if payload.step == "verify":
        return services.corrective_action_verify(actor=request.user, action=action, effective=payload.effective,
                                                 note=payload.note)
    return services.corrective_action_close(actor=request.user, action=action)


@router.get("/tasks", response=list[TaskOut])
@paginate(PageNumber)
def list_work_tasks(request: HttpRequest, measure: int | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.work_task_list(actor=request.user, measure_id=measure)


# --- work-plan tasks, budget lines, accountability records: writes ----------------------------------


def _active_user(pk: int, field: str) -> Any:
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationFailed("No such active user.", fields={field: ["No such active user."]})
    return user


def _plan_unit(request: HttpRequest, pk: int) -> Any:
    access.require(request.user, FPerm.PLAN_MANAGE)
    return access.org_unit_get(actor=request.user, pk=pk, perm=FPerm.PLAN_MANAGE)


class TaskIn(Schema):
    measure_id: int
    org_unit_id: int
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int
    deadline: dt.date


@router.post("/tasks", response={201: TaskOut})
def create_work_task(request: HttpRequest, payload: TaskIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id)
    return Status(201, services.work_task_create(actor=request.user, measure=measure, org_unit=unit,
                                                 title=payload.title, owner=_active_user(payload.owner_id, "owner_id"),
                                                 deadline=payload.deadline))


class BudgetLineOut(Schema):
    id: int
    measure_id: int
    org_unit_id: int
    year: int
    title: str
    planned: Decimal
    committed: Decimal
    spent: Decimal


class BudgetLineIn(Schema):
    measure_id: int
    org_unit_id: int
    year: int = Field(..., ge=2000, le=2100)
    title: str = Field(..., min_length=1, max_length=200)
    planned: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    committed: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    spent: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)


@router.get("/budget-lines", response=list[BudgetLineOut])
@paginate(PageNumber)
def list_budget_lines(request: HttpRequest, year: Year | None = None, measure: int | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.budget_lines(actor=request.user, year=year, measure_id=measure).order_by("-year", "id")


@router.post("/budget-lines", response={201: BudgetLineOut})
def create_budget_line(request: HttpRequest, payload: BudgetLineIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id)
    return Status(201, services.budget_line_save(
        actor=request.user, measure=measure, org_unit=unit, year=payload.year, title=payload.title,
        planned=payload.planned, committed=payload.committed, spent=payload.spent))


class AccountabilityOut(Schema):
    id: int
    measure_id: int | None
    org_unit_id: int
    subject: str
    person_id: int
    finding: str
    outcome: str
    decided_on: dt.date


class AccountabilityIn(Schema):
    measure_id: int | None = None
    org_unit_id: int
    subject: str = Field(..., min_length=1, max_length=200)
    person_id: int
    finding: str = Field(..., min_length=1)
    outcome: str = Field(..., min_length=1)
    decided_on: dt.date


@router.get("/accountability", response=list[AccountabilityOut])
@paginate(PageNumber)
def list_accountability_records(request: HttpRequest, measure: int | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.accountability_list(actor=request.user, measure_id=measure).order_by("-decided_on", "-id")


@router.post("/accountability", response={201: AccountabilityOut})
def create_accountability_record(request: HttpRequest, payload: AccountabilityIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.accountability_record_create(
        actor=request.user, org_unit=unit, subject=payload.subject, person=_active_user(payload.person_id, "person_id"),
        finding=payload.finding, outcome=payload.outcome, decided_on=payload.decided_on, measure=measure))


# --- meetings and decisions -----------------------------------------------------------------------


class DecisionOut(Schema):
    id: int
    text: str
    outcome: str
    owner_id: int
    due: dt.date
    measure_id: int | None
    work_task_id: int | None
    corrective_action_id: int | None


class MeetingOut(Schema):
    id: int
    kind: str
    title: str
    org_unit_id: int
    scheduled_for: dt.datetime
    location: str
    agenda: str
    minutes: str
    status: str
    held_at: dt.datetime | None
    attendee_ids: list[int]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_attendee_ids(obj: Meeting) -> list[int]:
        return sorted(u.pk for u in obj.attendees.all())

    @staticmethod
    def resolve_decisions(obj: Meeting) -> list[MeetingDecision]:
        return list(obj.decisions.all())


class MeetingIn(Schema):
    kind: Literal["working_group", "internal_review"] = "working_group"
    title: str = Field(..., min_length=1, max_length=200)
    org_unit_id: int
    scheduled_for: dt.datetime
    agenda: str = Field(..., min_length=1)
    location: str = ""
    measure_ids: list[int] = []


class MinutesIn(Schema):
    minutes: str = Field(..., min_length=1)
    attendee_ids: list[int] = Field(..., min_length=1)


class DecisionIn(Schema):
    text: str = Field(..., min_length=1)
    outcome: Literal["task", "action"]
    owner_id: int
    due: dt.date
    measure_id: int | None = None


def _meetings(request: HttpRequest) -> Any:
    return selectors.meeting_list(actor=request.user).prefetch_related("attendees", "decisions")


@router.get("/meetings", response=list[MeetingOut])
@paginate(PageNumber)
def list_meetings(request: HttpRequest, kind: str = "", status: str = "") -> Any:
    access.require(request.user, FPerm.VIEW)
    return _meetings(request).filter(**{k: v for k, v in {"kind": kind, "status": status}.items() if v})


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request: HttpRequest, meeting_id: int) -> Any:
    return selectors.meeting_get(actor=request.user, pk=meeting_id)


@router.post("/meetings", response={201: MeetingOut})
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measures = list(selectors.measure_list(actor=request.user).filter(pk__in=payload.measure_ids))
    if len(measures) != len(set(payload.measure_ids)):
        raise ValidationFailed("No such measure.", fields={"measure_ids": ["No such measure."]})
    return Status(201, services.meeting_schedule(actor=request.user, kind=payload.kind, title=payload.title,
                                                 org_unit=unit, scheduled_for=payload.scheduled_for,
                                                 agenda=payload.agenda, location=payload.location,
                                                 measures=measures))


@router.post("/meetings/{meeting_id}/minutes", response=MeetingOut)
def record_meeting_minutes(request: HttpRequest, meeting_id: int, payload: MinutesIn) -> Any:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    people = [_active_user(pk, "attendee_ids") for pk in payload.attendee_ids]
    return services.meeting_record_minutes(actor=request.user, meeting=meeting, minutes=payload.minutes,
                                           attendees=people)


@router.post("/meetings/{meeting_id}/cancel", response=MeetingOut)
def cancel_meeting(request: HttpRequest, meeting_id: int) -> Any:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    return services.meeting_cancel(actor=request.user, meeting=meeting)


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
def add_meeting_decision(request: HttpRequest, meeting_id: int, payload: DecisionIn) -> Any:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.meeting_decision_add(
        actor=request.user, meeting=meeting, text=payload.text, outcome=payload.outcome,
        owner=_active_user(payload.owner_id, "owner_id"), due=payload.due, measure=measure))


# --- third-party assessments ----------------------------------------------------------------------


class FindingOut(Schema):
    id: int
    title: str
    description: str
    severity: str
    org_unit_id: int
    measure_id: int | None
    corrective_action_id: int | None


class AssessmentOut(Schema):
    id: int
    title: str
    firm: str
    assessor_id: int | None
    org_unit_id: int
    unit_ids: list[int]
    measure_ids: list[int]
    period_start: dt.date
    period_end: dt.date
    status: str
    conclusions: str
    completed_on: dt.date | None
    findings: list[FindingOut]

    @staticmethod
    def resolve_unit_ids(obj: ExternalAssessment) -> list[int]:
        return sorted(u.pk for u in obj.units.all())

    @staticmethod
    def resolve_measure_ids(obj: ExternalAssessment) -> list[int]:
        return sorted(m.pk for m in obj.measures.all())

    @staticmethod
    def resolve_findings(obj: ExternalAssessment) -> list[AssessmentFinding]:
        return list(obj.findings.all())


class AssessmentIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    firm: str = Field(..., min_length=1, max_length=200)
    org_unit_id: int
    unit_ids: list[int] = Field(..., min_length=1)
    measure_ids: list[int] = Field(..., min_length=1)
    period_start: dt.date
    period_end: dt.date
    assessor_id: int | None = None


class AssessmentStepIn(Schema):
    step: Literal["start", "complete"]
    conclusions: str = ""


class FindingIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    severity: Literal["low", "medium", "high"] = "medium"
    org_unit_id: int
    measure_id: int | None = None
    owner_id: int
    due: dt.date


@router.get("/assessments", response=list[AssessmentOut])
@paginate(PageNumber)
def list_assessments(request: HttpRequest, status: str = "") -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.assessment_list(actor=request.user, status=status).prefetch_related("units", "measures",
                                                                                         "findings")


@router.get("/assessments/{assessment_id}", response=AssessmentOut)
def get_assessment(request: HttpRequest, assessment_id: int) -> Any:
    return selectors.assessment_get(actor=request.user, pk=assessment_id)


@router.post("/assessments", response={201: AssessmentOut})
def create_assessment(request: HttpRequest, payload: AssessmentIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    units = [access.org_unit_get(actor=request.user, pk=pk, perm=FPerm.PLAN_MANAGE) for pk in payload.unit_ids]
    measures = list(selectors.measure_list(actor=request.user).filter(pk__in=payload.measure_ids))
    if len(measures) != len(set(payload.measure_ids)):
        raise ValidationFailed("No such measure.", fields={"measure_ids": ["No such measure."]})
    assessor = _active_user(payload.assessor_id, "assessor_id") if payload.assessor_id else None
    return Status(201, services.assessment_create(
        actor=request.user, title=payload.title, firm=payload.firm, org_unit=unit, units=units, measures=measures,
        period_start=payload.period_start, period_end=payload.period_end, assessor=assessor))


@router.post("/assessments/{assessment_id}/steps", response=AssessmentOut)
def step_assessment(request: HttpRequest, assessment_id: int, payload: AssessmentStepIn) -> Any:
    assessment = selectors.assessment_get(actor=request.user, pk=assessment_id)
    if payload.step == "start":
        return services.assessment_start(actor=request.user, assessment=assessment)
    return services.assessment_complete(actor=request.user, assessment=assessment, conclusions=payload.conclusions)


@router.post("/assessments/{assessment_id}/findings", response={201: FindingOut})
def add_assessment_finding(request: HttpRequest, assessment_id: int, payload: FindingIn) -> Any:
    assessment = selectors.assessment_get(actor=request.user, pk=assessment_id)
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.assessment_finding_add(
        actor=request.user, assessment=assessment, title=payload.title, description=payload.description,
        severity=payload.severity, org_unit=unit, owner=_active_user(payload.owner_id, "owner_id"), due=payload.due,
        measure=measure))


# --- cost-benefit, losses, RACI -------------------------------------------------------------------


class MovementOut(Schema):
    indicator_id: int
    before: float | None
    before_period: str | None
    after: float | None
    after_period: str | None
    change: float | None
    trend: str


class CostBenefitOut(Schema):
    measure_id: int
    number: str
    planned: Decimal
    spent: Decimal
    losses: Decimal
    fines: Decimal
    compensation: Decimal
    losses_year_before: Decimal
    movements: list[MovementOut]


@router.get("/cost-benefit", response=list[CostBenefitOut])
def get_cost_benefit(request: HttpRequest, year: Year, org_unit: DbId | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    unit = (selectors.unit_get(actor=request.user, pk=org_unit) if org_unit
            else selectors.default_unit(actor=request.user))
    if unit is None:
        return []
    return [{"measure_id": r.measure.pk, "number": r.measure.number, "planned": r.planned, "spent": r.spent,
             "losses": r.losses.get("loss", Decimal(0)), "fines": r.losses.get("fine", Decimal(0)),
             "compensation": r.losses.get("compensation", Decimal(0)), "losses_year_before": r.losses_before,
             "movements": [{"indicator_id": m.indicator.pk,
                            "before": m.before.value if m.before else None,
                            "before_period": m.before.period_label if m.before else None,
                            "after": m.after.value if m.after else None,
                            "after_period": m.after.period_label if m.after else None,
                            "change": m.change, "trend": m.trend} for m in r.movements]}
            for r in selectors.cost_benefit(actor=request.user, unit=unit, year=year)]


class LossOut(Schema):
    id: int
    kind: str
    org_unit_id: int
    measure_id: int | None
    occurred_on: dt.date
    amount: Decimal
    description: str
    reference: str


class LossIn(Schema):
    kind: Literal["loss", "fine", "compensation"]
    org_unit_id: int
    measure_id: int | None = None
    occurred_on: dt.date
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    description: str = Field(..., min_length=1, max_length=300)
    reference: str = Field("", max_length=100)


@router.get("/losses", response=list[LossOut])
@paginate(PageNumber)
def list_losses(request: HttpRequest, year: Year | None = None, measure: int | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.loss_event_list(actor=request.user, year=year, measure_id=measure)


@router.post("/losses", response={201: LossOut})
def create_loss(request: HttpRequest, payload: LossIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.loss_event_record(
        actor=request.user, kind=payload.kind, org_unit=unit, measure=measure, occurred_on=payload.occurred_on,
        amount=payload.amount, description=payload.description, reference=payload.reference))


class RaciOut(Schema):
    id: int
    measure_id: int
    indicator_id: int | None
    letter: str
    role: str
    org_unit_id: int | None


class RaciIn(Schema):
    measure_id: int
    indicator_id: int | None = None
    letter: Literal["R", "A", "C", "I"]
    role: str
    org_unit_id: int | None = None


@router.get("/raci", response=list[RaciOut])
def list_raci(request: HttpRequest, measure: int | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.raci_entries(actor=request.user, measure_id=measure)


@router.post("/raci", response={201: RaciOut})
def create_raci_entry(request: HttpRequest, payload: RaciIn) -> Any:
    access.require(request.user, FPerm.MANAGE)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id)
    indicator = selectors.indicator_get(actor=request.user, pk=payload.indicator_id) if payload.indicator_id else None
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=FPerm.VIEW) if payload.org_unit_id \
        else None
    return Status(201, services.raci_entry_add(actor=request.user, measure=measure, letter=payload.letter,
                                               role=payload.role, org_unit=unit, indicator=indicator))
