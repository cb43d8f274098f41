"""Measures, indicators, snapshots, the dashboard, my responsibilities and notifications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.framework.models import (
    CorrectiveAction,
    Indicator,
    Measure,
    Notification,
    Snapshot,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm

# --- what an external assessor may see: its engagements' org units, measures and period ----------------
from finassure.framework.selectors.scope import assessor_scope
from finassure.platform.errors import NotFound

TREND_POINTS = 8


def units_in_scope(*, actor: Any, business_line_id: int | None = None) -> QuerySet[OrgUnit]:
    units = access.org_unit_list(actor=actor, perm=FPerm.VIEW).filter(is_active=True)
    assessor = assessor_scope(actor)
    if assessor is not None:
        units = units.filter(assessor.units(""))
    if business_line_id:
        units = units.filter(business_line_id=business_line_id)
    return units


def unit_get(*, actor: Any, pk: int) -> OrgUnit:
    unit = units_in_scope(actor=actor).filter(pk=pk).select_related("business_line", "parent").first()
    if unit is None:
        raise NotFound(_("No such org unit."))
    return unit


def business_lines_in_scope(*, actor: Any) -> QuerySet[BusinessLine]:
    ids = units_in_scope(actor=actor).exclude(business_line__isnull=True).values("business_line_id")
    return BusinessLine.objects.filter(pk__in=ids).order_by("code")


def default_unit(*, actor: Any, business_line_id: int | None = None) -> OrgUnit | None:
    """The broadest unit the actor sees (the head office for an institution-wide role)."""
    return units_in_scope(actor=actor, business_line_id=business_line_id).order_by("depth", "path").first()


def measure_list(*, actor: Any) -> QuerySet[Measure]:
    access.require(actor, FPerm.VIEW)
    qs = Measure.objects.filter(is_active=True)
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(pk__in=sorted(assessor.measure_ids))
    return qs.select_related("owner", "lead_unit").order_by("order", "key")


def measure_get(*, actor: Any, pk: int) -> Measure:
    measure = measure_list(actor=actor).filter(pk=pk).first()
    if measure is None:
        raise NotFound(_("No such measure."))
    return measure


def indicator_list(*, actor: Any, measure_id: int | None = None) -> QuerySet[Indicator]:
    access.require(actor, FPerm.VIEW)
    qs = Indicator.objects.filter(is_active=True, measure__is_active=True).select_related("measure")
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(measure_id__in=sorted(assessor.measure_ids))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.order_by("measure__order", "order", "key")


def indicator_get(*, actor: Any, pk: int) -> Indicator:
    indicator = indicator_list(actor=actor).filter(pk=pk).first()
    if indicator is None:
        raise NotFound(_("No such indicator."))
    return indicator


def indicator_default_period(*, actor: Any, indicator: Indicator, unit: OrgUnit, today: dt.date) -> Period:
    """The period an indicator's page opens on: the one running ``today``; for an external assessor the latest
    that lies inside an engagement covering the unit and measure (their engagement may have ended long ago)."""
    period = Period.containing(today, indicator.period)
    assessor = assessor_scope(actor)
    if assessor is None:
        return period
    starts = [e.start for e in assessor.engagements]
    for _step in range(400):  # ≤ 400 periods back (a daily indicator over a year's engagement and more)
        if assessor.covers(unit=unit, measure_id=indicator.measure_id, start=period.start, end=period.end):
            return period
        if not starts or period.start < min(starts):
            break
        period = period.previous()
    return Period.containing(today, indicator.period)  # nothing in an engagement: the page answers 404 as before


def snapshot_list(*, actor: Any, indicator_id: int | None = None, org_unit_id: int | None = None,
                  period: str = "", status: str = "") -> QuerySet[Snapshot]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = Snapshot.objects.filter(scope.q("org_unit")).filter(snapshot_visibility(actor))
    if indicator_id:
        qs = qs.filter(indicator_id=indicator_id)
    if org_unit_id:
        qs = qs.filter(org_unit_id=org_unit_id)
    if period:
        qs = qs.filter(period_label=period)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("indicator", "org_unit").order_by("-period_start", "indicator__order", "org_unit__path")


def snapshot_visibility(actor: Any) -> Q:
    """Q() for staff; for an external assessor, its engagements' units, measures and period."""
    assessor = assessor_scope(actor)
    if assessor is None:
        return Q()
    return assessor.q(measure="indicator__measure", period=("period_start", "period_end"))


def snapshot_get(*, actor: Any, pk: int) -> Snapshot:
    snapshot = snapshot_list(actor=actor).filter(pk=pk).first()
    if snapshot is None:
        raise NotFound(_("No such snapshot."))
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
                 .filter(snapshot_visibility(actor))
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
