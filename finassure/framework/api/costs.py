"""Cost-benefit, losses and the responsibility matrix (RACI)."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.framework import selectors, services
from finassure.framework.api.core import _plan_unit, router
from finassure.framework.permissions import FPerm
from finassure.platform.api import DbId, PageNumber, Year


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
    org_unit_id: DbId
    measure_id: DbId | None = None
    occurred_on: dt.date
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    description: str = Field(..., min_length=1, max_length=300)
    reference: str = Field("", max_length=100)


@router.get("/losses", response=list[LossOut])
@paginate(PageNumber)
def list_losses(request: HttpRequest, year: Year | None = None, measure: DbId | None = None) -> Any:
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
    measure_id: DbId
    indicator_id: DbId | None = None
    letter: Literal["R", "A", "C", "I"]
    role: str
    org_unit_id: DbId | None = None


@router.get("/raci", response=list[RaciOut])
def list_raci(request: HttpRequest, measure: DbId | None = None) -> Any:
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
