"""REST API of rule and model governance: the rules in force per unit, rule changes and model roles, four eyes.

A thin router over the same services (`rulebook`) and selectors as the Rules and Models pages: a change is
proposed by one person and approved or rejected by another holding `monitoring.approve_rule_change`; the
proposer is refused (409). As everywhere in the API, a request the services refuse (unknown rule, parameters the
rule does not have or of the wrong kind, no reason) answers 400 and one the schema refuses 422, in the one error
shape.
"""

import datetime as dt
import json
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from finassure.accounts import selectors as access
from finassure.monitoring import perms, rulebook, selectors
from finassure.platform.api import DbId, PageNumber
from finassure.platform.errors import NotFound

router = Router(tags=["monitoring"])

#: Free text: PostgreSQL text cannot hold U+0000, so a NUL is a 422 here rather than a database error (a 500).
NO_NUL = r"^[^\x00]*$"


def _no_nul(value: Any) -> Any:
    """Refuse a NUL anywhere in a JSON value (keys and strings alike)."""
    if "\\u0000" in json.dumps(value):
        raise ValueError("must not contain the NUL character")
    return value


# --- rules ---------------------------------------------------------------------------------------------------------


class AppliedChangeOut(Schema):
    id: int
    version: int
    org_unit_id: int
    decided_by_id: int | None
    decided_at: dt.datetime | None


class RuleOut(Schema):
    rule_id: str
    title_zh: str
    severity: str
    engine_version: int
    enabled: bool
    params: dict[str, Any] = Field(..., description="the parameters runs use: built-in ones, then the approved change")
    changed: list[str] = Field(..., description="the parameters the approved change sets")
    change: AppliedChangeOut | None = Field(..., description="the approved change in force; null: built-in rule")


class RuleConfigurationOut(Schema):
    org_unit_id: int
    rules: list[RuleOut]


class RuleChangeOut(Schema):
    id: int
    org_unit_id: int
    rule_id: str
    version: int
    enabled: bool
    params: dict[str, Any]
    reason: str
    status: str
    proposed_by_id: int
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str
    created_at: dt.datetime


class RuleChangeQuery(Schema):
    status: Literal["", "proposed", "approved", "rejected"] = ""
    rule_id: str = Field("", max_length=64, pattern=NO_NUL)
    org_unit: DbId | None = None


class RuleChangeIn(Schema):
    org_unit_id: DbId
    rule_id: str = Field(..., min_length=1, max_length=64, pattern=NO_NUL)
    enabled: bool = True
    params: dict[str, Any] = Field(
        default_factory=dict,
        max_length=50,
        description='only what differs from the engine\'s built-in parameters, e.g. {"cny_threshold": 45000}',
    )
    reason: str = Field(..., max_length=4000, pattern=NO_NUL)

    @field_validator("params")
    @classmethod
    def _params_without_nul(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _no_nul(value)  # type: ignore[no-any-return]


class DecisionIn(Schema):
    note: str = Field("", max_length=4000, pattern=NO_NUL, description="required to reject: what must change")


@router.get("/monitoring/rules", response=RuleConfigurationOut)
def list_rules(request: HttpRequest, org_unit: DbId | None = None) -> Any:
    """Each engine rule as runs of `org_unit` apply it (default: the caller's first unit): switch, parameters and
    the approved change in force (the nearest unit up the tree wins)."""
    access.require(request.user, perms.VIEW)
    units = access.org_unit_list(actor=request.user, perm=perms.VIEW)
    unit = units.filter(pk=org_unit).first() if org_unit is not None else units.first()
    if unit is None:
        raise NotFound(_("No such org unit."))
    return {"org_unit_id": unit.pk, "rules": selectors.rule_configuration(actor=request.user, org_unit=unit)}


@router.get("/monitoring/rule-changes", response=list[RuleChangeOut])
@paginate(PageNumber)
def list_rule_changes(request: HttpRequest, filters: Query[RuleChangeQuery]) -> Any:
    """Versions of rule configurations, newest first: pending (`status=proposed`), approved and rejected."""
    access.require(request.user, perms.VIEW)
    return selectors.rule_change_list(actor=request.user, **filters.dict())


@router.get("/monitoring/rule-changes/{int:pk}", response=RuleChangeOut)
def get_rule_change(request: HttpRequest, pk: DbId) -> Any:
    return selectors.rule_change_get(actor=request.user, pk=pk)


@router.post("/monitoring/rule-changes", response={201: RuleChangeOut})
def propose_rule_change(request: HttpRequest, payload: RuleChangeIn) -> Any:
    """Propose a new version of a rule's switch and parameters for a unit; it applies once someone else approves."""
    access.require(request.user, perms.TUNE)
    unit = access.org_unit_get(actor=request.user, pk=payload.org_unit_id, perm=perms.TUNE)
    change = rulebook.rule_change_propose(
        actor=request.user,
        org_unit=unit,
        rule_id=payload.rule_id,
        enabled=payload.enabled,
        params=payload.params,
        reason=payload.reason,
    )
    return Status(201, change)


@router.post("/monitoring/rule-changes/{int:pk}/approve", response=RuleChangeOut)
def approve_rule_change(request: HttpRequest, pk: DbId, payload: DecisionIn) -> Any:
    """Approve a pending change (not its proposer): runs and real-time scoring apply it from now on."""
    access.require(request.user, perms.APPROVE_CHANGE)
    change = selectors.rule_change_get(actor=request.user, pk=pk)
    return rulebook.rule_change_approve(actor=request.user, change=change, note=payload.note)


@router.post("/monitoring/rule-changes/{int:pk}/reject", response=RuleChangeOut)
def reject_rule_change(request: HttpRequest, pk: DbId, payload: DecisionIn) -> Any:
    """Reject a pending change (not its proposer), saying what must change."""
    access.require(request.user, perms.APPROVE_CHANGE)
    change = selectors.rule_change_get(actor=request.user, pk=pk)
    return rulebook.rule_change_reject(actor=request.user, change=change, note=payload.note)


# --- models --------------------------------------------------------------------------------------------------------


class ModelVersionOut(Schema):
    id: int
    org_unit_id: int
    version: str
    kind: str
    threshold: float | None
    metrics: dict[str, Any] = Field(
        ..., description="held_out_graphs (training), case_labels (evaluated on case dispositions, with labels_sha256)"
    )
    training: dict[str, Any]
    role: str
    requested_role: str
    requested_by_id: int | None
    requested_reason: str
    approved_by_id: int | None
    approved_at: dt.datetime | None
    registered_by_id: int | None
    created_at: dt.datetime


class ModelQuery(Schema):
    role: Literal["", "candidate", "shadow", "current", "retired"] = ""
    org_unit: DbId | None = None


class RoleRequestIn(Schema):
    role: Literal["current", "shadow", "retired"]
    reason: str = Field(..., max_length=4000, pattern=NO_NUL, description="why, for example the metrics compared")


class ModelQualityOut(Schema):
    version: str
    flagged: int
    suspicious_found: int
    false_positives_flagged: int
    recall_on_labels: float | None
    precision_on_labels: float | None


class ShadowComparisonOut(Schema):
    run_id: int
    org_unit_id: int
    created_at: dt.datetime
    status: str
    accounts: int | None = None
    labelled_accounts: int | None = None
    shadow: ModelQualityOut | None = None
    current: ModelQualityOut | None = None
    flagged_by_both: int | None = None
    only_shadow: int | None = None
    only_current: int | None = None
    error: str = Field("", description="why the shadow scoring of this run failed (the run itself did not)")


@router.get("/monitoring/models", response=list[ModelVersionOut])
@paginate(PageNumber)
def list_models(request: HttpRequest, filters: Query[ModelQuery]) -> Any:
    """Model versions with their metrics, role and any role change awaiting approval, newest first."""
    access.require(request.user, perms.VIEW)
    return selectors.model_list(actor=request.user, **filters.dict())


@router.get("/monitoring/models/comparisons", response=list[ShadowComparisonOut])
@paginate(PageNumber)
def list_shadow_comparisons(request: HttpRequest) -> Any:
    """Runs that scored the shadow model next to the current one, newest first, with how the two compare."""
    access.require(request.user, perms.VIEW)
    return _Comparisons(selectors.shadow_comparison_list(actor=request.user))


@router.get("/monitoring/models/{int:pk}", response=ModelVersionOut)
def get_model(request: HttpRequest, pk: DbId) -> Any:
    return selectors.model_get(actor=request.user, pk=pk)


@router.post("/monitoring/models/{int:pk}/request", response=ModelVersionOut)
def request_model_role(request: HttpRequest, pk: DbId, payload: RoleRequestIn) -> Any:
    """Ask for the model to become current (promotion: compared on the same case labels first), shadow or retired."""
    access.require(request.user, perms.TUNE)
    model = selectors.model_get(actor=request.user, pk=pk)
    return rulebook.model_role_request(actor=request.user, model=model, role=payload.role, reason=payload.reason)


@router.post("/monitoring/models/{int:pk}/approve", response=ModelVersionOut)
def approve_model_role(request: HttpRequest, pk: DbId) -> Any:
    """Approve the requested role (not its requester); the model that held it goes back to candidate."""
    access.require(request.user, perms.APPROVE_CHANGE)
    model = selectors.model_get(actor=request.user, pk=pk)
    return rulebook.model_role_approve(actor=request.user, model=model)


@router.post("/monitoring/models/{int:pk}/reject", response=ModelVersionOut)
def reject_model_role(request: HttpRequest, pk: DbId, payload: DecisionIn) -> Any:
    """Reject the requested role (not its requester), saying what must change."""
    access.require(request.user, perms.APPROVE_CHANGE)
    model = selectors.model_get(actor=request.user, pk=pk)
    return rulebook.model_role_reject(actor=request.user, model=model, note=payload.note)


class _Comparisons:
    """The comparison runs for the paginator: counted and sliced in the database, shaped for the schema."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return int(self.queryset.count())

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [_comparison_row(run) for run in self.queryset[key]]


def _comparison_row(run: Any) -> dict[str, Any]:
    """A run's `models_used["comparison"]` (rulebook.shadow_compare) as the schema's fields."""
    found = (run.models_used or {}).get("comparison")
    comparison = found if isinstance(found, dict) else {}
    keys = ("accounts", "labelled_accounts", "shadow", "current", "flagged_by_both", "only_shadow", "only_current")
    return {
        "run_id": run.pk,
        "org_unit_id": run.org_unit_id,
        "created_at": run.created_at,
        "status": run.status,
        **{key: comparison.get(key) for key in keys},
        "error": str(comparison.get("error") or ""),
    }
