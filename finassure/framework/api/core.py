"""The framework API's router, and measures, indicators, snapshots, corrective actions, work-plan tasks, budget lines and accountability records."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.framework import selectors, services
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
    org_unit_id: DbId
    owner_id: DbId
    due: dt.date
    measure_id: DbId | None = None


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
def list_indicators(request: HttpRequest, measure: DbId | None = None) -> Any:
    return selectors.indicator_list(actor=request.user, measure_id=measure)


@router.get("/indicators/{indicator_id}", response=IndicatorOut)
def get_indicator(request: HttpRequest, indicator_id: DbId) -> Any:
    return selectors.indicator_get(actor=request.user, pk=indicator_id)


@router.get("/snapshots", response=list[SnapshotOut])
@paginate(PageNumber)
def list_snapshots(request: HttpRequest, indicator: DbId | None = None, org_unit: DbId | None = None,
                   period: str = "", status: str = "") -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.snapshot_list(actor=request.user, indicator_id=indicator, org_unit_id=org_unit,
                                   period=period, status=status)


@router.get("/snapshots/{snapshot_id}", response=SnapshotOut)
def get_snapshot(request: HttpRequest, snapshot_id: DbId) -> Any:
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
        raise ValidationFailed(_("No such active user."), fields={"owner_id": [_("No such active user.")]})
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    action = services.corrective_action_open(actor=request.user, source=None, title=payload.title,
                                             description=payload.description, owner=owner, due=payload.due,
                                             org_unit=unit, measure=measure)
    return Status(201, action)


@router.get("/actions/{action_id}", response=ActionOut)
def get_corrective_action(request: HttpRequest, action_id: DbId) -> Any:
    return selectors.corrective_action_get(actor=request.user, pk=action_id)


@router.post("/actions/{action_id}/steps", response=ActionOut)
def step_corrective_action(request: HttpRequest, action_id: DbId, payload: StepIn) -> Any:
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
def list_work_tasks(request: HttpRequest, measure: DbId | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.work_task_list(actor=request.user, measure_id=measure)


def _active_user(pk: DbId, field: str) -> Any:
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("No such active user."), fields={field: [_("No such active user.")]})
    return user


def _plan_unit(request: HttpRequest, pk: DbId) -> Any:
    access.require(request.user, FPerm.PLAN_MANAGE)
    return access.org_unit_get(actor=request.user, pk=pk, perm=FPerm.PLAN_MANAGE)


class TaskIn(Schema):
    measure_id: DbId
    org_unit_id: DbId
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: DbId
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
    measure_id: DbId
    org_unit_id: DbId
    year: int = Field(..., ge=2000, le=2100)
    title: str = Field(..., min_length=1, max_length=200)
    planned: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    committed: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    spent: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)


@router.get("/budget-lines", response=list[BudgetLineOut])
@paginate(PageNumber)
def list_budget_lines(request: HttpRequest, year: Year | None = None, measure: DbId | None = None) -> Any:
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
    measure_id: DbId | None = None
    org_unit_id: DbId
    subject: str = Field(..., min_length=1, max_length=200)
    person_id: DbId
    finding: str = Field(..., min_length=1)
    outcome: str = Field(..., min_length=1)
    decided_on: dt.date


@router.get("/accountability", response=list[AccountabilityOut])
@paginate(PageNumber)
def list_accountability_records(request: HttpRequest, measure: DbId | None = None) -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.accountability_list(actor=request.user, measure_id=measure).order_by("-decided_on", "-id")


@router.post("/accountability", response={201: AccountabilityOut})
def create_accountability_record(request: HttpRequest, payload: AccountabilityIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.accountability_record_create(
        actor=request.user, org_unit=unit, subject=payload.subject, person=_active_user(payload.person_id, "person_id"),
        finding=payload.finding, outcome=payload.outcome, decided_on=payload.decided_on, measure=measure))
