"""Reads of risk monitoring, always scoped to the caller's org units: runs, the alert queue, cases, reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.monitoring import perms
from finassure.monitoring.models import (
    SEVERITY_RANK,
    Alert,
    Case,
    CaseAttachment,
    CaseNote,
    LargeValueReport,
    ModelVersion,
    ReportStatus,
    RuleChange,
    Run,
    Severity,
    SuspiciousReport,
)
from finassure.platform.errors import NotFound
from finassure.platform.ids import parse_id


@dataclass(frozen=True)
class AlertFilter:
    """One filter definition for the queue page, its Excel export and the API list."""

    status: str = Alert.Status.OPEN
    severity: str = ""
    rule_id: str = ""
    customer_id: str = ""
    org_unit: int | None = None
    assignee: int | None = None
    unassigned: bool = False
    overdue: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> AlertFilter:
        status = query.get("status", Alert.Status.OPEN)
        return cls(
            status=status if status in Alert.Status.values or status == "all" else Alert.Status.OPEN,
            severity=query.get("severity", "") if query.get("severity", "") in Severity.values else "",
            rule_id=str(query.get("rule_id", ""))[:64],
            customer_id=str(query.get("customer_id", ""))[:64],
            org_unit=parse_id(query.get("org_unit")),
            assignee=parse_id(query.get("assignee")),
            unassigned=str(query.get("unassigned", "")) in {"1", "true", "on"},
            overdue=str(query.get("overdue", "")) in {"1", "true", "on"},
        )


def alert_list(*, actor: Any, filters: AlertFilter | None = None) -> QuerySet[Alert]:
    """The queue: highest severity first, then oldest first (age)."""
    f = filters or AlertFilter()
    qs = Alert.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    if f.status != "all":
        qs = qs.filter(status=f.status)
    if f.severity:  # the rank too, so the queue index finds a low severity without walking past the higher ones
        qs = qs.filter(severity=f.severity, severity_rank=SEVERITY_RANK[Severity(f.severity)])
    if f.rule_id:
        qs = qs.filter(rule_id=f.rule_id)
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.org_unit:
        qs = qs.filter(org_unit_id=f.org_unit)
    if f.assignee:
        qs = qs.filter(assignee_id=f.assignee)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.overdue:
        qs = qs.filter(due_date__lt=timezone.localdate()).exclude(status=Alert.Status.CLOSED)
    return (
        qs.select_related("org_unit", "assignee")
        .defer("txn_ids", "top_features", "top_features_zh", "explanation")
        .order_by("-severity_rank", "created_at", "id")
    )


def alert_get(*, actor: Any, pk: int) -> Alert:
    alert = (
        Alert.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"), pk=pk)
        .select_related("org_unit", "assignee", "case", "run", "closed_by")
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert, or it is outside your responsibility."))
    return alert


def rule_ids(*, actor: Any) -> list[str]:
    qs = Alert.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    return list(qs.order_by("rule_id").values_list("rule_id", flat=True).distinct())


def analysts_for(*, unit: Any) -> list[Any]:
    """People who may work alerts of `unit` (for assignment)."""
    from finassure.accounts.roles import roles_with

    candidates = {
        u.pk: u for role in roles_with(perms.WORK) for u in access.users_with_role(role=role, unit=unit)
    }
    return sorted(candidates.values(), key=lambda u: u.username)


# --- runs ----------------------------------------------------------------------------------------------------------


def run_list(*, actor: Any) -> QuerySet[Run]:
    return (
        Run.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
        .select_related("org_unit", "requested_by")
        .defer("manifest", "rule_sql")
        .order_by("-created_at", "-id")
    )


def run_get(*, actor: Any, pk: int) -> Run:
    run = (
        Run.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"), pk=pk)
        .select_related("org_unit", "requested_by")
        .first()
    )
    if run is None:
        raise NotFound(_("No such run, or it is outside your responsibility."))
    return run


# --- cases ---------------------------------------------------------------------------------------------------------


def case_list(*, actor: Any, status: str = "") -> QuerySet[Case]:
    qs = Case.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    if status in Case.Status.values:
        qs = qs.filter(status=status)
    return (
        qs.select_related("org_unit", "assignee")
        .annotate(alert_count=Count("alerts"))
        .order_by("status", "-created_at", "-id")
    )


def case_get(*, actor: Any, pk: int) -> Case:
    case = (
        Case.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"), pk=pk)
        .select_related("org_unit", "assignee", "disposed_by")
        .first()
    )
    if case is None:
        raise NotFound(_("No such case, or it is outside your responsibility."))
    return case


def case_alerts(*, case: Case) -> QuerySet[Alert]:
    return case.alerts.order_by("date", "id")


def case_notes(*, case: Case) -> QuerySet[CaseNote]:
    return case.notes.select_related("author")


def case_period(*, case: Case) -> tuple[dt.date | None, dt.date | None]:
    days = [d for d in case.alerts.values_list("date", flat=True) if d]
    if not days:
        return None, None
    return min(days) - dt.timedelta(days=30), max(days) + dt.timedelta(days=7)


def case_txn_ids(*, case: Case) -> list[str]:
    """The ids of the transactions behind the case's alerts (read from the store by services.store_transactions)."""
    return sorted({t for ids in case.alerts.values_list("txn_ids", flat=True) for t in ids})


def case_accounts(*, case: Case) -> list[str]:
    return sorted(set(case.alerts.values_list("account_id", flat=True)))


def counterparty_graph(
    *, rows: list[dict[str, Any]], subjects: list[str], max_edges: int = 400
) -> dict[str, Any]:
    """Transactions around the subject accounts as an ECharts graph: accounts are nodes, summed flows are links."""
    edges: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        cp = r["counterparty_account_id"] or "CASH"
        src, dst = (cp, r["account_id"]) if r["direction"] == "in" else (r["account_id"], cp)
        acc = edges.setdefault((src, dst), [0.0, 0])
        acc[0] += float(r["amount_cny"] or 0)
        acc[1] += 1
    top = sorted(edges.items(), key=lambda kv: -kv[1][0])[:max_edges]
    names = {n for (s, d), _ in top for n in (s, d)} | set(subjects)
    return {
        "nodes": [
            {
                "id": n,
                "name": n,
                "category": 0 if n in subjects else 1,
                "symbolSize": 28 if n in subjects else 14,
            }
            for n in sorted(names)
        ],
        "links": [
            {"source": s, "target": d, "value": round(v[0], 2), "count": int(v[1])} for (s, d), v in top
        ],
        "categories": [{"name": "subject"}, {"name": "counterparty"}],
    }


# --- reports -------------------------------------------------------------------------------------------------------


def lv_report_list(*, actor: Any, status: str = "") -> QuerySet[LargeValueReport]:
    qs = LargeValueReport.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    if status in ReportStatus.values:
        qs = qs.filter(status=status)
    return (
        qs.select_related("org_unit", "drafted_by", "approved_by")
        .annotate(hit_count=Count("alerts"))
        .order_by("status", "due_date", "-id")
    )


def str_report_list(*, actor: Any, status: str = "") -> QuerySet[SuspiciousReport]:
    qs = SuspiciousReport.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    if status in ReportStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "case", "drafted_by", "approved_by").order_by(
        "status", "due_date", "-id"
    )


def report_get(*, actor: Any, kind: str, pk: int) -> LargeValueReport | SuspiciousReport:
    qs: Any = (
        lv_report_list(actor=actor)
        if kind == "lv"
        else str_report_list(actor=actor)
        if kind == "str"
        else None
    )
    report = qs.filter(pk=pk).first() if qs is not None else None
    if report is None:
        raise NotFound(_("No such report, or it is outside your responsibility."))
    return report


# --- rule tuning ---------------------------------------------------------------------------------------------------


def rule_tuning(*, actor: Any, months: int = 6) -> dict[str, Any]:
    """Per rule: its last-run definition, alert volume by month, and the share of reviews that proved suspicious."""
    from django.db.models.functions import TruncMonth

    scope = access.scope_for(actor, perms.VIEW)
    alerts = Alert.objects.filter(scope.q("org_unit"))
    totals = {
        r["rule_id"]: r
        for r in alerts.values("rule_id").annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status=Alert.Status.OPEN)),
            false_positive=Count("id", filter=Q(resolution=Case.Disposition.FALSE_POSITIVE)),
            keep_monitoring=Count("id", filter=Q(resolution=Case.Disposition.KEEP_MONITORING)),
            suspicious=Count("id", filter=Q(resolution=Case.Disposition.SUSPICIOUS)),
        )
    }
    since = (timezone.localdate().replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    month_keys = []
    day = since
    while day <= timezone.localdate():
        month_keys.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    by_month: dict[str, dict[str, int]] = {}
    for row in (
        alerts.filter(created_at__date__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("rule_id", "month")
        .annotate(n=Count("id"))
    ):
        by_month.setdefault(row["rule_id"], {})[row["month"].strftime("%Y-%m")] = row["n"]
    last = (
        Run.objects.filter(scope.q("org_unit"), status=Run.Status.IMPORTED).order_by("-finished_at").first()
    )
    definitions = {r.get("id"): r for r in (last.manifest.get("rules", []) if last else [])}
    rows = []
    for rule_id in sorted(set(totals) | set(definitions)):
        t = totals.get(
            rule_id, {"total": 0, "open": 0, "false_positive": 0, "keep_monitoring": 0, "suspicious": 0}
        )
        reviewed = t["false_positive"] + t["keep_monitoring"] + t["suspicious"]
        rows.append(
            {
                "rule_id": rule_id,
                "definition": definitions.get(rule_id),
                **{k: t[k] for k in ("total", "open", "false_positive", "keep_monitoring", "suspicious")},
                "suspicious_share": round(100 * t["suspicious"] / reviewed, 1) if reviewed else None,
                "months": [by_month.get(rule_id, {}).get(m, 0) for m in month_keys],
            }
        )
    return {"months": month_keys, "rows": rows}


# --- rule and model governance -----------------------------------------------------------------------------------


def rule_change_list(
    *, actor: Any, status: str = "", rule_id: str = "", org_unit: int | None = None
) -> QuerySet[RuleChange]:
    """Rule changes in scope, newest first; optionally of one status, rule or org unit (the API's filters)."""
    qs = RuleChange.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    if status:
        qs = qs.filter(status=status)
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    if org_unit is not None:
        qs = qs.filter(org_unit_id=org_unit)
    return qs.select_related("org_unit", "proposed_by", "decided_by").order_by("-created_at", "-id")


def rule_change_get(*, actor: Any, pk: int) -> RuleChange:
    change = rule_change_list(actor=actor).filter(pk=pk).first()
    if change is None:
        raise NotFound(_("No such rule change, or it is outside your responsibility."))
    return change


def rule_configuration(*, actor: Any, org_unit: Any) -> list[dict[str, Any]]:
    """Each engine rule as runs of `org_unit` apply it: built-in definition, then the approved change in force."""
    from finassure.monitoring import rulebook

    in_force = rulebook.rules_in_force(org_unit=org_unit)
    rows = []
    for rule_id, rule in rulebook.builtin_rules().items():
        change = in_force.get(rule_id)
        rows.append(
            {
                "rule_id": rule_id,
                "title_zh": rule.title.get("zh-hans", ""),
                "severity": rule.severity,
                "engine_version": rule.version,
                "enabled": change.enabled if change else rule.enabled,
                "params": {**rule.params, **(change.params if change else {})},
                "changed": sorted(change.params) if change else [],
                "change": change,
            }
        )
    return rows


def model_list(*, actor: Any, role: str = "", org_unit: int | None = None) -> QuerySet[ModelVersion]:
    """Model versions in scope, newest first; optionally of one role or org unit (the API's filters)."""
    qs = ModelVersion.objects.filter(access.scope_for(actor, perms.VIEW).q("org_unit"))
    if role:
        qs = qs.filter(role=role)
    if org_unit is not None:
        qs = qs.filter(org_unit_id=org_unit)
    return qs.select_related("org_unit", "registered_by", "requested_by", "approved_by").order_by(
        "-created_at", "-id"
    )


def model_get(*, actor: Any, pk: int) -> ModelVersion:
    model = model_list(actor=actor).filter(pk=pk).first()
    if model is None:
        raise NotFound(_("No such model version, or it is outside your responsibility."))
    return model


def shadow_comparison_list(*, actor: Any) -> QuerySet[Run]:
    """Runs in scope that scored a shadow model next to the current one, newest first."""
    return (
        Run.objects.filter(
            access.scope_for(actor, perms.VIEW).q("org_unit"), models_used__comparison__isnull=False
        )
        .order_by("-created_at", "-id")
        .only("id", "created_at", "status", "models_used", "org_unit_id")
    )


def shadow_comparisons(*, actor: Any, limit: int = 20) -> list[Run]:
    """The most recent `limit` of them (the models page)."""
    return list(shadow_comparison_list(actor=actor)[:limit])


def case_attachment_get(*, actor: Any, case_pk: int, pk: int) -> CaseAttachment:
    """An attachment of a case the caller may see (404 otherwise, as for the case)."""
    case = case_get(actor=actor, pk=case_pk)
    attachment = CaseAttachment.objects.filter(case=case, pk=pk).select_related("case__org_unit").first()
    if attachment is None:
        raise NotFound(_("No such attachment."))
    return attachment


QUEUE_COUNT_CAP = 10_000


class CappedCount:
    """A queue queryset whose count stops just above `cap`, for the paginator.

    Counting a million open alerts exactly costs more than the page itself (~120–230 ms on PostgreSQL, see
    benchmarks/monitoring/RESULTS.md); nobody pages past the first few hundred alerts, so the page says
    "more than 10,000" and asks for filters instead. Slicing goes to the real queryset.
    """

    ordered = True

    def __init__(self, queryset: QuerySet[Alert], cap: int = QUEUE_COUNT_CAP) -> None:
        self.queryset, self.cap = queryset, cap
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.order_by().values("pk")[: self.cap + 1].count()
        return self._count

    @property
    def capped(self) -> bool:
        return self.count() > self.cap

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: Any) -> Any:
        return self.queryset[key]
