"""Snapshots: measuring every indicator per org unit and period, and opening breach actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.framework import evaluation, registry
from finassure.framework.models import (
    CorrectiveAction,
    Indicator,
    Snapshot,
    TargetOverride,
)
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.framework.services._common import log
from finassure.framework.services.actions import _action_create
from finassure.platform import audit
from finassure.platform.language import lazy_text, record_text

# --- snapshots ------------------------------------------------------------------------------------

BREACH_DUE_DAYS = 30


@dataclass
class RunReport:
    computed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    actions_opened: int = 0


def snapshots_run(*, actor: Any, day: dt.date | None = None, units: Iterable[OrgUnit] | None = None,
                  indicators: Iterable[Indicator] | None = None) -> RunReport:
    """Compute the snapshots of every (indicator, org unit) for the period containing `day` (today by default).

    Each unit counts its whole subtree. A red snapshot opens one corrective action for the measure's owner.
    """
    if actor is not None:
        access.require(actor, FPerm.RUN_SNAPSHOTS, None)
    day = day or timezone.localdate()
    unit_list = list(units) if units is not None else list(OrgUnit.objects.filter(is_active=True).order_by("path"))
    if actor is not None:
        scope = access.scope_for(actor, FPerm.RUN_SNAPSHOTS)
        unit_list = [u for u in unit_list if scope.covers(u)]
    indicator_list = list(indicators) if indicators is not None else list(
        Indicator.objects.filter(is_active=True, measure__is_active=True).select_related("measure__owner"))
    report = RunReport()
    owners = _OwnerBook()
    for indicator in indicator_list:
        period = Period.containing(day, indicator.period)
        snapshots = snapshots_compute(indicator=indicator, units=unit_list, period=period)
        report.computed += len(snapshots)
        for snapshot in snapshots:
            report.by_status[snapshot.status] = report.by_status.get(snapshot.status, 0) + 1
        red = [s for s in snapshots if s.status == evaluation.RED]
        if red:
            report.actions_opened += _open_breaches(indicator, red, owners)
    if actor is not None:
        audit.record(action="snapshot.run", actor=actor, detail={"day": day.isoformat(), "computed": report.computed,
                                                                  "by_status": report.by_status})
    return report


class _TargetBook:
    """The overrides of one indicator, read once per run."""

    def __init__(self, indicator: Indicator):
        self.indicator = indicator
        self.units: dict[str, tuple[float, float]] = {}
        self.lines: dict[int, tuple[float, float]] = {}
        for o in TargetOverride.objects.filter(indicator=indicator).select_related("org_unit"):
            if o.org_unit is not None:
                self.units[o.org_unit.path] = (o.target, o.amber)
            elif o.business_line_id is not None:
                self.lines[o.business_line_id] = (o.target, o.amber)

    def for_unit(self, unit: OrgUnit) -> evaluation.Target:
        i = self.indicator
        return evaluation.effective_target(indicator_target=i.target, indicator_amber=i.amber, tuned=i.is_tuned,
                                           unit_path=unit.path, business_line_id=unit.business_line_id,
                                           unit_overrides=self.units, line_overrides=self.lines)


def snapshots_compute(*, indicator: Indicator, units: list[OrgUnit], period: Period) -> list[Snapshot]:
    """Measure `indicator` for each unit (its subtree) and store one snapshot per unit for `period`.

    The measuring reads only; the snapshots are written together in one short transaction (an upsert on
    indicator, unit and period), so a long run neither holds locks nor pays a commit per value.
    """
    targets = _TargetBook(indicator)
    now = timezone.now()
    fresh = []
    for unit in units:
        target = targets.for_unit(unit)
        measurement = registry.measure(indicator.computation, units=access.units_under(unit), period=period)
        if measurement is None:
            status, value, numerator, denominator, note = evaluation.NO_SOURCE, None, None, None, ""
        else:
            value, numerator, denominator, note = (measurement.value, measurement.numerator,
                                                   measurement.denominator, measurement.note)
            status = evaluation.status_for(value, target=target.target, amber=target.amber,
                                           direction=indicator.direction)
        fresh.append(Snapshot(indicator=indicator, org_unit=unit, period_kind=period.kind, period_start=period.start,
                              period_end=period.end, period_label=period.label(), value=value, numerator=numerator,
                              denominator=denominator, target=target.target, amber=target.amber, status=status,
                              note=str(note)[:300], computed_at=now))
    fields = ["period_end", "period_label", "value", "numerator", "denominator", "target", "amber", "status", "note",
              "computed_at"]
    with transaction.atomic():
        Snapshot.objects.bulk_create(fresh, batch_size=500, update_conflicts=True, update_fields=fields,
                                     unique_fields=["indicator", "org_unit", "period_kind", "period_start"])
    stored = {s.org_unit_id: s for s in Snapshot.objects.filter(
        indicator=indicator, period_kind=period.kind, period_start=period.start,
        org_unit__in=[u.pk for u in units]).select_related("org_unit")} if units else {}
    for snapshot in stored.values():
        snapshot.indicator = indicator
    return [stored[u.pk] for u in units if u.pk in stored]


def snapshot_compute(*, indicator: Indicator, unit: OrgUnit, period: Period) -> tuple[Snapshot, bool]:
    """Compute and store one snapshot (replacing the period's earlier one); returns it and whether an action opened."""
    snapshot = snapshots_compute(indicator=indicator, units=[unit], period=period)[0]
    opened = 0
    if snapshot.status == evaluation.RED:
        opened = _open_breaches(indicator, [snapshot], _OwnerBook())
    return snapshot, bool(opened)


class _OwnerBook:
    """Who owns a breach: the measure's owner, else the first holder of its responsible role over the unit."""

    def __init__(self) -> None:
        self._by_role: dict[tuple[str, int], Any] = {}

    def owner(self, indicator: Indicator, unit: OrgUnit) -> Any:
        measure = indicator.measure
        if measure.owner is not None and measure.owner.is_active:
            return measure.owner
        if not measure.responsible_role:
            return None
        key = (measure.responsible_role, unit.pk)
        if key not in self._by_role:
            self._by_role[key] = access.users_with_role(role=measure.responsible_role, unit=unit).order_by("pk").first()
        return self._by_role[key]


def _open_breaches(indicator: Indicator, red: list[Snapshot], owners: _OwnerBook) -> int:
    already = set(CorrectiveAction.objects.filter(
        indicator=indicator, org_unit__in=[s.org_unit_id for s in red], status__in=CorrectiveAction.OPEN_STATUSES,
    ).values_list("org_unit_id", flat=True))
    opened, ownerless = 0, []
    for snapshot in red:
        if snapshot.org_unit_id in already:
            continue
        if breach_action_open(snapshot=snapshot, owner=owners.owner(indicator, snapshot.org_unit)) is not None:
            opened += 1
        else:
            ownerless.append(snapshot.org_unit_id)
    if ownerless:
        log.warning("indicator %s is red at %d units but its measure has no owner", indicator.key, len(ownerless))
    return opened


@transaction.atomic
def breach_action_open(*, snapshot: Snapshot, owner: Any = None) -> CorrectiveAction | None:
    """Open the corrective action of a red snapshot for the measure's owner.

    One open action per (indicator, org unit): a breach while one is open adds nothing.
    """
    indicator, unit = snapshot.indicator, snapshot.org_unit
    if CorrectiveAction.objects.filter(indicator=indicator, org_unit=unit,
                                       status__in=CorrectiveAction.OPEN_STATUSES).exists():
        return None
    owner = owner or _OwnerBook().owner(indicator, unit)
    if owner is None:
        return None
    value = "—" if snapshot.value is None else f"{snapshot.value:.4g}"
    display_name = lazy(lambda: indicator.display_name, str)()  # in the language it is written out in
    title = record_text(gettext_lazy("Correct: %(indicator)s off target at %(unit)s (%(period)s)"),
                        {"indicator": display_name, "unit": unit, "period": snapshot.period_label})
    return _action_create(
        actor=None, source=snapshot, owner=owner, org_unit=unit, measure=indicator.measure, indicator=indicator,
        due=timezone.localdate() + dt.timedelta(days=BREACH_DUE_DAYS), title=title,
        description=record_text(gettext_lazy("Value %(value)s against target %(target)s (%(direction)s)."), {
            "value": value, "target": f"{snapshot.target:g}",
            "direction": indicator.Direction(indicator.direction).label}),
        notice=lazy_text(gettext_lazy("Indicator off target: %(indicator)s at %(unit)s"),
                         {"indicator": display_name, "unit": unit}),
    )
