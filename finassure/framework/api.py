"""API of the assurance framework: measures, indicators, snapshots, corrective actions, work-plan tasks."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.framework import selectors, services
from finassure.framework.permissions import FPerm
from finassure.platform.api import PageNumber
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
