"""Meetings with decisions, and third-party assessments with findings."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.framework import selectors, services
from finassure.framework.api.core import _active_user, _plan_unit, router
from finassure.framework.models import AssessmentFinding, ExternalAssessment, Meeting, MeetingDecision
from finassure.framework.permissions import FPerm
from finassure.platform.api import DbId, PageNumber
from finassure.platform.errors import ValidationFailed


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
    org_unit_id: DbId
    scheduled_for: dt.datetime
    agenda: str = Field(..., min_length=1)
    location: str = ""
    measure_ids: list[DbId] = []


class MinutesIn(Schema):
    minutes: str = Field(..., min_length=1)
    attendee_ids: list[DbId] = Field(..., min_length=1)


class DecisionIn(Schema):
    text: str = Field(..., min_length=1)
    outcome: Literal["task", "action"]
    owner_id: DbId
    due: dt.date
    measure_id: DbId | None = None


def _meetings(request: HttpRequest) -> Any:
    return selectors.meeting_list(actor=request.user).prefetch_related("attendees", "decisions")


@router.get("/meetings", response=list[MeetingOut])
@paginate(PageNumber)
def list_meetings(request: HttpRequest, kind: str = "", status: str = "") -> Any:
    access.require(request.user, FPerm.VIEW)
    return _meetings(request).filter(**{k: v for k, v in {"kind": kind, "status": status}.items() if v})


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request: HttpRequest, meeting_id: DbId) -> Any:
    return selectors.meeting_get(actor=request.user, pk=meeting_id)


@router.post("/meetings", response={201: MeetingOut})
def create_meeting(request: HttpRequest, payload: MeetingIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    measures = list(selectors.measure_list(actor=request.user).filter(pk__in=payload.measure_ids))
    if len(measures) != len(set(payload.measure_ids)):
        raise ValidationFailed(_("No such measure."), fields={"measure_ids": [_("No such measure.")]})
    return Status(201, services.meeting_schedule(actor=request.user, kind=payload.kind, title=payload.title,
                                                 org_unit=unit, scheduled_for=payload.scheduled_for,
                                                 agenda=payload.agenda, location=payload.location,
                                                 measures=measures))


@router.post("/meetings/{meeting_id}/minutes", response=MeetingOut)
def record_meeting_minutes(request: HttpRequest, meeting_id: DbId, payload: MinutesIn) -> Any:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    people = [_active_user(pk, "attendee_ids") for pk in payload.attendee_ids]
    return services.meeting_record_minutes(actor=request.user, meeting=meeting, minutes=payload.minutes,
                                           attendees=people)


@router.post("/meetings/{meeting_id}/cancel", response=MeetingOut)
def cancel_meeting(request: HttpRequest, meeting_id: DbId) -> Any:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    return services.meeting_cancel(actor=request.user, meeting=meeting)


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut})
def add_meeting_decision(request: HttpRequest, meeting_id: DbId, payload: DecisionIn) -> Any:
    meeting = selectors.meeting_get(actor=request.user, pk=meeting_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.meeting_decision_add(
        actor=request.user, meeting=meeting, text=payload.text, outcome=payload.outcome,
        owner=_active_user(payload.owner_id, "owner_id"), due=payload.due, measure=measure))


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
    org_unit_id: DbId
    unit_ids: list[DbId] = Field(..., min_length=1)
    measure_ids: list[DbId] = Field(..., min_length=1)
    period_start: dt.date
    period_end: dt.date
    assessor_id: DbId | None = None


class AssessmentStepIn(Schema):
    step: Literal["start", "complete"]
    conclusions: str = ""


class FindingIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    severity: Literal["low", "medium", "high"] = "medium"
    org_unit_id: DbId
    measure_id: DbId | None = None
    owner_id: DbId
    due: dt.date


@router.get("/assessments", response=list[AssessmentOut])
@paginate(PageNumber)
def list_assessments(request: HttpRequest, status: str = "") -> Any:
    access.require(request.user, FPerm.VIEW)
    return selectors.assessment_list(actor=request.user, status=status).prefetch_related("units", "measures",
                                                                                         "findings")


@router.get("/assessments/{assessment_id}", response=AssessmentOut)
def get_assessment(request: HttpRequest, assessment_id: DbId) -> Any:
    return selectors.assessment_get(actor=request.user, pk=assessment_id)


@router.post("/assessments", response={201: AssessmentOut})
def create_assessment(request: HttpRequest, payload: AssessmentIn) -> Any:
    unit = _plan_unit(request, payload.org_unit_id)
    units = [access.org_unit_get(actor=request.user, pk=pk, perm=FPerm.PLAN_MANAGE) for pk in payload.unit_ids]
    measures = list(selectors.measure_list(actor=request.user).filter(pk__in=payload.measure_ids))
    if len(measures) != len(set(payload.measure_ids)):
        raise ValidationFailed(_("No such measure."), fields={"measure_ids": [_("No such measure.")]})
    assessor = _active_user(payload.assessor_id, "assessor_id") if payload.assessor_id else None
    return Status(201, services.assessment_create(
        actor=request.user, title=payload.title, firm=payload.firm, org_unit=unit, units=units, measures=measures,
        period_start=payload.period_start, period_end=payload.period_end, assessor=assessor))


@router.post("/assessments/{assessment_id}/steps", response=AssessmentOut)
def step_assessment(request: HttpRequest, assessment_id: DbId, payload: AssessmentStepIn) -> Any:
    assessment = selectors.assessment_get(actor=request.user, pk=assessment_id)
    if payload.step == "start":
        return services.assessment_start(actor=request.user, assessment=assessment)
    return services.assessment_complete(actor=request.user, assessment=assessment, conclusions=payload.conclusions)


@router.post("/assessments/{assessment_id}/findings", response={201: FindingOut})
def add_assessment_finding(request: HttpRequest, assessment_id: DbId, payload: FindingIn) -> Any:
    assessment = selectors.assessment_get(actor=request.user, pk=assessment_id)
    unit = _plan_unit(request, payload.org_unit_id)
    measure = selectors.measure_get(actor=request.user, pk=payload.measure_id) if payload.measure_id else None
    return Status(201, services.assessment_finding_add(
        actor=request.user, assessment=assessment, title=payload.title, description=payload.description,
        severity=payload.severity, org_unit=unit, owner=_active_user(payload.owner_id, "owner_id"), due=payload.due,
        measure=measure))
