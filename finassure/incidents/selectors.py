"""Reads of incidents, always scoped: lists with the one filter definition, detail getters, deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import Institution, OrgUnit, User
from finassure.incidents.models import (
    MAJOR_GRADES,
    Drill,
    DrillStep,
    EmergencyPlan,
    Grade,
    Incident,
    IncidentAlert,
    IncidentEvent,
    IncidentPlanStep,
    IncidentSettings,
    IncidentType,
    PlanVersion,
    PostIncidentReview,
    ReportingRule,
    Status,
)
from finassure.incidents.timers import WARN_FRACTION
from finassure.platform.errors import NotFound
from finassure.platform.ids import parse_id

VIEW = "incidents.view_incident"
REPORT = "incidents.report_incident"
MANAGE = "incidents.manage_incident"
MANAGE_PLAN = "incidents.manage_plan"
APPROVE_PLAN = "incidents.approve_plan"
CONFIGURE = "incidents.configure"


# --- deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    ack_due_at: dt.datetime
    report_due_at: dt.datetime | None
    report_basis: str


def _rules_for(*, grade: str, incident_type: IncidentType, institution: Institution) -> QuerySet[ReportingRule]:
    rules = ReportingRule.objects.filter(grade=grade, is_active=True).filter(
        Q(institution_kind="") | Q(institution_kind=institution.kind))
    return rules if incident_type.is_it else rules.filter(it_only=False)


def ack_minutes_for(*, grade: str, incident_type: IncidentType, institution: Institution) -> int | None:
    """The shortest response (acknowledgement) deadline the active rules set for this grade and institution."""
    found = [r.ack_minutes for r in _rules_for(grade=grade, incident_type=incident_type, institution=institution)
             if r.ack_minutes]
    return min(found) if found else None


def reporting_rule_for(*, grade: str, incident_type: IncidentType, institution: Institution) -> tuple[int, str] | None:
    """The strictest active rule for this grade, institution type and incident type: (minutes, basis)."""
    best: tuple[int, str] | None = None
    for rule in _rules_for(grade=grade, incident_type=incident_type, institution=institution):
        if rule.minutes is None:
            continue
        minutes = rule.minutes
        if institution.is_critical_infrastructure and rule.minutes_critical_infrastructure:
            minutes = min(minutes, rule.minutes_critical_infrastructure)
        if best is None or minutes < best[0]:
            best = (minutes, rule.basis)
    return best


def deadlines_for(*, reported_at: dt.datetime, grade: str, incident_type: IncidentType,
                  institution: Institution) -> Deadlines:
    ack_due = reported_at + dt.timedelta(hours=float(incident_type.ack_hours))
    rule_ack = ack_minutes_for(grade=grade, incident_type=incident_type, institution=institution)
    if rule_ack is not None:
        ack_due = min(ack_due, reported_at + dt.timedelta(minutes=rule_ack))
    rule = reporting_rule_for(grade=grade, incident_type=incident_type, institution=institution)
    if rule is None:
        return Deadlines(ack_due, None, "")
    return Deadlines(ack_due, reported_at + dt.timedelta(minutes=rule[0]), rule[1])


# --- incidents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFilter:
    """The one filter definition used by the page list, the Excel export and the API list."""

    q: str = ""
    status: str = ""
    grade: str = ""
    incident_type: str = ""  # type code
    org_unit_id: int | None = None
    timer: str = ""  # "overdue" | "due_soon" | "open"
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None

    @classmethod
    def from_params(cls, params: Any) -> IncidentFilter:
        def day(key: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(params.get(key, "") or "")
            except ValueError:
                return None

        unit = params.get("org_unit", "")
        return cls(
            q=(params.get("q", "") or "").strip(),
            status=params.get("status", "") if params.get("status", "") in Status.values else "",
            grade=params.get("grade", "") if params.get("grade", "") in Grade.values else "",
            incident_type=params.get("type", "") or "",
            org_unit_id=parse_id(unit),
            timer=params.get("timer", "") if params.get("timer", "") in {"overdue", "due_soon", "open"} else "",
            reported_from=day("from"),
            reported_to=day("to"),
        )


def _scoped(actor: Any) -> QuerySet[Incident]:
    scope = access.scope_for(actor, VIEW)
    return Incident.objects.filter(scope.q("org_unit") | Q(reporter_id=getattr(actor, "pk", None)))


def incident_list(*, actor: Any, filters: IncidentFilter | None = None,
                  now: dt.datetime | None = None) -> QuerySet[Incident]:
    filters = filters or IncidentFilter()
    now = now or timezone.now()
    qs = _scoped(actor).select_related("org_unit", "incident_type", "commander")
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q) | Q(reference__icontains=filters.q))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.incident_type:
        qs = qs.filter(incident_type__code=filters.incident_type)
    if filters.org_unit_id:
        unit = OrgUnit.objects.filter(pk=filters.org_unit_id).first()
        qs = qs.filter(org_unit__path__startswith=unit.path) if unit else qs.none()
    if filters.reported_from:
        qs = qs.filter(reported_at__date__gte=filters.reported_from)
    if filters.reported_to:
        qs = qs.filter(reported_at__date__lte=filters.reported_to)
    if filters.timer == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif filters.timer == "overdue":
        qs = qs.filter(Q(acknowledged_at__isnull=True, ack_due_at__lte=now)
                       | Q(regulator_reported_at__isnull=True, report_due_at__lte=now))
    elif filters.timer == "due_soon":
        qs = qs.filter(Q(acknowledged_at__isnull=True, ack_due_at__gt=now)
                       | Q(regulator_reported_at__isnull=True, report_due_at__gt=now))
    return qs.order_by("-reported_at", "-id")


def incident_get(*, actor: Any, pk: int) -> Incident:
    incident = _scoped(actor).select_related(
        "org_unit", "org_unit__institution", "incident_type", "reporter", "commander", "scribe", "liaison",
    ).filter(pk=pk).first()
    if incident is None:
        raise NotFound(_("No such incident."))
    return incident


def incident_timeline(*, incident: Incident) -> QuerySet[IncidentEvent]:
    return incident.events.select_related("actor").order_by("at", "id")


def incident_alerts(*, incident: Incident) -> QuerySet[IncidentAlert]:
    return incident.alerts.prefetch_related("recipients").order_by("-created_at", "-id")


def alerts_for_user(*, user: Any) -> QuerySet[IncidentAlert]:
    return IncidentAlert.objects.filter(recipients=user).select_related("incident").order_by("-created_at")


def incident_types(*, active_only: bool = True) -> QuerySet[IncidentType]:
    qs = IncidentType.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def incidents_needing_attention(*, now: dt.datetime) -> QuerySet[Incident]:
    """Incidents whose acknowledgement or first report is not done: the periodic timer check walks these."""
    return Incident.objects.filter(
        Q(acknowledged_at__isnull=True, ack_escalated_at__isnull=True)
        | Q(report_due_at__isnull=False, regulator_reported_at__isnull=True, report_escalated_at__isnull=True)
    ).exclude(status=Status.CLOSED).select_related("incident_type", "org_unit", "commander")


def warn_at(started: dt.datetime, due: dt.datetime) -> dt.datetime:
    return due - (due - started) * WARN_FRACTION


def review_get(*, actor: Any, incident_pk: int) -> PostIncidentReview:
    incident = incident_get(actor=actor, pk=incident_pk)
    review = PostIncidentReview.objects.filter(incident=incident).select_related("author", "incident").first()
    if review is None:
        raise NotFound(_("This incident has no review yet."))
    return review


def is_major(grade: str) -> bool:
    return grade in MAJOR_GRADES


def review_for(*, incident: Incident) -> PostIncidentReview | None:
    return PostIncidentReview.objects.filter(incident=incident).first()


def review_actions(*, review: PostIncidentReview) -> Any:
    """The corrective actions raised from a review (the framework's shared model)."""
    from finassure.framework import selectors as framework_selectors

    return framework_selectors.corrective_actions_for(source=review)


def people_for(*, incident: Incident) -> QuerySet[User]:
    """Who may hold a role on an incident or own its actions: active users of the institution."""
    return User.objects.filter(org_unit__institution_id=incident.org_unit.institution_id, is_active=True).order_by(
        "username")


# --- emergency plans and drills -----------------------------------------------------------------


def plan_list(*, actor: Any) -> QuerySet[EmergencyPlan]:
    scope = access.scope_for(actor, VIEW)
    return EmergencyPlan.objects.filter(scope.q("org_unit")).select_related("org_unit").prefetch_related(
        "incident_types").order_by("title")


def plan_get(*, actor: Any, pk: int) -> EmergencyPlan:
    plan = plan_list(actor=actor).filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("No such emergency plan."))
    return plan


def plan_versions(*, plan: EmergencyPlan) -> QuerySet[PlanVersion]:
    return plan.versions.select_related("author", "approved_by").order_by("-number")


def version_in_force(*, plan: EmergencyPlan) -> PlanVersion | None:
    return plan.versions.filter(approved_at__isnull=False).order_by("-number").first()


def plan_versions_for(*, incident: Incident) -> list[PlanVersion]:
    """The version in force of each active plan of the incident's unit (or an ancestor's) for its type and grade."""
    ancestors = [int(p) for p in incident.org_unit.path.strip("/").split("/") if p]
    plans = EmergencyPlan.objects.filter(is_active=True, org_unit_id__in=ancestors,
                                         incident_types=incident.incident_type).distinct()
    versions = []
    for plan in plans:
        if plan.trigger_grades and incident.grade not in plan.trigger_grades:
            continue
        version = version_in_force(plan=plan)
        if version is not None:
            versions.append(version)
    return versions


def incident_plan_steps(*, incident: Incident) -> QuerySet[IncidentPlanStep]:
    return incident.plan_steps.select_related("plan_version__plan", "completed_by").order_by(
        "plan_version", "index")


def drill_list(*, actor: Any) -> QuerySet[Drill]:
    scope = access.scope_for(actor, VIEW)
    return Drill.objects.filter(scope.q("org_unit")).select_related("org_unit", "plan_version__plan").order_by(
        "-scheduled_for", "-id")


def drill_get(*, actor: Any, pk: int) -> Drill:
    drill = drill_list(actor=actor).filter(pk=pk).first()
    if drill is None:
        raise NotFound(_("No such drill."))
    return drill


def drill_steps(*, drill: Drill) -> QuerySet[DrillStep]:
    return drill.steps.select_related("drill").order_by("index")


def drill_actions(*, drill: Drill) -> Any:
    from finassure.framework import selectors as framework_selectors

    return framework_selectors.corrective_actions_for(source=drill)


def approved_versions(*, actor: Any, perm: str = MANAGE_PLAN) -> QuerySet[PlanVersion]:
    scope = access.scope_for(actor, perm)
    return PlanVersion.objects.filter(scope.q("plan__org_unit"), approved_at__isnull=False,
                                      plan__is_active=True).select_related("plan").order_by("plan__title", "-number")


def people_in(*, unit: OrgUnit) -> QuerySet[User]:
    """Active users of the unit's institution (owners of drill findings)."""
    return User.objects.filter(org_unit__institution_id=unit.institution_id, is_active=True).order_by("username")


# --- efficiency ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EfficiencyRow:
    quarter: str
    grade: str
    incidents: int
    ack_mean_minutes: float | None
    ack_p90_minutes: float | None
    resolve_mean_hours: float | None
    resolve_p90_hours: float | None

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label)


def _p90(values: list[float]) -> float | None:
    """The 90th percentile, nearest-rank method (the smallest value with at least 90 % of values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-9 * len(ordered) // 10))  # ceil(0.9 n)
    return ordered[rank - 1]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def efficiency(*, actor: Any, year: int) -> list[EfficiencyRow]:
    """Mean and p90 time to acknowledge (minutes) and to resolve (hours) per quarter and grade of the year."""
    incidents = _scoped(actor).filter(reported_at__year=year).only(
        "grade", "reported_at", "acknowledged_at", "resolved_at")
    groups: dict[tuple[str, str], list[Incident]] = {}
    for incident in incidents:
        local = timezone.localtime(incident.reported_at)
        quarter = f"{local.year}Q{(local.month - 1) // 3 + 1}"
        groups.setdefault((quarter, incident.grade), []).append(incident)
    rows = []
    order = {g: i for i, g in enumerate(Grade.values)}
    for (quarter, grade), items in sorted(groups.items(), key=lambda kv: (kv[0][0], order[kv[0][1]])):
        ack = [(i.acknowledged_at - i.reported_at).total_seconds() / 60 for i in items if i.acknowledged_at]
        resolve = [(i.resolved_at - i.reported_at).total_seconds() / 3600 for i in items if i.resolved_at]
        rows.append(EfficiencyRow(quarter, grade, len(items), _mean(ack), _p90(ack),
                                  _mean(resolve), _p90(resolve)))
    return rows


# --- configuration ------------------------------------------------------------------------------


def incident_settings() -> IncidentSettings:
    """The module's settings row (defaults until the security administrator changes them)."""
    return IncidentSettings.objects.order_by("pk").first() or IncidentSettings()


def incident_type_config_list(*, actor: Any) -> QuerySet[IncidentType]:
    """Every incident type, in use or not, for the settings page."""
    access.require(actor, CONFIGURE)
    return IncidentType.objects.order_by("order", "code")


def incident_type_config_get(*, actor: Any, pk: int) -> IncidentType:
    found = incident_type_config_list(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such incident type."))
    return found


def reporting_rule_list(*, actor: Any) -> QuerySet[ReportingRule]:
    access.require(actor, CONFIGURE)
    return ReportingRule.objects.order_by("grade", "institution_kind", "it_only", "id")


def reporting_rule_get(*, actor: Any, pk: int) -> ReportingRule:
    found = reporting_rule_list(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such reporting rule."))
    return found
