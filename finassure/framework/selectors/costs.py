"""Losses, fines and the cost-benefit view (六), and the responsibility matrix (RACI)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.framework.models import (
    Indicator,
    LossEvent,
    Measure,
    RaciEntry,
    Snapshot,
)
from finassure.framework.permissions import FPerm
from finassure.framework.selectors.indicators import (
    indicator_list,
    measure_list,
    snapshot_visibility,
    unit_get,
)
from finassure.framework.selectors.plans import budget_lines

# --- what an external assessor may see: its engagements' org units, measures and period ----------------
from finassure.framework.selectors.scope import assessor_scope


def loss_event_list(*, actor: Any, year: int | None = None, measure_id: int | None = None) -> QuerySet[LossEvent]:
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = LossEvent.objects.filter(scope.q("org_unit"))
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(assessor.q(date="occurred_on"))
    if year:
        qs = qs.filter(occurred_on__year=year)
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("org_unit", "measure").order_by("-occurred_on", "-id")


@dataclass
class IndicatorMovement:
    """How an indicator moved over the period: its value before (the last period before) and at the end."""

    indicator: Indicator
    before: Snapshot | None
    after: Snapshot | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None or self.before.value is None or self.after.value is None:
            return None
        return round(self.after.value - self.before.value, 2)

    @property
    def trend(self) -> str:
        """better | worse | same | unknown, by the indicator's direction."""
        change = self.change
        if change is None:
            return "unknown"
        if change == 0:
            return "same"
        return "better" if (change > 0) == (self.indicator.direction == Indicator.Direction.HIGHER) else "worse"

    @property
    def trend_label(self) -> str:
        from django.utils.translation import gettext

        return {"better": gettext("better"), "worse": gettext("worse"), "same": gettext("unchanged"),
                "unknown": gettext("not enough data")}[self.trend]


@dataclass
class CostBenefitRow:
    measure: Measure
    planned: Decimal = Decimal(0)
    spent: Decimal = Decimal(0)
    losses: dict[str, Decimal] = field(default_factory=dict)  # by kind: loss, fine, compensation
    losses_before: Decimal = Decimal(0)  # the same costs in the year before
    movements: list[IndicatorMovement] = field(default_factory=list)

    @property
    def loss_total(self) -> Decimal:
        return sum(self.losses.values(), Decimal(0))

    def count(self, trend: str) -> int:
        return sum(1 for m in self.movements if m.trend == trend)

    @property
    def better(self) -> int:
        return self.count("better")

    @property
    def worse(self) -> int:
        return self.count("worse")

    @property
    def same(self) -> int:
        return self.count("same")


def _costs(actor: Any, unit: OrgUnit, start: dt.date, end: dt.date, measures: dict[int, Measure]
           ) -> dict[int | None, dict[str, Decimal]]:
    from django.utils import timezone

    from finassure.framework import costs

    result: dict[int | None, dict[str, Decimal]] = {}
    for row in (loss_event_list(actor=actor).filter(org_unit__path__startswith=unit.path, occurred_on__gte=start,
                                                    occurred_on__lt=end)
                .values("measure_id", "kind").annotate(total=Sum("amount"))):
        mid = row["measure_id"] if row["measure_id"] in measures or row["measure_id"] is None else -1
        bucket = result.setdefault(mid, {})
        bucket[row["kind"]] = bucket.get(row["kind"], Decimal(0)) + row["total"]
    assessor = assessor_scope(actor)
    if assessor is not None and not any(e.start <= start and end <= e.end and unit.path.startswith(e.unit_paths)
                                        for e in assessor.engagements):
        return result  # other modules' costs only inside an engagement's period and units
    by_key = {m.key: m.pk for m in measures.values()}
    tz = timezone.get_current_timezone()
    bounds = (dt.datetime.combine(start, dt.time.min, tz), dt.datetime.combine(end, dt.time.min, tz))
    for source in costs.sources():
        measure_id = by_key.get(source.measure_key)
        if measure_id is None:
            continue
        total = source.fn(units=access.units_under(unit), start=bounds[0], end=bounds[1])
        if total.amount:
            bucket = result.setdefault(measure_id, {})
            bucket[source.kind] = bucket.get(source.kind, Decimal(0)) + total.amount
    return result


def cost_benefit(*, actor: Any, unit: OrgUnit, year: int) -> list[CostBenefitRow]:
    """Per measure, for the unit's subtree and a year: spend from the budget lines, the losses, fines and
    compensation recorded in the year (and the year before), and how each indicator moved over the year —
    from the last period before the year to the last computed period inside it."""
    unit = unit_get(actor=actor, pk=unit.pk)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    measures = {m.pk: m for m in measure_list(actor=actor)}
    rows = {pk: CostBenefitRow(m) for pk, m in measures.items()}
    for line in (budget_lines(actor=actor, year=year).filter(org_unit__path__startswith=unit.path)
                 .values("measure_id").annotate(planned=Sum("planned"), spent=Sum("spent"))):
        if line["measure_id"] in rows:
            rows[line["measure_id"]].planned = line["planned"] or Decimal(0)
            rows[line["measure_id"]].spent = line["spent"] or Decimal(0)
    for mid, kinds in _costs(actor, unit, start, end, measures).items():
        if mid in rows:
            rows[mid].losses = kinds
    for mid, kinds in _costs(actor, unit, dt.date(year - 1, 1, 1), start, measures).items():
        if mid in rows:
            rows[mid].losses_before = sum(kinds.values(), Decimal(0))
    indicators = list(indicator_list(actor=actor).filter(measure_id__in=list(rows)))
    snapshots: dict[int, list[Snapshot]] = {}
    for snapshot in (Snapshot.objects.filter(org_unit=unit, indicator__in=[i.pk for i in indicators],
                                             period_start__lt=end).filter(snapshot_visibility(actor))
                     .exclude(value__isnull=True).order_by("indicator_id", "period_start")):
        snapshots.setdefault(snapshot.indicator_id, []).append(snapshot)
    for indicator in indicators:
        points = snapshots.get(indicator.pk, [])
        before = [s for s in points if s.period_end <= start]
        inside = [s for s in points if s.period_start >= start]
        rows[indicator.measure_id].movements.append(IndicatorMovement(
            indicator, before[-1] if before else (inside[0] if len(inside) > 1 else None),
            inside[-1] if inside else None))
    return list(rows.values())


def unattributed_losses(*, actor: Any, unit: OrgUnit, year: int) -> Decimal:
    """Losses and fines of the year recorded without a measure."""
    total = (loss_event_list(actor=actor, year=year).filter(org_unit__path__startswith=unit.path,
                                                            measure__isnull=True)
             .aggregate(total=Sum("amount"))["total"])
    return total or Decimal(0)


def raci_entries(*, actor: Any, measure_id: int | None = None) -> QuerySet[RaciEntry]:
    qs = RaciEntry.objects.filter(measure__in=measure_list(actor=actor))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    return qs.select_related("measure", "indicator", "org_unit").order_by("measure__order", "indicator__order",
                                                                          "letter", "role")


def raci_matrix(*, actor: Any) -> list[dict[str, Any]]:
    """One row per measure and per obligation/indicator that has entries: R, A, C and I as lists of labels."""
    from finassure.accounts.roles import Role as R

    labels = dict(R.choices)
    rows: dict[tuple[int, int | None], dict[str, Any]] = {}
    for measure in measure_list(actor=actor):
        rows[(measure.pk, None)] = {"measure": measure, "indicator": None, "R": [], "A": [], "C": [], "I": [],
                                    "entries": []}
    for entry in raci_entries(actor=actor):
        key = (entry.measure_id, entry.indicator_id)
        row = rows.setdefault(key, {"measure": entry.measure, "indicator": entry.indicator, "R": [], "A": [],
                                    "C": [], "I": [], "entries": []})
        label = str(labels.get(entry.role, entry.role)) + (f" @ {entry.org_unit}" if entry.org_unit else "")
        row[entry.letter].append(label)
        row["entries"].append(entry)
    return sorted(rows.values(), key=lambda r: (r["measure"].order, r["measure"].key,
                                                -1 if r["indicator"] is None else r["indicator"].order))
