"""API of the incident settings (security administrator): incident types, reporting rules, review due days; and the
list of incident types offered to reporters."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from finassure.accounts import selectors as access
from finassure.incidents import selectors, services
from finassure.incidents.selectors import REPORT
from finassure.platform.api import DbId

router = Router(tags=["incidents"])


class IncidentTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    on_duty_role: str
    ack_hours: float
    is_security: bool
    is_pii_leak: bool
    is_active: bool


class IncidentTypeConfigOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    on_duty_role: str
    ack_hours: float
    is_security: bool
    is_pii_leak: bool
    is_it: bool
    is_active: bool
    order: int
    updated_at: dt.datetime


class IncidentTypeIn(Schema):
    code: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    on_duty_role: str | None = None
    ack_hours: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    is_security: bool | None = None
    is_pii_leak: bool | None = None
    is_it: bool | None = None
    is_active: bool | None = None
    order: int | None = Field(None, ge=0, le=32767)


class ReportingRuleOut(Schema):
    id: int
    grade: str
    institution_kind: str
    it_only: bool
    minutes: int | None
    minutes_critical_infrastructure: int | None
    ack_minutes: int | None
    basis: str
    is_active: bool
    updated_at: dt.datetime


class ReportingRuleIn(Schema):
    grade: str | None = None
    institution_kind: str | None = None
    it_only: bool | None = None
    minutes: int | None = Field(None, ge=1, le=525600)
    minutes_critical_infrastructure: int | None = Field(None, ge=1, le=525600)
    ack_minutes: int | None = Field(None, ge=1, le=525600)
    basis: str | None = Field(None, max_length=200)
    is_active: bool | None = None


class IncidentSettingsOut(Schema):
    review_due_days: int
    incident_types: list[IncidentTypeConfigOut]
    reporting_rules: list[ReportingRuleOut]


class IncidentSettingsIn(Schema):
    review_due_days: int = Field(..., ge=1, le=365)


def _given(payload: Schema) -> dict[str, Any]:
    """The fields the caller sent; null clears only the optional deadlines."""
    return {
        k: v
        for k, v in payload.dict(exclude_unset=True).items()
        if v is not None or k in {"minutes", "minutes_critical_infrastructure", "ack_minutes"}
    }


@router.get("/incident-settings", response=IncidentSettingsOut)
def get_incident_settings(request: HttpRequest) -> Any:
    return {
        "review_due_days": selectors.incident_settings().review_due_days,
        "incident_types": list(selectors.incident_type_config_list(actor=request.user)),
        "reporting_rules": list(selectors.reporting_rule_list(actor=request.user)),
    }


@router.post("/incident-settings", response=IncidentSettingsOut)
def update_incident_settings(request: HttpRequest, payload: IncidentSettingsIn) -> Any:
    services.incident_settings_update(actor=request.user, review_due_days=payload.review_due_days)
    return get_incident_settings(request)


@router.get("/incident-types", response=list[IncidentTypeOut])
def list_incident_types(request: HttpRequest) -> Any:
    """The incident types, for anyone who may report an incident (the settings list has every field)."""
    access.require(request.user, REPORT)
    return list(selectors.incident_types(active_only=False))


@router.post("/incident-types", response={201: IncidentTypeConfigOut})
def create_incident_type(request: HttpRequest, payload: IncidentTypeIn) -> Any:
    return Status(201, services.incident_type_save(actor=request.user, **_given(payload)))


@router.post("/incident-types/{type_id}", response=IncidentTypeConfigOut)
def update_incident_type(request: HttpRequest, type_id: DbId, payload: IncidentTypeIn) -> Any:
    existing = selectors.incident_type_config_get(actor=request.user, pk=type_id)
    return services.incident_type_save(actor=request.user, incident_type=existing, **_given(payload))


@router.get("/reporting-rules", response=list[ReportingRuleOut])
def list_reporting_rules(request: HttpRequest) -> Any:
    return list(selectors.reporting_rule_list(actor=request.user))


@router.post("/reporting-rules", response={201: ReportingRuleOut})
def create_reporting_rule(request: HttpRequest, payload: ReportingRuleIn) -> Any:
    return Status(201, services.reporting_rule_save(actor=request.user, **_given(payload)))


@router.post("/reporting-rules/{rule_id}", response=ReportingRuleOut)
def update_reporting_rule(request: HttpRequest, rule_id: DbId, payload: ReportingRuleIn) -> Any:
    existing = selectors.reporting_rule_get(actor=request.user, pk=rule_id)
    return services.reporting_rule_save(actor=request.user, rule=existing, **_given(payload))
