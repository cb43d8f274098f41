"""Reads of the assurance framework, scoped to the caller's org units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet, Sum

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.framework import registry
from finassure.framework.models import (
    AccountabilityRecord,
    BudgetLine,
    CorrectiveAction,
    Indicator,
    Measure,
    Notification,
    Snapshot,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.framework.registry import Measurement
from finassure.platform.errors import NotFound

# --- corrective actions (contract: docs/framework-contract.md §3) ---------------------------------


def _source_filter(source: models.Model) -> dict[str, Any]:
    return {"source_type": ContentType.objects.get_for_model(source, for_concrete_model=False),
            "source_id": str(source.pk)}


def corrective_actions_for(*, source: models.Model) -> QuerySet[CorrectiveAction]:
    """Every corrective action raised from `source` (a finding, incident, drill, snapshot, …)."""
    return CorrectiveAction.objects.filter(**_source_filter(source)).select_related("owner", "org_unit")


def open_corrective_actions_for(*, source: models.Model) -> QuerySet[CorrectiveAction]:
    """The actions raised from `source` that are not closed yet."""
    return corrective_actions_for(source=source).filter(status__in=CorrectiveAction.OPEN_STATUSES)


def corrective_action_list(*, actor: Any, status: str = "", owner_id: int | None = None,
                           org_unit_id: int | None = None, measure_id: int | None = None,
                           overdue: bool = False, search: str = "", mine: bool = False) -> QuerySet[CorrectiveAction]:
    """Actions in the actor's scope, plus those the actor owns wherever they are."""
    from django.utils import timezone

    scope = access.scope_for(actor, FPerm.ACTION_VIEW)
    qs = CorrectiveAction.objects.filter(scope.q("org_unit") | Q(owner_id=getattr(actor, "pk", None)))
    if mine:
        qs = qs.filter(owner_id=actor.pk)
    if status == "open":
        qs = qs.filter(status__in=CorrectiveAction.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if org_unit_id:
        qs = qs.filter(org_unit__path__startswith=_unit_path(org_unit_id))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    if overdue:
        qs = qs.filter(status__in=[CorrectiveAction.Status.OPEN, CorrectiveAction.Status.IN_PROGRESS],
                       due__lt=timezone.localdate())
    if search:
        qs = qs.filter(title__icontains=search)
    return qs.select_related("owner", "org_unit", "measure", "source_type").order_by("due", "id")


def _unit_path(unit_id: int) -> str:
    return OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "/-/"


def corrective_action_get(*, actor: Any, pk: int) -> CorrectiveAction:
    action = corrective_action_list(actor=actor).filter(pk=pk).first()
    if action is None:
        raise NotFound("No such corrective action.")
    return action


# --- measures, indicators, snapshots, dashboard ---------------------------------------------------

TREND_POINTS = 8


def units_in_scope(*, actor: Any, business_line_id: int | None = None) -> QuerySet[OrgUnit]:
    units = access.org_unit_list(actor=actor, perm=FPerm.VIEW).filter(is_active=True)
    if business_line_id:
        units = units.filter(business_line_id=business_line_id)
    return units


def unit_get(*, actor: Any, pk: int) -> OrgUnit:
    return access.org_unit_get(actor=actor, pk=pk, perm=FPerm.VIEW)


def business_lines_in_scope(*, actor: Any) -> QuerySet[BusinessLine]:
    ids = units_in_scope(actor=actor).exclude(business_line__isnull=True).values("business_line_id")
    return BusinessLine.objects.filter(pk__in=ids).order_by("code")


def default_unit(*, actor: Any, business_line_id: int | None = None) -> OrgUnit | None:
    """The broadest unit the actor sees (the head office for an institution-wide role)."""
    return units_in_scope(actor=actor, business_line_id=business_line_id).order_by("depth", "path").first()


def measure_list(*, actor: Any) -> QuerySet[Measure]:
    access.require(actor, FPerm.VIEW)
    return Measure.objects.filter(is_active=True).select_related("owner", "lead_unit").order_by("order", "key")


def measure_get(*, actor: Any, pk: int) -> Measure:
    measure = measure_list(actor=actor).filter(pk=pk).first()
    if measure is None:
        raise NotFound("No such measure.")
    return measure


def indicator_list(*, actor: Any, measure_id: int | None = None) -> QuerySet[Indicator]:
    access.require(actor, FPerm.VIEW)
    qs = Indicator.objects.filter(is_active=True, measure__is_active=True).select_related("measure")
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.order_by("measure__order", "order", "key")


def indicator_get(*, actor: Any, pk: int) -> Indicator:
    indicator = indicator_list(actor=actor).filter(pk=pk).first()
    if indicator is None:
        raise NotFound("No such indicator.")
    return indicator


def snapshot_list(*, actor: Any, indicator_id: int | None = None, org_unit_id: int | None = None,
                  period: str = "", status: str = "") -> QuerySet[Snapshot]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = Snapshot.objects.filter(scope.q("org_unit"))
    if indicator_id:
        qs = qs.filter(indicator_id=indicator_id)
    if org_unit_id:
        qs = qs.filter(org_unit_id=org_unit_id)
    if period:
        qs = qs.filter(period_label=period)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("indicator", "org_unit").order_by("-period_start", "indicator__order", "org_unit__path")


def snapshot_get(*, actor: Any, pk: int) -> Snapshot:
    snapshot = snapshot_list(actor=actor).filter(pk=pk).first()
    if snapshot is None:
        raise NotFound("No such snapshot.")
    return snapshot


@dataclass
class IndicatorRow:
    indicator: Indicator
    latest: Snapshot | None
    trend: list[Snapshot] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else "not_computed"

    def trend_points(self) -> list[dict[str, Any]]:
        return [{"period": s.period_label, "value": s.value, "target": s.target} for s in self.trend]


@dataclass
class MeasureBlock:
    measure: Measure
    rows: list[IndicatorRow] = field(default_factory=list)


def dashboard_rows(*, actor: Any, unit: OrgUnit) -> list[MeasureBlock]:
    """Every active indicator with the unit's latest snapshot and its trend: two queries whatever the size."""
    unit = unit_get(actor=actor, pk=unit.pk)
    indicators = list(indicator_list(actor=actor))
    history: dict[int, list[Snapshot]] = {}
    snapshots = (Snapshot.objects.filter(org_unit=unit, indicator__in=[i.pk for i in indicators])
                 .order_by("indicator_id", "-period_start").only(
                     "id", "indicator_id", "org_unit_id", "period_label", "period_start", "period_kind", "value",
                     "target", "amber", "status", "computed_at", "numerator", "denominator", "note"))
    for snapshot in snapshots:
        points = history.setdefault(snapshot.indicator_id, [])
        if len(points) < TREND_POINTS:
            points.append(snapshot)
    blocks: dict[int, MeasureBlock] = {}
    for indicator in indicators:
        points = history.get(indicator.pk, [])
        row = IndicatorRow(indicator, points[0] if points else None, list(reversed(points)))
        blocks.setdefault(indicator.measure_id, MeasureBlock(indicator.measure)).rows.append(row)
    return list(blocks.values())


@dataclass
class Responsibilities:
    measures: list[Measure]
    actions: list[CorrectiveAction]
    overdue_actions: int
    tasks: list[WorkTask]
    overdue_tasks: int


def my_responsibilities(*, actor: Any) -> Responsibilities:
    from django.utils import timezone

    today = timezone.localdate()
    roles = access.roles_of(actor)
    measures = list(Measure.objects.filter(is_active=True).filter(
        Q(owner=actor) | (Q(owner__isnull=True) & Q(responsible_role__in=roles))).order_by("order"))
    actions = list(CorrectiveAction.objects.filter(owner=actor, status__in=CorrectiveAction.OPEN_STATUSES)
                   .select_related("org_unit").order_by("due")[:10])
    tasks = list(WorkTask.objects.filter(owner=actor).exclude(status=WorkTask.Status.DONE)
                 .select_related("measure").order_by("deadline")[:10])
    return Responsibilities(
        measures=measures, actions=actions,
        overdue_actions=sum(1 for a in actions if a.due < today and a.status in ("open", "in_progress")),
        tasks=tasks, overdue_tasks=sum(1 for t in tasks if t.deadline < today),
    )


def notifications_for(*, actor: Any, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=actor)
    return qs.filter(read_at__isnull=True) if unread_only else qs


# --- plans, accountability, budget ----------------------------------------------------------------


def work_task_list(*, actor: Any, measure_id: int | None = None) -> QuerySet[WorkTask]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = WorkTask.objects.filter(scope.q("org_unit") | Q(owner_id=actor.pk))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("owner", "org_unit", "measure").order_by("deadline", "id")


def work_task_get(*, actor: Any, pk: int) -> WorkTask:
    work_task = work_task_list(actor=actor).filter(pk=pk).first()
    if work_task is None:
        raise NotFound("No such task.")
    return work_task


def accountability_list(*, actor: Any, measure_id: int | None = None) -> QuerySet[AccountabilityRecord]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = AccountabilityRecord.objects.filter(scope.q("org_unit"))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("person", "org_unit", "measure")


def budget_lines(*, actor: Any, year: int | None = None, measure_id: int | None = None) -> QuerySet[BudgetLine]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = BudgetLine.objects.filter(scope.q("org_unit"))
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
    return registry.measure(indicator.computation, units=access.units_under(unit), period=period)
