"""Work plans, accountability, budget and an indicator's measurement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.framework import registry
from finassure.framework.models import (
    AccountabilityRecord,
    BudgetLine,
    Indicator,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.framework.registry import Measurement
from finassure.framework.selectors.indicators import unit_get

# --- what an external assessor may see: its engagements' org units, measures and period ----------------
from finassure.framework.selectors.scope import assessor_scope
from finassure.platform.errors import NotFound


def work_task_list(*, actor: Any, measure_id: int | None = None) -> QuerySet[WorkTask]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = WorkTask.objects.filter(scope.q("org_unit") | Q(owner_id=actor.pk))
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(assessor.q(date="deadline"))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("owner", "org_unit", "measure").order_by("deadline", "id")


def work_task_get(*, actor: Any, pk: int) -> WorkTask:
    work_task = work_task_list(actor=actor).filter(pk=pk).first()
    if work_task is None:
        raise NotFound(_("No such task."))
    return work_task


def accountability_list(*, actor: Any, measure_id: int | None = None) -> QuerySet[AccountabilityRecord]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = AccountabilityRecord.objects.filter(scope.q("org_unit"))
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(assessor.q(date="decided_on"))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("person", "org_unit", "measure")


def budget_lines(*, actor: Any, year: int | None = None, measure_id: int | None = None) -> QuerySet[BudgetLine]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = BudgetLine.objects.filter(scope.q("org_unit"))
    assessor = assessor_scope(actor)
    if assessor is not None:
        years = Q(pk__in=[])
        for e in assessor.engagements:
            years |= Q(year__gte=e.start.year, year__lte=(e.end - dt.timedelta(days=1)).year)
        qs = qs.filter(assessor.q(), years)
    if year:
        qs = qs.filter(year=year)
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("measure", "org_unit")


def budget_by_measure(*, actor: Any, year: int) -> list[dict[str, Any]]:
    rows = (budget_lines(actor=actor, year=year).values("measure_id", "measure__number", "measure__name")
            .annotate(planned=Sum("planned"), committed=Sum("committed"), spent=Sum("spent"))
            .order_by("measure__order"))
    return list(rows)


def indicator_measurement(*, actor: Any, indicator: Indicator, unit: OrgUnit, period: Period) -> Measurement | None:
    """The live value behind a snapshot, with its records (the drill-down); None when no source is registered."""
    unit_get(actor=actor, pk=unit.pk)
    assessor = assessor_scope(actor)
    if assessor is not None and not assessor.covers(unit=unit, measure_id=indicator.measure_id, start=period.start,
                                                    end=period.end):
        raise NotFound(_("No such period in your engagement."))
    return registry.measure(indicator.computation, units=access.units_under(unit), period=period)
