"""API of incidents: list and report, detail with timers, lifecycle steps, notes, timeline; settings (api_settings)
and emergency plans and drills (api_plans) hang under the same router."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.incidents import selectors, services
from finassure.incidents.api_plans import router as plans_router
from finassure.incidents.api_settings import router as settings_router
from finassure.incidents.models import Grade, Incident
from finassure.incidents.selectors import MANAGE, REPORT, VIEW, IncidentFilter
from finassure.incidents.timers import TimerState, ack_timer, report_timer
from finassure.platform.api import DbId, PageNumber
from finassure.platform.errors import ValidationFailed

router = Router(tags=["incidents"])


class TimerOut(Schema):
    state: str
    due_at: dt.datetime | None
    done_at: dt.datetime | None
    remaining_minutes: int | None


class IncidentOut(Schema):
    id: int
    reference: str
    title: str
    incident_type: str
    grade: str
    status: str
    org_unit_id: int
    reported_at: dt.datetime
    acknowledged_at: dt.datetime | None
    contained_at: dt.datetime | None
    resolved_at: dt.datetime | None
    review_started_at: dt.datetime | None
    closed_at: dt.datetime | None
    regulator_reported_at: dt.datetime | None
    ack_due_at: dt.datetime
    report_due_at: dt.datetime | None
    ack_timer: TimerOut
    report_timer: TimerOut

    @staticmethod
    def resolve_incident_type(obj: Incident) -> str:
        return obj.incident_type.code


class IncidentDetailOut(IncidentOut):
    description: str
    report_basis: str
    affected_customers: int
    commander_id: int | None
    scribe_id: int | None
    liaison_id: int | None


class IncidentIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    incident_type: str = Field(..., description="incident type code")
    grade: Grade = Grade.GENERAL
    org_unit_id: DbId
    description: str = Field("", max_length=10000)
    occurred_at: dt.datetime | None = None
    affected_customers: int = Field(0, ge=0, le=2**31 - 1)


class TransitionIn(Schema):
    to_status: str
    at: dt.datetime | None = None
    reason: str = Field("", max_length=300)
    note: str = Field("", max_length=10000)


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=10000)
    at: dt.datetime | None = None
    reason: str = Field("", max_length=300)


class EventOut(Schema):
    id: int
    kind: str
    from_status: str
    to_status: str
    text: str
    backdate_reason: str
    actor_id: int | None
    at: dt.datetime
    recorded_at: dt.datetime


class FilterIn(Schema):
    q: str = ""
    status: str = ""
    grade: str = ""
    type: str = ""
    org_unit: DbId | None = None
    timer: str = ""


def _timer(state: TimerState) -> dict[str, Any]:
    return {"state": state.state, "due_at": state.due_at, "done_at": state.done_at,
            "remaining_minutes": state.remaining_minutes}


def _with_timers(incident: Incident) -> Incident:
    now = timezone.now()
    incident.ack_timer = _timer(ack_timer(incident, now))  # type: ignore[attr-defined]
    incident.report_timer = _timer(report_timer(incident, now))  # type: ignore[attr-defined]
    return incident


@router.get("/incidents", response=list[IncidentOut])
@paginate(PageNumber)
def list_incidents(request: HttpRequest, filters: Query[FilterIn]) -> Any:
    access.require(request.user, VIEW)
    params = {k: ("" if v is None else str(v)) for k, v in filters.dict().items()}
    incidents = selectors.incident_list(actor=request.user, filters=IncidentFilter.from_params(params))
    return _LazyTimers(incidents)


class _LazyTimers:
    """Wraps a queryset so the paginator slices it in the database and timers are added to the page only."""

    def __init__(self, qs: Any) -> None:
        self.qs = qs

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: Any) -> Any:
        rows = self.qs[item]
        return [_with_timers(i) for i in rows] if isinstance(item, slice) else _with_timers(rows)


@router.post("/incidents", response={201: IncidentDetailOut})
def report_incident(request: HttpRequest, payload: IncidentIn) -> Any:
    access.require(request.user, REPORT)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=REPORT)
    incident_type = selectors.incident_types().filter(code=payload.incident_type).first()
    if incident_type is None:
        raise ValidationFailed(_("Unknown incident type."), fields={"incident_type": [_("Unknown incident type.")]})
    incident = services.incident_report(actor=request.user, org_unit=unit, incident_type=incident_type,
                                        title=payload.title, grade=payload.grade.value,
                                        description=payload.description, occurred_at=payload.occurred_at,
                                        affected_customers=payload.affected_customers)
    return Status(201, _with_timers(incident))


@router.get("/incidents/{incident_id}", response=IncidentDetailOut)
def get_incident(request: HttpRequest, incident_id: DbId) -> Any:
    access.require(request.user, VIEW)
    return _with_timers(selectors.incident_get(actor=request.user, pk=incident_id))


@router.get("/incidents/{incident_id}/timeline", response=list[EventOut])
def incident_timeline(request: HttpRequest, incident_id: DbId) -> Any:
    access.require(request.user, VIEW)
    incident = selectors.incident_get(actor=request.user, pk=incident_id)
    return list(selectors.incident_timeline(incident=incident))


@router.post("/incidents/{incident_id}/transition", response=IncidentDetailOut)
def transition_incident(request: HttpRequest, incident_id: DbId, payload: TransitionIn) -> Any:
    access.require(request.user, MANAGE)
    incident = selectors.incident_get(actor=request.user, pk=incident_id)
    incident = services.incident_transition(actor=request.user, incident=incident, to_status=payload.to_status,
                                            at=payload.at, reason=payload.reason, note=payload.note)
    return _with_timers(incident)


@router.post("/incidents/{incident_id}/notes", response={201: EventOut})
def add_incident_note(request: HttpRequest, incident_id: DbId, payload: NoteIn) -> Any:
    access.require(request.user, MANAGE)
    incident = selectors.incident_get(actor=request.user, pk=incident_id)
    event = services.incident_note_add(actor=request.user, incident=incident, text=payload.text, at=payload.at,
                                       reason=payload.reason)
    return Status(201, event)


# Settings (and plans, drills) have their own modules; their endpoints hang under the same router.
router.add_router("", settings_router)
router.add_router("", plans_router)
