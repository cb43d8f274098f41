"""Reads of the assurance framework, scoped to the caller's org units."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet, Sum

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.accounts.roles import ROLE_PERMISSIONS, Role
from finassure.framework import registry
from finassure.framework.models import (
    AccountabilityRecord,
    AssessmentFinding,
    BudgetLine,
    CorrectiveAction,
    ExternalAssessment,
    Indicator,
    LossEvent,
    Measure,
    Meeting,
    Notification,
    RaciEntry,
    Snapshot,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.framework.registry import Measurement
from finassure.platform.errors import NotFound

# --- what an external assessor may see: its engagements' org units, measures and period ----------------


@dataclass(frozen=True)
class _Engagement:
    pk: int
    unit_paths: tuple[str, ...]
    measure_ids: frozenset[int]
    start: dt.date
    end: dt.date  # exclusive


@dataclass(frozen=True)
class AssessorScope:
    """The union of an external assessor's engagements; each read is narrowed to it (empty without one)."""

    engagements: tuple[_Engagement, ...]

    @staticmethod
    def _units(e: _Engagement, field: str) -> Q:
        q = Q(pk__in=[])
        for path in e.unit_paths:
            q |= Q(**{f"{field}__path__startswith" if field else "path__startswith": path})
        return q

    def units(self, field: str = "org_unit") -> Q:
        q = Q(pk__in=[])
        for e in self.engagements:
            q |= self._units(e, field)
        return q

    @property
    def measure_ids(self) -> set[int]:
        return {m for e in self.engagements for m in e.measure_ids}

    def q(self, *, unit: str = "org_unit", measure: str | None = "measure", date: str | None = None,
          period: tuple[str, str] | None = None, extra: Q | None = None) -> Q:
        """Records of some engagement's units and measures, dated (or with a period) inside its period."""
        result = Q(pk__in=[])
        for e in self.engagements:
            q = self._units(e, unit)
            if measure:
                q &= Q(**{f"{measure}__in": sorted(e.measure_ids)})
            if date:
                q &= Q(**{f"{date}__gte": e.start, f"{date}__lt": e.end})
            if period:
                q &= Q(**{f"{period[0]}__gte": e.start, f"{period[1]}__lte": e.end})
            result |= q
        return result | extra if extra is not None else result

    def covers(self, *, unit: OrgUnit, measure_id: int, start: dt.date, end: dt.date) -> bool:
        return any(unit.path.startswith(e.unit_paths) and measure_id in e.measure_ids and e.start <= start
                   and end <= e.end for e in self.engagements)


def assessor_scope(actor: Any) -> AssessorScope | None:
    """For a user whose framework view comes only from the external-assessor role, the engagements it holds
    (cached on the user for the request); None for everyone else."""
    cached: AssessorScope | None | bool = getattr(actor, "_framework_assessor_scope", False)
    if cached is not False:
        return cached if isinstance(cached, AssessorScope) else None
    roles = access.roles_of(actor)
    scope: AssessorScope | None = None
    if Role.EXTERNAL_ASSESSOR in roles and not any(
            FPerm.VIEW in ROLE_PERMISSIONS.get(r, set()) for r in roles if r != Role.EXTERNAL_ASSESSOR):
        engagements = []
        for a in (ExternalAssessment.objects.filter(assessor_id=actor.pk)
                  .exclude(status=ExternalAssessment.Status.CANCELLED).prefetch_related("units", "measures")):
            engagements.append(_Engagement(a.pk, tuple(u.path for u in a.units.all()),
                                           frozenset(m.pk for m in a.measures.all()), a.period_start, a.period_end))
        scope = AssessorScope(tuple(engagements))
    if getattr(actor, "is_authenticated", False):
        actor._framework_assessor_scope = scope
    return scope


def _finding_actions_q(scope: AssessorScope) -> Q:
    """The actions raised from the findings of the assessor's own engagements."""
    ids = [str(pk) for pk in AssessmentFinding.objects.filter(
        assessment_id__in=[e.pk for e in scope.engagements]).values_list("pk", flat=True)]
    return Q(source_type=ContentType.objects.get_for_model(AssessmentFinding), source_id__in=ids)


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
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(assessor.q(date="created_at__date", extra=_finding_actions_q(assessor)))
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
    assessor = assessor_scope(actor)
    if assessor is not None:
        units = units.filter(assessor.units(""))
    if business_line_id:
        units = units.filter(business_line_id=business_line_id)
    return units


def unit_get(*, actor: Any, pk: int) -> OrgUnit:
    unit = units_in_scope(actor=actor).filter(pk=pk).select_related("business_line", "parent").first()
    if unit is None:
        raise NotFound("No such org unit.")
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
        raise NotFound("No such measure.")
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
        raise NotFound("No such indicator.")
    return indicator


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


# --- plans, accountability, budget ----------------------------------------------------------------


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
        raise NotFound("No such task.")
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
        raise NotFound("No such period in your engagement.")
    return registry.measure(indicator.computation, units=access.units_under(unit), period=period)


# --- meetings and internal reviews ------------------------------------------------------------------


def meeting_list(*, actor: Any, kind: str = "", status: str = "") -> QuerySet[Meeting]:
    """Meetings of units in scope; an external assessor sees none (minutes are internal)."""
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = Meeting.objects.filter(scope.q("org_unit"))
    if assessor_scope(actor) is not None:
        qs = qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "chair").order_by("-scheduled_for", "-id")


def meeting_get(*, actor: Any, pk: int) -> Meeting:
    meeting = meeting_list(actor=actor).filter(pk=pk).first()
    if meeting is None:
        raise NotFound("No such meeting.")
    return meeting


# --- third-party assessments ----------------------------------------------------------------------


def assessment_list(*, actor: Any, status: str = "") -> QuerySet[ExternalAssessment]:
    """Assessments commissioned in scope; an external assessor sees its own engagements only."""
    scope = access.scope_for(actor, FPerm.VIEW)
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = ExternalAssessment.objects.filter(pk__in=[e.pk for e in assessor.engagements])
    else:
        qs = ExternalAssessment.objects.filter(scope.q("org_unit"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "assessor").order_by("-period_start", "-id")


def assessment_get(*, actor: Any, pk: int) -> ExternalAssessment:
    assessment = assessment_list(actor=actor).filter(pk=pk).first()
    if assessment is None:
        raise NotFound("No such assessment.")
    return assessment


def assessment_findings(*, assessment: ExternalAssessment) -> QuerySet[AssessmentFinding]:
    return assessment.findings.select_related("org_unit", "measure", "corrective_action__owner").order_by("id")


# --- losses, fines and the cost-benefit view (六) ---------------------------------------------------


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


# --- responsibility matrix (RACI) -------------------------------------------------------------------


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
