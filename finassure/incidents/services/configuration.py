"""Configuration of the incident module by the security administrator: incident types (with the on-duty role
and the acknowledgement deadline), the regulatory reporting rules per grade and institution type, and when the
post-incident review falls due. Every change is audited; deadlines of incidents reported afterwards (or
regraded) follow the new values, those already running keep theirs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import Institution
from finassure.accounts.roles import Role
from finassure.incidents.models import Grade, IncidentSettings, IncidentType, ReportingRule
from finassure.incidents.selectors import CONFIGURE
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed

TYPE_FIELDS = (
    "code",
    "name",
    "name_en",
    "on_duty_role",
    "ack_hours",
    "is_security",
    "is_pii_leak",
    "is_it",
    "is_active",
    "order",
)
RULE_FIELDS = (
    "grade",
    "institution_kind",
    "it_only",
    "minutes",
    "minutes_critical_infrastructure",
    "ack_minutes",
    "basis",
    "is_active",
)


def _check_unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Check the highlighted values."), fields=errors)


def _clean_type(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    code = str(values.get("code", "")).strip()
    if not code or slugify(code) != code or len(code) > 40:
        errors["code"] = [_("Use lower-case letters, digits and hyphens (at most 40).")]
    values["code"] = code
    values["name"] = str(values.get("name", "")).strip()
    if not values["name"] or len(values["name"]) > 100:
        errors["name"] = [_("Give the type a Chinese name (at most 100 characters).")]
    values["name_en"] = str(values.get("name_en", "") or "").strip()[:100]
    if values.get("on_duty_role") not in Role.values:
        errors["on_duty_role"] = [_("Choose the role on duty for this type.")]
    try:
        hours = Decimal(str(values.get("ack_hours")))
    except (InvalidOperation, ValueError):
        hours = Decimal(0)
    if not hours.is_finite() or not Decimal("0.01") <= hours <= Decimal(999):
        errors["ack_hours"] = [_("Enter hours between 0.01 and 999.")]
    values["ack_hours"] = hours.quantize(Decimal("0.01")) if hours.is_finite() else hours
    order = values.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= 32767:
        errors["order"] = [_("Enter a whole number between 0 and 32767.")]
    return errors


@transaction.atomic
def incident_type_save(
    *, actor: Any, incident_type: IncidentType | None = None, **fields: Any
) -> IncidentType:
    """Create an incident type, or change one (fields not given keep their values)."""
    access.require(actor, CONFIGURE)
    _check_unknown(fields, TYPE_FIELDS)
    target = incident_type or IncidentType()
    before = audit.snapshot(target) if incident_type is not None else {}
    values = {name: getattr(target, name) for name in TYPE_FIELDS} | fields
    _refuse(_clean_type(values))
    if IncidentType.objects.filter(code=values["code"]).exclude(pk=target.pk).exists():
        raise Conflict(
            _("Another incident type already has the code %(code)s.") % {"code": values["code"]},
            fields={"code": [_("This code is taken.")]},
        )
    for name in TYPE_FIELDS:
        setattr(target, name, values[name])
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise Conflict(
            _("Another incident type already has the code %(code)s.") % {"code": values["code"]}
        ) from None
    action = "incident_type.update" if incident_type is not None else "incident_type.create"
    audit.record(action=action, actor=actor, obj=target, changes=audit.diff(before, audit.snapshot(target)))
    return target


def _clean_rule(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if values.get("grade") not in Grade.values:
        errors["grade"] = [_("Choose a grade.")]
    values["institution_kind"] = values.get("institution_kind") or ""
    if values["institution_kind"] and values["institution_kind"] not in Institution.Kind.values:
        errors["institution_kind"] = [_("Choose an institution type, or none for every type.")]
    for name in ("minutes", "minutes_critical_infrastructure", "ack_minutes"):
        value = values.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 525600:
            errors[name] = [_("Enter minutes between 1 and 525600.")]
    if values.get("minutes") is None and values.get("ack_minutes") is None:
        errors["minutes"] = [_("Set a report deadline, a response deadline, or both.")]
    values["basis"] = str(values.get("basis", "")).strip()
    if not values["basis"] or len(values["basis"]) > 200:
        errors["basis"] = [_("Name the rule the deadline comes from (at most 200 characters).")]
    values["it_only"], values["is_active"] = bool(values.get("it_only")), bool(values.get("is_active", True))
    return errors


@transaction.atomic
def reporting_rule_save(*, actor: Any, rule: ReportingRule | None = None, **fields: Any) -> ReportingRule:
    """Create a timer rule (report and/or response deadline), or change one; the strictest applicable rule wins."""
    access.require(actor, CONFIGURE)
    _check_unknown(fields, RULE_FIELDS)
    target = rule or ReportingRule(is_active=True)
    before = audit.snapshot(target) if rule is not None else {}
    values = {name: getattr(target, name) for name in RULE_FIELDS} | fields
    _refuse(_clean_rule(values))
    for name in RULE_FIELDS:
        setattr(target, name, values[name])
    target.save()
    action = "reporting_rule.update" if rule is not None else "reporting_rule.create"
    audit.record(action=action, actor=actor, obj=target, changes=audit.diff(before, audit.snapshot(target)))
    return target


@transaction.atomic
def incident_settings_update(*, actor: Any, review_due_days: int) -> IncidentSettings:
    access.require(actor, CONFIGURE)
    if (
        not isinstance(review_due_days, int)
        or isinstance(review_due_days, bool)
        or not 1 <= review_due_days <= 365
    ):
        raise ValidationFailed(
            _("Check the highlighted values."),
            fields={"review_due_days": [_("Enter days between 1 and 365.")]},
        )
    current = IncidentSettings.objects.select_for_update().order_by("pk").first() or IncidentSettings()
    before = audit.snapshot(current)
    current.review_due_days = review_due_days
    current.save()
    audit.record(
        action="incident_settings.update",
        actor=actor,
        obj=current,
        changes=audit.diff(before, audit.snapshot(current)),
    )
    return current
