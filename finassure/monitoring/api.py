"""REST API of risk monitoring: the alert queue, assignment and bulk closing, runs, and real-time scoring."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from finassure.accounts import selectors as access
from finassure.monitoring import perms, selectors, services, triage
from finassure.monitoring.models import Run
from finassure.platform.api import CappedPageNumber, DbId, PageNumber
from finassure.platform.errors import ValidationFailed

router = Router(tags=["monitoring"])


class AlertOut(Schema):
    id: int
    alert_id: str
    rule_id: str
    customer_id: str
    account_id: str
    date: dt.date | None
    score: float
    severity: str
    status: str
    org_unit_id: int
    assignee_id: int | None
    case_id: int | None
    due_date: dt.date
    created_at: dt.datetime


class AlertDetailOut(AlertOut):
    rule_version: str
    direction: str
    currency: str
    value: float | None
    threshold: float | None
    txn_count: int
    txn_ids: list[str]
    model_score: float | None
    explanation: str
    explanation_zh: str
    resolution: str
    close_reason: str


class AlertQuery(Schema):
    status: str = "open"
    severity: str = ""
    rule_id: str = ""
    customer_id: str = ""
    org_unit: DbId | None = None
    assignee: DbId | None = None
    overdue: bool = False


class AssignIn(Schema):
    assignee_id: DbId | None = None


class CloseIn(Schema):
    alert_ids: list[DbId] = Field(..., min_length=1, max_length=1000)
    reason: str = Field(..., min_length=1, max_length=2000)


class CloseOut(Schema):
    closed: int


class RunOut(Schema):
    id: int
    status: str
    trigger: str
    org_unit_id: int
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    counts: dict[str, Any]
    error: str


class RunIn(Schema):
    org_unit_id: DbId


@router.get("/monitoring/alerts", response=list[AlertOut])
@paginate(CappedPageNumber)
def list_alerts(request: HttpRequest, filters: Query[AlertQuery]) -> Any:
    """The alert queue, as the page orders it; `count` stops at 10,000 (`count_capped`), as on the page."""
    access.require(request.user, perms.VIEW)
    query = {k: ("1" if v is True else v) for k, v in filters.dict().items() if v not in (None, False)}
    return selectors.alert_list(actor=request.user, filters=selectors.AlertFilter.from_query(query))


@router.get("/monitoring/alerts/{int:pk}", response=AlertDetailOut)
def get_alert(request: HttpRequest, pk: DbId) -> Any:
    return selectors.alert_get(actor=request.user, pk=pk)


@router.post("/monitoring/alerts/{int:pk}/assign", response=AlertDetailOut)
def assign_alert(request: HttpRequest, pk: DbId, payload: AssignIn) -> Any:
    from finassure.accounts.models import User

    access.require(request.user, perms.WORK)
    alert = selectors.alert_get(actor=request.user, pk=pk)
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationFailed(_("No such user."), fields={"assignee_id": [_("No such user.")]})
    return triage.alert_assign(actor=request.user, alert=alert, assignee=assignee)


@router.post("/monitoring/alerts/close", response=CloseOut)
def close_alerts(request: HttpRequest, payload: CloseIn) -> Any:
    access.require(request.user, perms.WORK)
    return {
        "closed": triage.alert_bulk_close(
            actor=request.user, alert_ids=payload.alert_ids, reason=payload.reason
        )
    }


@router.get("/monitoring/runs", response=list[RunOut])
@paginate(PageNumber)
def list_runs(request: HttpRequest) -> Any:
    access.require(request.user, perms.VIEW)
    return selectors.run_list(actor=request.user)


@router.post("/monitoring/runs", response={201: RunOut})
def start_run(request: HttpRequest, payload: RunIn) -> Any:
    access.require(request.user, perms.RUN)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=perms.RUN)
    return Status(201, services.run_request(actor=request.user, org_unit=unit, trigger=Run.Trigger.MANUAL))


# --- real-time scoring ---------------------------------------------------------------------------------------------

MAX_AMOUNT = 1e12  # one trillion in any currency is not a transaction, it is a typo


class TransactionIn(Schema):
    txn_id: str = Field(..., min_length=1, max_length=64)
    ts: dt.datetime
    account_id: str = Field(..., min_length=1, max_length=64)
    customer_id: str = Field(..., min_length=1, max_length=64)
    customer_type: Literal["individual", "entity"]
    direction: Literal["in", "out"]
    amount: float = Field(..., gt=0, le=MAX_AMOUNT, allow_inf_nan=False)
    currency: str = Field(..., pattern=r"^[A-Z]{3}$")
    channel: Literal["cash", "transfer", "card", "other"]
    counterparty_account_id: str | None = Field(None, max_length=64)
    counterparty_bank: str | None = Field(None, max_length=200)
    counterparty_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    cross_border: bool | None = None
    suspected_fraud: bool = Field(
        False,
        description="the channel reports suspected fraud: a blocked transaction "
        "then also opens a fraud incident (when the incidents module is installed)",
    )

    @field_validator("ts")
    @classmethod
    def _aware_and_plausible(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("the time needs a UTC offset or Z")
        if not dt.datetime(2000, 1, 1, tzinfo=dt.UTC) <= value <= timezone.now() + dt.timedelta(days=1):
            raise ValueError("the time is not plausible (before 2000 or in the future)")
        return value


class HitOut(Schema):
    rule_id: str
    score: float


class ScoreOut(Schema):
    txn_id: str
    score: float
    decision: str
    hits: list[HitOut]
    model_score: float | None
    incident: str | None = None
    repeated: bool


@router.post("/transactions/score", response=ScoreOut)
def score_transaction(request: HttpRequest, payload: TransactionIn) -> Any:
    stored, created = services.transaction_score(actor=request.user, txn=payload.dict())
    return {**stored.result, "txn_id": stored.txn_id, "repeated": not created}
