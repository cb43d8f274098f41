"""API of governance: processes, policies and their versions, coverage, attestations, regulations, audits, risks,
products."""


import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, User
from finassure.governance import selectors, services
from finassure.governance.models import Finding, Policy, Product, ProductReview, Risk
from finassure.governance.permissions import (
    APPROVE_PRODUCT,
    MANAGE_AUDIT,
    MANAGE_POLICY,
    MANAGE_PRODUCT,
    MANAGE_RISK,
    REVIEW_PRODUCT,
    VIEW_AUDIT,
    VIEW_POLICY,
    VIEW_PRODUCT,
    VIEW_RISK,
)
from finassure.platform.api import DbId, PageNumber, Quarter, Year
from finassure.platform.errors import NotFound, ValidationFailed
from finassure.service.models import ProductLine

router = Router(tags=["governance"])


class ProcessOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    business_line_id: int
    org_unit_id: int
    is_active: bool


class ProcessIn(Schema):
    org_unit_id: DbId
    business_line_id: DbId
    code: str = Field(..., min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    description: str = ""


class VersionOut(Schema):
    id: int
    number: int
    status: str
    change_summary: str
    author_id: int
    reviewer_id: int | None
    reviewed_at: dt.datetime | None
    approver_id: int | None
    approved_at: dt.datetime | None
    effective_from: dt.date | None
    ended_on: dt.date | None


class PolicyOut(Schema):
    id: int
    code: str
    title: str
    kind: Policy.Kind
    org_unit_id: int
    review_due: dt.date | None
    effective_version_id: int | None
    is_retired: bool


class PolicyDetailOut(PolicyOut):
    process_ids: list[int]
    position_ids: list[int]
    versions: list[VersionOut]


class PolicyIn(Schema):
    org_unit_id: DbId
    code: str = Field(..., min_length=1, max_length=60)
    title: str = Field(..., min_length=1, max_length=300)
    kind: Policy.Kind
    body: str = Field(..., min_length=1)
    process_ids: list[DbId] = []
    position_ids: list[DbId] = []
    review_due: dt.date | None = None


class VersionIn(Schema):
    body: str = Field(..., min_length=1)
    change_summary: str = Field(..., min_length=1, max_length=500)


class ReviewIn(Schema):
    accept: bool
    comment: str = ""


class PublishIn(Schema):
    effective_from: dt.date


class GapOut(Schema):
    id: int
    code: str
    name: str
    org_unit_id: int


class CoverageOut(Schema):
    percent: float | None
    covered: int
    total: int
    gaps: list[GapOut]


class AttestationOut(Schema):
    id: int
    version_id: int
    policy_id: int = Field(..., alias="version.policy_id")
    policy_title: str = Field(..., alias="version.policy.title")
    confirmed_at: dt.datetime | None


class ArticleOut(Schema):
    id: int
    regulation_id: int
    regulation: str = Field(..., alias="regulation.title")
    number: str
    summary: str


class RegulationOut(Schema):
    id: int
    code: str
    title: str
    issuer: str
    document_number: str
    effective_on: dt.date | None
    article_count: int
    gap_count: int


class EngagementOut(Schema):
    id: int
    plan_id: int
    year: int = Field(..., alias="plan.year")
    quarter: int = Field(..., alias="plan.quarter")
    org_unit_id: int
    title: str
    lead_id: int
    status: str
    starts_on: dt.date
    reported_on: dt.date | None
    finding_count: int


class FindingOut(Schema):
    id: int
    engagement_id: int
    title: str
    severity: Finding.Severity
    condition: str
    recommendation: str
    owner_id: int
    due: dt.date


class FindingIn(Schema):
    title: str = Field(..., min_length=1, max_length=300)
    severity: Finding.Severity
    criteria: str = ""
    condition: str = Field(..., min_length=1)
    cause: str = ""
    effect: str = ""
    recommendation: str = Field(..., min_length=1)
    owner_id: DbId
    due: dt.date


# --- processes ----------------------------------------------------------------------------------


@router.get("/governance/processes", response=list[ProcessOut])
@paginate(PageNumber)
def governance_list_processes(request: HttpRequest, q: str = "", business_line: DbId | None = None,
                              active: bool | None = None) -> Any:
    access.require(request.user, VIEW_POLICY)
    return selectors.process_list(actor=request.user, search=q, business_line_id=business_line, active=active)


@router.post("/governance/processes", response={201: ProcessOut})
def governance_create_process(request: HttpRequest, payload: ProcessIn) -> Any:
    access.require(request.user, MANAGE_POLICY)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=MANAGE_POLICY)
    line = BusinessLine.objects.filter(pk=payload.business_line_id, institution_id=unit.institution_id).first()
    if line is None:
        raise ValidationFailed(_("No such business line."), fields={"business_line_id": [_("No such business line.")]})
    process = services.process_create(actor=request.user, org_unit=unit, business_line=line, code=payload.code,
                                      name=payload.name, name_en=payload.name_en, description=payload.description)
    return Status(201, process)


# --- policies -----------------------------------------------------------------------------------


@router.get("/governance/policies", response=list[PolicyOut])
@paginate(PageNumber)
def governance_list_policies(request: HttpRequest, q: str = "", kind: str = "", status: str = "",
                             org_unit: DbId | None = None, review_overdue: bool = False) -> Any:
    access.require(request.user, VIEW_POLICY)
    return selectors.policy_list(actor=request.user, search=q, kind=kind, status=status, org_unit_id=org_unit,
                                 review_overdue=review_overdue)


def _detail(policy: Policy, actor: Any) -> dict[str, Any]:
    inherited = selectors.policy_is_inherited(actor=actor, policy=policy)  # issued above: published versions only
    return {**PolicyOut.from_orm(policy).dict(),
            "process_ids": [p.pk for p in policy.processes.all()],
            "position_ids": [p.pk for p in policy.positions.all()],
            "versions": list(selectors.policy_versions(policy=policy, published_only=inherited))}


@router.get("/governance/policies/{policy_id}", response=PolicyDetailOut)
def governance_get_policy(request: HttpRequest, policy_id: DbId) -> Any:
    return _detail(selectors.policy_get(actor=request.user, pk=policy_id), request.user)


@router.post("/governance/policies", response={201: PolicyDetailOut})
def governance_create_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    access.require(request.user, MANAGE_POLICY)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=MANAGE_POLICY)
    processes = list(selectors.process_list(actor=request.user).filter(pk__in=payload.process_ids))
    positions = list(selectors.position_list(actor=request.user).filter(pk__in=payload.position_ids))
    if len(processes) != len(set(payload.process_ids)):
        raise ValidationFailed(_("Unknown process."), fields={"process_ids": [_("Unknown process.")]})
    if len(positions) != len(set(payload.position_ids)):
        raise ValidationFailed(_("Unknown position."), fields={"position_ids": [_("Unknown position.")]})
    policy = services.policy_create(actor=request.user, org_unit=unit, code=payload.code, title=payload.title,
                                    kind=payload.kind.value, body=payload.body, processes=processes,
                                    positions=positions, review_due=payload.review_due)
    return Status(201, _detail(policy, request.user))


@router.post("/governance/policies/{policy_id}/versions", response={201: VersionOut})
def governance_create_version(request: HttpRequest, policy_id: DbId, payload: VersionIn) -> Any:
    policy = selectors.policy_get(actor=request.user, pk=policy_id)
    version = services.policy_version_create(actor=request.user, policy=policy, body=payload.body,
                                             change_summary=payload.change_summary)
    return Status(201, version)


@router.post("/governance/versions/{version_id}/submit", response=VersionOut)
def governance_submit_version(request: HttpRequest, version_id: DbId) -> Any:
    version = selectors.policy_version_get(actor=request.user, pk=version_id)
    return services.policy_version_submit(actor=request.user, version=version)


@router.post("/governance/versions/{version_id}/review", response=VersionOut)
def governance_review_version(request: HttpRequest, version_id: DbId, payload: ReviewIn) -> Any:
    version = selectors.policy_version_get(actor=request.user, pk=version_id)
    return services.policy_version_review(actor=request.user, version=version, accept=payload.accept,
                                          comment=payload.comment)


@router.post("/governance/versions/{version_id}/approve", response=VersionOut)
def governance_approve_version(request: HttpRequest, version_id: DbId) -> Any:
    version = selectors.policy_version_get(actor=request.user, pk=version_id)
    return services.policy_version_approve(actor=request.user, version=version)


@router.post("/governance/versions/{version_id}/publish", response=VersionOut)
def governance_publish_version(request: HttpRequest, version_id: DbId, payload: PublishIn) -> Any:
    version = selectors.policy_version_get(actor=request.user, pk=version_id)
    return services.policy_version_publish(actor=request.user, version=version,
                                           effective_from=payload.effective_from)


@router.get("/governance/coverage", response=CoverageOut)
def governance_coverage(request: HttpRequest) -> Any:
    access.require(request.user, VIEW_POLICY)
    overall, _ = selectors.coverage_by_unit(actor=request.user)
    return {"percent": overall.percent, "covered": overall.covered, "total": overall.total, "gaps": overall.gaps}


# --- attestation and regulations ----------------------------------------------------------------


@router.get("/governance/attestations", response=list[AttestationOut])
def governance_my_attestations(request: HttpRequest) -> Any:
    access.require(request.user, VIEW_POLICY)
    return list(selectors.my_attestations(user=request.user))


@router.post("/governance/attestations/{attestation_id}/confirm", response=AttestationOut)
def governance_confirm_attestation(request: HttpRequest, attestation_id: DbId) -> Any:
    attestation = selectors.attestation_get_own(user=request.user, pk=attestation_id)
    return services.attestation_confirm(actor=request.user, attestation=attestation)


@router.get("/governance/regulations", response=list[RegulationOut])
def governance_list_regulations(request: HttpRequest) -> Any:
    return list(selectors.regulation_list(actor=request.user))


@router.get("/governance/regulations/gaps", response=list[ArticleOut])
def governance_regulation_gaps(request: HttpRequest) -> Any:
    return list(selectors.article_gaps(actor=request.user))


# --- internal audit -----------------------------------------------------------------------------


@router.get("/governance/audits", response=list[EngagementOut])
@paginate(PageNumber)
def governance_list_audits(request: HttpRequest, q: str = "", status: str = "", year: Year | None = None,
                           quarter: Quarter | None = None) -> Any:
    access.require(request.user, VIEW_AUDIT)
    return selectors.engagement_list(actor=request.user, search=q, status=status, year=year, quarter=quarter)


@router.get("/governance/audits/{engagement_id}", response=EngagementOut)
def governance_get_audit(request: HttpRequest, engagement_id: DbId) -> Any:
    access.require(request.user, VIEW_AUDIT)
    return selectors.engagement_get(actor=request.user, pk=engagement_id)


@router.post("/governance/audits/{engagement_id}/findings", response={201: FindingOut})
def governance_create_finding(request: HttpRequest, engagement_id: DbId, payload: FindingIn) -> Any:
    access.require(request.user, MANAGE_AUDIT)
    engagement = selectors.engagement_get(actor=request.user, pk=engagement_id, perm=MANAGE_AUDIT)
    owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
    if owner is None:
        raise NotFound(_("No such user."))
    finding = services.finding_create(
        actor=request.user, engagement=engagement, title=payload.title, severity=payload.severity.value,
        criteria=payload.criteria, condition=payload.condition, cause=payload.cause, effect=payload.effect,
        recommendation=payload.recommendation, owner=owner, due=payload.due)
    return Status(201, finding)


# --- risk register ------------------------------------------------------------------------------


class RiskOut(Schema):
    id: int
    title: str
    category: Risk.Category
    org_unit_id: int
    inherent_likelihood: int
    inherent_impact: int
    residual_likelihood: int
    residual_impact: int
    residual_score: int
    treatment: Risk.Treatment
    owner_id: int
    review_due: dt.date | None
    accepted_by_id: int | None
    accepted_at: dt.datetime | None


class RiskIn(Schema):
    org_unit_id: DbId
    title: str = Field(..., min_length=1, max_length=300)
    category: Risk.Category
    description: str = ""
    inherent_likelihood: int = Field(..., ge=1, le=5)
    inherent_impact: int = Field(..., ge=1, le=5)
    residual_likelihood: int = Field(..., ge=1, le=5)
    residual_impact: int = Field(..., ge=1, le=5)
    treatment: Risk.Treatment
    owner_id: DbId
    review_due: dt.date | None = None


class KriValueIn(Schema):
    measured_on: dt.date
    value: Decimal


class KriValueOut(Schema):
    id: int
    kri_id: int
    measured_on: dt.date
    value: Decimal
    status: str


class HeatMapOut(Schema):
    residual: list[list[int]]
    inherent: list[list[int]]


@router.get("/governance/risks", response=list[RiskOut])
@paginate(PageNumber)
def governance_list_risks(request: HttpRequest, q: str = "", category: str = "", level: str = "") -> Any:
    access.require(request.user, VIEW_RISK)
    return selectors.risk_list(actor=request.user, search=q, category=category, level=level)


@router.get("/governance/risks/heat-map", response=HeatMapOut)
def governance_risk_heat_map(request: HttpRequest) -> Any:
    access.require(request.user, VIEW_RISK)
    return {"residual": selectors.heat_map(actor=request.user),
            "inherent": selectors.heat_map(actor=request.user, residual=False)}


@router.get("/governance/risks/{risk_id}", response=RiskOut)
def governance_get_risk(request: HttpRequest, risk_id: DbId) -> Any:
    access.require(request.user, VIEW_RISK)
    return selectors.risk_get(actor=request.user, pk=risk_id)


@router.post("/governance/risks", response={201: RiskOut})
def governance_create_risk(request: HttpRequest, payload: RiskIn) -> Any:
    access.require(request.user, MANAGE_RISK)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=MANAGE_RISK)
    owner = User.objects.filter(pk=payload.owner_id, org_unit__institution_id=unit.institution_id).first()
    if owner is None:
        raise ValidationFailed(_("No such user."), fields={"owner_id": [_("No such user.")]})
    values = payload.dict(exclude={"org_unit_id", "owner_id"})
    values.update(category=payload.category.value, treatment=payload.treatment.value)
    return Status(201, services.risk_create(actor=request.user, org_unit=unit, owner=owner, **values))


@router.post("/governance/kris/{kri_id}/values", response={201: KriValueOut})
def governance_record_kri_value(request: HttpRequest, kri_id: DbId, payload: KriValueIn) -> Any:
    access.require(request.user, MANAGE_RISK)
    kri = selectors.kri_get(actor=request.user, pk=kri_id, perm=MANAGE_RISK)
    return Status(201, services.kri_record_value(actor=request.user, kri=kri, measured_on=payload.measured_on,
                                                 value=payload.value))


# --- products -----------------------------------------------------------------------------------


class ProductReviewOut(Schema):
    id: int
    round: int
    kind: str
    reviewer_id: int
    checklist: dict[str, bool]
    result: str
    comment: str


class ProductOut(Schema):
    id: int
    org_unit_id: int
    code: str
    name: str
    kind: str
    product_line: str
    description: str
    status: str
    round: int
    proposer_id: int
    approver_id: int | None
    decided_at: dt.datetime | None
    launched_on: dt.date | None
    post_launch_review_due: dt.date | None
    post_launch_reviewed_on: dt.date | None


class ProductDetailOut(ProductOut):
    process_ids: list[int]
    policy_ids: list[int]
    risk_ids: list[int]
    reviews: list[ProductReviewOut]


class ProductIn(Schema):
    org_unit_id: DbId
    code: str = Field(..., min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=300)
    kind: Product.Kind = Product.Kind.NEW
    product_line: ProductLine
    description: str = ""
    process_ids: list[DbId] = []
    policy_ids: list[DbId] = []
    risk_ids: list[DbId] = []


class ProductReviewIn(Schema):
    checklist: dict[str, bool]
    result: ProductReview.Result
    comment: str = ""


class ConditionIn(Schema):
    text: str = Field(..., min_length=1, max_length=300)
    owner_id: DbId
    due: dt.date


class ProductDecisionIn(Schema):
    approve: bool
    note: str = Field(..., min_length=1)
    post_launch_review_due: dt.date | None = None
    conditions: list[ConditionIn] = []


def _product_detail(product: Product) -> dict[str, Any]:
    return {**ProductOut.from_orm(product).dict(),
            "process_ids": [p.pk for p in product.processes.all()],
            "policy_ids": [p.pk for p in product.policies.all()],
            "risk_ids": [r.pk for r in product.risks.all()],
            "reviews": list(selectors.product_reviews(product=product))}


def _picked(found: Any, wanted: list[int], field: str) -> list[Any]:
    items = list(found.filter(pk__in=wanted))
    if len(items) != len(set(wanted)):
        message = _("Unknown id in %(field)s.") % {"field": field}
        raise ValidationFailed(message, fields={field: [message]})
    return items


@router.get("/governance/products", response=list[ProductOut])
@paginate(PageNumber)
def governance_list_products(request: HttpRequest, q: str = "", status: str = "", product_line: str = "") -> Any:
    access.require(request.user, VIEW_PRODUCT)
    return selectors.product_list(actor=request.user, search=q, status=status, product_line=product_line)


@router.get("/governance/products/{product_id}", response=ProductDetailOut)
def governance_get_product(request: HttpRequest, product_id: DbId) -> Any:
    access.require(request.user, VIEW_PRODUCT)
    return _product_detail(selectors.product_get(actor=request.user, pk=product_id))


@router.post("/governance/products", response={201: ProductDetailOut})
def governance_create_product(request: HttpRequest, payload: ProductIn) -> Any:
    access.require(request.user, MANAGE_PRODUCT)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=MANAGE_PRODUCT)
    product = services.product_create(
        actor=request.user, org_unit=unit, code=payload.code, name=payload.name, kind=payload.kind.value,
        product_line=payload.product_line.value, description=payload.description,
        processes=_picked(selectors.process_list(actor=request.user), payload.process_ids, "process_ids"),
        policies=_picked(selectors.policy_list(actor=request.user), payload.policy_ids, "policy_ids"),
        risks=_picked(selectors.risk_list(actor=request.user), payload.risk_ids, "risk_ids"))
    return Status(201, _product_detail(product))


@router.post("/governance/products/{product_id}/submit", response=ProductOut)
def governance_submit_product(request: HttpRequest, product_id: DbId) -> Any:
    access.require(request.user, MANAGE_PRODUCT)
    product = selectors.product_get(actor=request.user, pk=product_id, perm=MANAGE_PRODUCT)
    return services.product_submit(actor=request.user, product=product)


@router.post("/governance/products/{product_id}/reviews/{kind}", response={201: ProductReviewOut})
def governance_review_product(request: HttpRequest, product_id: DbId, kind: ProductReview.Kind,
                              payload: ProductReviewIn) -> Any:
    access.require(request.user, REVIEW_PRODUCT)
    product = selectors.product_get(actor=request.user, pk=product_id, perm=REVIEW_PRODUCT)
    return Status(201, services.product_review_record(actor=request.user, product=product, kind=kind.value,
                                                      checklist=payload.checklist, result=payload.result.value,
                                                      comment=payload.comment))


@router.post("/governance/products/{product_id}/decision", response=ProductOut)
def governance_decide_product(request: HttpRequest, product_id: DbId, payload: ProductDecisionIn) -> Any:
    access.require(request.user, APPROVE_PRODUCT)
    product = selectors.product_get(actor=request.user, pk=product_id, perm=APPROVE_PRODUCT)
    owners = User.objects.in_bulk([c.owner_id for c in payload.conditions])
    conditions = []
    for c in payload.conditions:
        owner = owners.get(c.owner_id)
        if owner is None or owner.org_unit is None or owner.org_unit.institution_id != product.org_unit.institution_id:
            raise ValidationFailed(_("No such user."), fields={"conditions": [_("No such user.")]})
        conditions.append(services.Condition(c.text, owner, c.due))
    return services.product_decide(actor=request.user, product=product, approve=payload.approve, note=payload.note,
                                   post_launch_review_due=payload.post_launch_review_due, conditions=conditions)
