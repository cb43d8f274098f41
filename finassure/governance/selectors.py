"""Reads of governance, always scoped to the caller's org units: processes, policies, coverage, positions,
attestations, regulations and internal audit."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.framework.models import Indicator
from finassure.governance.models import (
    RISK_SCALE,
    Article,
    Attestation,
    AuditPlan,
    Control,
    ControlTest,
    Engagement,
    Finding,
    IncompatibleDuty,
    KeyRiskIndicator,
    KriValue,
    Policy,
    PolicyVersion,
    Position,
    Process,
    Product,
    ProductCondition,
    ProductReview,
    Regulation,
    Risk,
)
from finassure.governance.permissions import (
    MANAGE_AUDIT,
    MANAGE_POLICY,
    VIEW_AUDIT,
    VIEW_POLICY,
    VIEW_PRODUCT,
    VIEW_RISK,
)
from finassure.platform.errors import NotFound

# --- processes ----------------------------------------------------------------------------------


def process_list(*, actor: Any, search: str = "", business_line_id: int | None = None,
                 active: bool | None = None, perm: str = VIEW_POLICY) -> QuerySet[Process]:
    scope = access.scope_for(actor, perm)
    qs = Process.objects.filter(scope.q("org_unit")).select_related("org_unit", "business_line")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search) | Q(name_en__icontains=search))
    if business_line_id:
        qs = qs.filter(business_line_id=business_line_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("business_line_id", "code")


def process_get(*, actor: Any, pk: int, perm: str = VIEW_POLICY) -> Process:
    process = process_list(actor=actor, perm=perm).filter(pk=pk).first()
    if process is None:
        raise NotFound(_("No such business process."))
    return process


# --- policies -----------------------------------------------------------------------------------

POLICY_STATUSES = ("effective", "drafting", "retired")


def policy_list(*, actor: Any, search: str = "", kind: str = "", status: str = "", org_unit_id: int | None = None,
                review_overdue: bool = False, perm: str = VIEW_POLICY) -> QuerySet[Policy]:
    """Policies in the caller's scope; `status` is effective, drafting (none in force) or retired.

    To read (``VIEW_POLICY``), also the policies in force of the units above the caller's: a head office's
    policies bind its branches, whose staff read and attest them. Drafts stay with the unit that writes them.
    """
    qs = Policy.objects.filter(_policy_q(actor, perm)).select_related("org_unit", "effective_version")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(title__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if status == "effective":
        qs = qs.filter(effective_version__isnull=False)
    elif status == "drafting":
        qs = qs.filter(effective_version__isnull=True, is_retired=False)
    elif status == "retired":
        qs = qs.filter(is_retired=True)
    if org_unit_id:
        qs = qs.filter(org_unit_id=org_unit_id)
    if review_overdue:
        qs = qs.filter(review_due__lt=timezone.localdate(), is_retired=False)
    return qs.order_by("code")


def _policy_q(actor: Any, perm: str, prefix: str = "") -> Q:
    scope = access.scope_for(actor, perm)
    own = scope.q(f"{prefix}org_unit")
    if perm != VIEW_POLICY:  # managing, approving: the caller's own units only
        return own
    return own | Q(**{f"{prefix}org_unit_id__in": scope.ancestor_ids(), f"{prefix}effective_version__isnull": False})


def policy_is_inherited(*, actor: Any, policy: Policy) -> bool:
    """A policy the caller reads because a unit above theirs issued it (only its published versions show)."""
    return not access.scope_for(actor, VIEW_POLICY).covers(policy.org_unit)


def policy_get(*, actor: Any, pk: int, perm: str = VIEW_POLICY) -> Policy:
    policy = (policy_list(actor=actor, perm=perm).filter(pk=pk)
              .prefetch_related("processes", "positions").first())
    if policy is None:
        raise NotFound(_("No such policy."))
    return policy


#: the versions a reader outside the issuing unit sees: those that have been in force
PUBLISHED_VERSION_STATUSES = (PolicyVersion.Status.EFFECTIVE, PolicyVersion.Status.SUPERSEDED,
                              PolicyVersion.Status.RETIRED)


def policy_versions(*, policy: Policy, published_only: bool = False) -> QuerySet[PolicyVersion]:
    qs = policy.versions.select_related("author", "reviewer", "approver").order_by("-number")
    return qs.filter(status__in=PUBLISHED_VERSION_STATUSES) if published_only else qs


def policy_version_get(*, actor: Any, pk: int, perm: str = VIEW_POLICY) -> PolicyVersion:
    scope = access.scope_for(actor, perm)
    visible = scope.q("policy__org_unit")
    if perm == VIEW_POLICY:  # a published version of a policy in force issued above the caller's units
        visible |= _policy_q(actor, perm, "policy__") & Q(status__in=PUBLISHED_VERSION_STATUSES)
    version = (PolicyVersion.objects.filter(visible, pk=pk)
               .select_related("policy", "policy__org_unit", "author").first())
    if version is None:
        raise NotFound(_("No such policy version."))
    return version


def version_diff(*, old: PolicyVersion, new: PolicyVersion) -> list[tuple[str, str]]:
    """The line diff between two versions' text as (kind, line), kind one of ' ', '+', '-', '@'."""
    lines = difflib.unified_diff(old.body.splitlines(), new.body.splitlines(), f"v{old.number}", f"v{new.number}",
                                 lineterm="", n=2)
    result = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        result.append((line[:1] if line[:1] in "+-@" else " ", line[1:] if line[:1] in "+- " else line))
    return result


# --- coverage -----------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Processes with at least one policy in force ÷ processes in scope, and the gaps."""

    total: int
    covered: int
    gaps: list[Process] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else 100 * self.covered / self.total


def _in_force_on(day: dt.date) -> Q:
    return Q(effective_from__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def processes_in_scope(*, units: QuerySet[OrgUnit] | list[OrgUnit]) -> QuerySet[Process]:
    return Process.objects.filter(org_unit__in=units, is_active=True)


def covered_on(day: dt.date) -> Exists:
    """True for a process that some policy version covers and that is in force on `day`."""
    versions = PolicyVersion.objects.filter(_in_force_on(day), policy__processes=OuterRef("pk"))
    return Exists(versions)


def coverage_for_units(*, units: QuerySet[OrgUnit] | list[OrgUnit], day: dt.date | None = None) -> Coverage:
    day = day or timezone.localdate()
    processes = (processes_in_scope(units=units).annotate(is_covered=covered_on(day))
                 .select_related("business_line", "org_unit").order_by("business_line_id", "code"))
    rows = list(processes)
    return Coverage(total=len(rows), covered=sum(1 for p in rows if p.is_covered),
                    gaps=[p for p in rows if not p.is_covered])


def coverage_by_unit(*, actor: Any) -> tuple[Coverage, list[tuple[OrgUnit, Coverage]]]:
    """Coverage over the caller's scope, and per owning unit of processes."""
    scope = access.scope_for(actor, VIEW_POLICY)
    units = OrgUnit.objects.filter(scope.q(""))
    overall = coverage_for_units(units=units)
    per_unit: dict[int, Coverage] = {}
    unit_of: dict[int, OrgUnit] = {}
    for process in processes_in_scope(units=units).annotate(is_covered=covered_on(timezone.localdate())) \
            .select_related("org_unit"):
        entry = per_unit.setdefault(process.org_unit_id, Coverage(0, 0))
        unit_of[process.org_unit_id] = process.org_unit
        entry.total += 1
        if process.is_covered:
            entry.covered += 1
        else:
            entry.gaps.append(process)
    return overall, [(unit_of[k], v) for k, v in sorted(per_unit.items(), key=lambda kv: unit_of[kv[0]].path)]


# --- positions ----------------------------------------------------------------------------------


def position_list(*, actor: Any, search: str = "", perm: str = VIEW_POLICY) -> QuerySet[Position]:
    scope = access.scope_for(actor, perm)
    qs = Position.objects.filter(scope.q("org_unit")).select_related("org_unit").annotate(
        holder_count=Count("holders", distinct=True))
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs.order_by("org_unit__path", "code")


def position_get(*, actor: Any, pk: int, perm: str = VIEW_POLICY) -> Position:
    position = position_list(actor=actor, perm=perm).filter(pk=pk).prefetch_related("holders").first()
    if position is None:
        raise NotFound(_("No such position."))
    return position


@dataclass(frozen=True)
class DutyConflict:
    user: User
    pair: IncompatibleDuty


def duty_conflicts(*, actor: Any) -> list[DutyConflict]:
    """Staff who hold both positions of an incompatible pair (separation of duties), within scope."""
    scope = access.scope_for(actor, VIEW_POLICY)
    pairs = (IncompatibleDuty.objects.filter(scope.q("first__org_unit") | scope.q("second__org_unit"))
             .select_related("first", "second"))
    conflicts = []
    for pair in pairs:
        both = User.objects.filter(governance_positions=pair.first).filter(governance_positions=pair.second)
        conflicts += [DutyConflict(user, pair) for user in both.order_by("username")]
    return conflicts


def incompatible_duties(*, actor: Any) -> QuerySet[IncompatibleDuty]:
    scope = access.scope_for(actor, VIEW_POLICY)
    return IncompatibleDuty.objects.filter(scope.q("first__org_unit")).select_related("first", "second")


# --- attestation --------------------------------------------------------------------------------


def my_attestations(*, user: Any) -> QuerySet[Attestation]:
    return (Attestation.objects.filter(user=user).select_related("version", "version__policy")
            .order_by(F("confirmed_at").asc(nulls_first=True), "-created_at"))


def attestation_get_own(*, user: Any, pk: int) -> Attestation:
    attestation = my_attestations(user=user).filter(pk=pk).first()
    if attestation is None:
        raise NotFound(_("No such attestation."))
    return attestation


@dataclass
class Completion:
    unit: OrgUnit
    assigned: int
    confirmed: int

    @property
    def percent(self) -> float | None:
        return None if self.assigned == 0 else 100 * self.confirmed / self.assigned


def attestation_completion(*, actor: Any, version: PolicyVersion | None = None) -> list[Completion]:
    """Assigned and confirmed attestations per org unit, within the caller's scope."""
    scope = access.scope_for(actor, VIEW_POLICY)
    qs = Attestation.objects.filter(scope.q("org_unit"))
    if version is not None:
        qs = qs.filter(version=version)
    rows = (qs.values("org_unit").annotate(assigned=Count("pk"), confirmed=Count("pk", filter=Q(
        confirmed_at__isnull=False))).order_by())
    units = OrgUnit.objects.in_bulk([r["org_unit"] for r in rows])
    result = [Completion(units[r["org_unit"]], r["assigned"], r["confirmed"]) for r in rows]
    return sorted(result, key=lambda c: c.unit.path)


# --- regulations --------------------------------------------------------------------------------


def regulation_list(*, actor: Any) -> QuerySet[Regulation]:
    access.require(actor, VIEW_POLICY)
    return Regulation.objects.annotate(
        article_count=Count("articles", distinct=True),
        gap_count=Count("articles", filter=Q(articles__policies__isnull=True), distinct=True),
    ).order_by("code")


def regulation_get(*, actor: Any, pk: int) -> Regulation:
    regulation = regulation_list(actor=actor).filter(pk=pk).first()
    if regulation is None:
        raise NotFound(_("No such regulation."))
    return regulation


def regulation_articles(*, actor: Any, regulation: Regulation) -> QuerySet[Article]:
    """Articles with the policies (in the caller's scope) mapped to them."""
    scope = access.scope_for(actor, VIEW_POLICY)
    return regulation.articles.prefetch_related(
        Prefetch("policies", queryset=Policy.objects.filter(scope.q("org_unit")).order_by("code"))
    ).order_by("order")


def article_get(*, actor: Any, pk: int) -> Article:
    access.require(actor, VIEW_POLICY)
    article = Article.objects.filter(pk=pk).select_related("regulation").first()
    if article is None:
        raise NotFound(_("No such article."))
    return article


def article_gaps(*, actor: Any) -> QuerySet[Article]:
    """Articles no policy implements."""
    access.require(actor, VIEW_POLICY)
    return Article.objects.filter(policies__isnull=True).select_related("regulation").order_by(
        "regulation__code", "order")


# --- internal audit -----------------------------------------------------------------------------


def audit_plan_list(*, actor: Any, perm: str = VIEW_AUDIT) -> QuerySet[AuditPlan]:
    scope = access.scope_for(actor, perm)
    return AuditPlan.objects.filter(scope.q("org_unit")).select_related("org_unit").order_by("-year", "-quarter")


def audit_plan_get(*, actor: Any, pk: int, perm: str = VIEW_AUDIT) -> AuditPlan:
    plan = audit_plan_list(actor=actor, perm=perm).filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("No such audit plan."))
    return plan


def engagement_list(*, actor: Any, search: str = "", status: str = "", year: int | None = None,
                    quarter: int | None = None, perm: str = VIEW_AUDIT) -> QuerySet[Engagement]:
    scope = access.scope_for(actor, perm)
    qs = (Engagement.objects.filter(scope.q("org_unit")).select_related("org_unit", "plan", "lead")
          .annotate(finding_count=Count("findings")))
    if search:
        qs = qs.filter(title__icontains=search)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(plan__year=year)
    if quarter:
        qs = qs.filter(plan__quarter=quarter)
    return qs.order_by("-starts_on", "-pk")


def engagement_get(*, actor: Any, pk: int, perm: str = VIEW_AUDIT) -> Engagement:
    engagement = engagement_list(actor=actor, perm=perm).filter(pk=pk).prefetch_related("processes").first()
    if engagement is None:
        raise NotFound(_("No such audit engagement."))
    return engagement


def findings_of(*, engagement: Engagement) -> QuerySet[Finding]:
    return engagement.findings.select_related("owner").order_by("-created_at")


def quarters_without_audit(*, actor: Any, year: int) -> list[int]:
    """Quarters of `year` in which no engagement in scope has issued its report."""
    done = set(engagement_list(actor=actor).filter(reported_on__year=year).values_list("plan__quarter", flat=True))
    return [q for q in (1, 2, 3, 4) if q not in done]


def can(actor: Any, perm: str, unit: OrgUnit | None = None) -> bool:
    return access.has_perm(actor, perm, unit)


def manage_units(*, actor: Any, perm: str = MANAGE_POLICY) -> QuerySet[OrgUnit]:
    return access.org_unit_list(actor=actor, perm=perm)


def audit_units(*, actor: Any) -> QuerySet[OrgUnit]:
    return access.org_unit_list(actor=actor, perm=MANAGE_AUDIT)


def attestation_counts_by_version(*, versions: list[PolicyVersion]) -> dict[int, tuple[int, int]]:
    counts: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    rows = (Attestation.objects.filter(version__in=versions).values("version")
            .annotate(n=Count("pk"), done=Count("pk", filter=Q(confirmed_at__isnull=False))).order_by())
    for row in rows:
        counts[row["version"]] = (row["n"], row["done"])
    return counts


# --- risk register ------------------------------------------------------------------------------

LEVEL_SCORES = {"low": (1, 4), "medium": (5, 9), "high": (10, 16), "extreme": (20, 25)}


def risk_list(*, actor: Any, search: str = "", category: str = "", level: str = "",
              perm: str = VIEW_RISK) -> QuerySet[Risk]:
    """Risks in scope; `level` filters on the residual rating."""
    scope = access.scope_for(actor, perm)
    qs = (Risk.objects.filter(scope.q("org_unit")).select_related("org_unit", "owner")
          .annotate(residual_score_db=F("residual_likelihood") * F("residual_impact"),
                    kri_breaches=Count("kris__values", filter=Q(kris__values__status="breach"), distinct=True)))
    if search:
        qs = qs.filter(title__icontains=search)
    if category:
        qs = qs.filter(category=category)
    if level in LEVEL_SCORES:
        low, high = LEVEL_SCORES[level]
        qs = qs.filter(residual_score_db__gte=low, residual_score_db__lte=high)
    return qs.order_by("-residual_score_db", "title")


def risk_get(*, actor: Any, pk: int, perm: str = VIEW_RISK) -> Risk:
    risk = (risk_list(actor=actor, perm=perm).filter(pk=pk)
            .prefetch_related("controls", "policies").select_related("accepted_by").first())
    if risk is None:
        raise NotFound(_("No such risk."))
    return risk


def heat_map(*, actor: Any, residual: bool = True) -> list[list[int]]:
    """Counts of risks in scope per [likelihood-1][impact-1] cell of the 5 × 5 matrix."""
    scope = access.scope_for(actor, VIEW_RISK)
    prefix = "residual" if residual else "inherent"
    cells = [[0] * RISK_SCALE for _ in range(RISK_SCALE)]
    rows = (Risk.objects.filter(scope.q("org_unit")).values(f"{prefix}_likelihood", f"{prefix}_impact")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        cells[row[f"{prefix}_likelihood"] - 1][row[f"{prefix}_impact"] - 1] = row["n"]
    return cells


def kris_of(*, risk: Risk) -> list[KeyRiskIndicator]:
    """The risk's KRIs, each with its latest values (`recent`, newest first)."""
    return list(KeyRiskIndicator.objects.filter(risk=risk).order_by("name").select_related("indicator").prefetch_related(
        Prefetch("values", queryset=KriValue.objects.order_by("-measured_on"), to_attr="recent")))


def kri_get(*, actor: Any, pk: int, perm: str = VIEW_RISK) -> KeyRiskIndicator:
    scope = access.scope_for(actor, perm)
    kri = KeyRiskIndicator.objects.filter(scope.q("org_unit"), pk=pk).select_related("risk", "org_unit").first()
    if kri is None:
        raise NotFound(_("No such key risk indicator."))
    return kri


def linkable_indicators() -> QuerySet[Indicator]:
    """The active framework indicators a KRI may be fed from."""
    return Indicator.objects.filter(is_active=True).order_by("key")


def control_list(*, actor: Any, search: str = "", perm: str = VIEW_RISK) -> QuerySet[Control]:
    scope = access.scope_for(actor, perm)
    qs = (Control.objects.filter(scope.q("org_unit")).select_related("org_unit", "owner")
          .annotate(risk_count=Count("risks", distinct=True)))
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return qs.order_by("code")


def control_get(*, actor: Any, pk: int, perm: str = VIEW_RISK) -> Control:
    control = control_list(actor=actor, perm=perm).filter(pk=pk).prefetch_related("processes", "risks").first()
    if control is None:
        raise NotFound(_("No such control."))
    return control


def control_tests(*, control: Control) -> QuerySet[ControlTest]:
    return control.tests.select_related("tester").order_by("-tested_on", "-pk")


# --- products -----------------------------------------------------------------------------------


def product_list(*, actor: Any, search: str = "", status: str = "", product_line: str = "",
                 perm: str = VIEW_PRODUCT) -> QuerySet[Product]:
    scope = access.scope_for(actor, perm)
    qs = Product.objects.filter(scope.q("org_unit")).select_related("org_unit", "proposer", "approver")
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if product_line:
        qs = qs.filter(product_line=product_line)
    return qs.order_by("org_unit__path", "code")


def product_get(*, actor: Any, pk: int, perm: str = VIEW_PRODUCT) -> Product:
    product = (product_list(actor=actor, perm=perm).filter(pk=pk)
               .prefetch_related("processes", "policies", "risks").first())
    if product is None:
        raise NotFound(_("No such product."))
    return product


def product_reviews(*, product: Product) -> QuerySet[ProductReview]:
    """Every review of every round, the current round first."""
    return product.reviews.select_related("reviewer").order_by("-round", "kind")


def product_conditions(*, product: Product) -> list[tuple[ProductCondition, Any]]:
    """The approval's conditions, each with the corrective action that follows it up (None if missing)."""
    from finassure.framework import selectors as framework_selectors

    return [(c, framework_selectors.corrective_actions_for(source=c).first())
            for c in product.conditions.select_related("owner")]


@dataclass
class ProductComplaints:
    """Complaints about a product's product line in its unit's subtree, as the caller may see them."""

    total: int
    open: int
    last_90_days: int
    recent: list[Any]


def product_complaints(*, actor: Any, product: Product, recent: int = 5) -> ProductComplaints | None:
    """Read through the service module's selectors, so its scope applies; None for callers who may not read
    complaints at all. Complaints carry a product line, not a product: this is the product line's feedback."""
    from finassure.service import selectors as service_selectors
    from finassure.service.models import Complaint
    from finassure.service.perms import VIEW as VIEW_COMPLAINT

    if not access.has_perm(actor, VIEW_COMPLAINT):
        return None
    qs = (service_selectors.complaint_list(actor=actor, filters=service_selectors.ComplaintFilter(
        product_line=product.product_line)).filter(org_unit__path__startswith=product.org_unit.path))
    qs = qs.filter(merged_into__isnull=True)  # a repeat complaint merged into another is counted once, there
    since = timezone.now() - dt.timedelta(days=90)
    counts = qs.order_by().aggregate(total=Count("pk"), open=Count("pk", filter=Q(status__in=Complaint.OPEN_STATUSES)),
                                     recent=Count("pk", filter=Q(received_at__gte=since)))
    return ProductComplaints(total=counts["total"], open=counts["open"], last_90_days=counts["recent"],
                             recent=list(qs.prefetch_related(None)[:recent]))
