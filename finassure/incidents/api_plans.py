"""API of emergency plans (list, detail with versions, create, new version, approve) and drills (list, detail
with timed steps, schedule, start, step done, complete)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.incidents import selectors, services
from finassure.incidents.models import Grade
from finassure.incidents.selectors import APPROVE_PLAN, MANAGE_PLAN, VIEW
from finassure.platform.api import DbId, PageNumber
from finassure.platform.errors import NotFound, ValidationFailed

router = Router(tags=["incidents"])


class StepIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    role: str = Field("", max_length=100)


class PlanVersionOut(Schema):
    id: int
    number: int
    steps: list[dict[str, str]]
    change_note: str
    author_id: int
    approved_by_id: int | None
    approved_at: dt.datetime | None


class PlanOut(Schema):
    id: int
    org_unit_id: int
    title: str
    scenario: str
    trigger_grades: list[str]
    incident_types: list[str]
    systems: str
    contacts: str
    review_due_on: dt.date
    is_active: bool

    @staticmethod
    def resolve_incident_types(obj: Any) -> list[str]:
        return [t.code for t in obj.incident_types.all()]


class PlanDetailOut(PlanOut):
    versions: list[PlanVersionOut]
    version_in_force_id: int | None

    @staticmethod
    def resolve_versions(obj: Any) -> list[Any]:
        return list(selectors.plan_versions(plan=obj))

    @staticmethod
    def resolve_version_in_force_id(obj: Any) -> int | None:
        version = selectors.version_in_force(plan=obj)
        return version.pk if version else None


class PlanIn(Schema):
    org_unit_id: DbId
    title: str = Field(..., min_length=1, max_length=200)
    scenario: str = Field(..., min_length=1, max_length=10000)
    steps: list[StepIn] = Field(..., min_length=1, max_length=200)
    review_due_on: dt.date
    trigger_grades: list[Grade] = []
    incident_types: list[str] = Field([], description="incident type codes")
    systems: str = Field("", max_length=500)
    contacts: str = Field("", max_length=5000)


class PlanVersionIn(Schema):
    steps: list[StepIn] = Field(..., min_length=1, max_length=200)
    change_note: str = Field(..., min_length=1, max_length=300)


class DrillStepOut(Schema):
    id: int
    index: int
    title: str
    role: str
    completed_at: dt.datetime | None
    minutes_from_start: int | None


class DrillOut(Schema):
    id: int
    org_unit_id: int
    plan_version_id: int
    title: str
    scheduled_for: dt.datetime
    state: str
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    evaluation: str
    score: int | None


class DrillDetailOut(DrillOut):
    steps: list[DrillStepOut]
    participant_ids: list[int]

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(selectors.drill_steps(drill=obj))

    @staticmethod
    def resolve_participant_ids(obj: Any) -> list[int]:
        return sorted(obj.participants.values_list("pk", flat=True))


class DrillIn(Schema):
    org_unit_id: DbId
    plan_version_id: DbId
    title: str = Field(..., min_length=1, max_length=200)
    scheduled_for: dt.datetime
    participant_ids: list[DbId] = Field([], max_length=500)


class DrillCompleteIn(Schema):
    evaluation: str = Field(..., min_length=1, max_length=10000)
    score: int | None = Field(None, ge=0, le=100)


@router.get("/emergency-plans", response=list[PlanOut])
@paginate(PageNumber)
def list_emergency_plans(request: HttpRequest) -> Any:
    access.require(request.user, VIEW)
    return selectors.plan_list(actor=request.user)


@router.get("/emergency-plans/{plan_id}", response=PlanDetailOut)
def get_emergency_plan(request: HttpRequest, plan_id: DbId) -> Any:
    access.require(request.user, VIEW)
    return selectors.plan_get(actor=request.user, pk=plan_id)


@router.post("/emergency-plans", response={201: PlanDetailOut})
def create_emergency_plan(request: HttpRequest, payload: PlanIn) -> Any:
    access.require(request.user, MANAGE_PLAN)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=MANAGE_PLAN)
    types = list(selectors.incident_types().filter(code__in=payload.incident_types))
    unknown = sorted(set(payload.incident_types) - {t.code for t in types})
    if unknown:
        raise ValidationFailed(_("Unknown incident type."), fields={"incident_types": [", ".join(unknown)]})
    plan = services.plan_create(
        actor=request.user,
        org_unit=unit,
        title=payload.title,
        scenario=payload.scenario,
        steps=[s.dict() for s in payload.steps],
        review_due_on=payload.review_due_on,
        trigger_grades=[g.value for g in payload.trigger_grades],
        incident_types=types,
        systems=payload.systems,
        contacts=payload.contacts,
    )
    return Status(201, plan)


@router.post("/emergency-plans/{plan_id}/versions", response={201: PlanVersionOut})
def create_plan_version(request: HttpRequest, plan_id: DbId, payload: PlanVersionIn) -> Any:
    access.require(request.user, MANAGE_PLAN)
    plan = selectors.plan_get(actor=request.user, pk=plan_id)
    return Status(
        201,
        services.plan_version_create(
            actor=request.user,
            plan=plan,
            steps=[s.dict() for s in payload.steps],
            change_note=payload.change_note,
        ),
    )


@router.post("/emergency-plans/{plan_id}/versions/{version_id}/approve", response=PlanVersionOut)
def approve_plan_version(request: HttpRequest, plan_id: DbId, version_id: DbId) -> Any:
    access.require(request.user, APPROVE_PLAN)
    plan = selectors.plan_get(actor=request.user, pk=plan_id)
    version = selectors.plan_versions(plan=plan).filter(pk=version_id).first()
    if version is None:
        raise NotFound(_("No such plan version."))
    return services.plan_version_approve(actor=request.user, version=version)


@router.get("/drills", response=list[DrillOut])
@paginate(PageNumber)
def list_drills(request: HttpRequest) -> Any:
    access.require(request.user, VIEW)
    return selectors.drill_list(actor=request.user)


@router.get("/drills/{drill_id}", response=DrillDetailOut)
def get_drill(request: HttpRequest, drill_id: DbId) -> Any:
    access.require(request.user, VIEW)
    return selectors.drill_get(actor=request.user, pk=drill_id)


@router.post("/drills", response={201: DrillDetailOut})
def schedule_drill(request: HttpRequest, payload: DrillIn) -> Any:
    access.require(request.user, MANAGE_PLAN)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=MANAGE_PLAN)
    version = selectors.approved_versions(actor=request.user).filter(pk=payload.plan_version_id).first()
    if version is None:
        raise ValidationFailed(
            _("Choose an approved plan version you manage."),
            fields={"plan_version_id": [_("not an approved plan version in your scope")]},
        )
    people = list(selectors.people_in(unit=unit).filter(pk__in=payload.participant_ids))
    if len(people) != len(set(payload.participant_ids)):
        raise ValidationFailed(
            _("Participants must be active users of the institution."),
            fields={"participant_ids": [_("unknown or inactive user")]},
        )
    drill = services.drill_schedule(
        actor=request.user,
        org_unit=unit,
        plan_version=version,
        title=payload.title,
        scheduled_for=payload.scheduled_for,
        participants=people,
    )
    return Status(201, drill)


@router.post("/drills/{drill_id}/start", response=DrillDetailOut)
def start_drill(request: HttpRequest, drill_id: DbId) -> Any:
    access.require(request.user, MANAGE_PLAN)
    drill = services.drill_start(
        actor=request.user, drill=selectors.drill_get(actor=request.user, pk=drill_id)
    )
    return drill


@router.post("/drills/{drill_id}/steps/{step_id}/done", response=DrillStepOut)
def complete_drill_step(request: HttpRequest, drill_id: DbId, step_id: DbId) -> Any:
    access.require(request.user, MANAGE_PLAN)
    drill = selectors.drill_get(actor=request.user, pk=drill_id)
    step = selectors.drill_steps(drill=drill).filter(pk=step_id).first()
    if step is None:
        raise NotFound(_("No such drill step."))
    return services.drill_step_complete(actor=request.user, drill=drill, step=step)


@router.post("/drills/{drill_id}/complete", response=DrillDetailOut)
def complete_drill(request: HttpRequest, drill_id: DbId, payload: DrillCompleteIn) -> Any:
    access.require(request.user, MANAGE_PLAN)
    drill = selectors.drill_get(actor=request.user, pk=drill_id)
    drill = services.drill_complete(
        actor=request.user, drill=drill, evaluation=payload.evaluation, score=payload.score
    )
    return drill
