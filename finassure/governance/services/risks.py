"""Writes of the risk register, controls and their tests, and key risk indicators (a breach opens a corrective action)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.governance.models import (
    RISK_SCALE,
    Control,
    ControlTest,
    KeyRiskIndicator,
    KriValue,
    Policy,
    Process,
    Risk,
)
from finassure.governance.permissions import (
    MANAGE_AUDIT,
    MANAGE_RISK,
    VIEW_RISK,
)
from finassure.governance.services._common import _invalid
from finassure.platform import audit
from finassure.platform.errors import PermissionDenied
from finassure.platform.language import record_text

RISK_FIELDS = ("title", "category", "description", "inherent_likelihood", "inherent_impact", "residual_likelihood",
               "residual_impact", "treatment", "owner", "review_due")


def _check_risk(values: dict[str, Any], unit: OrgUnit, controls: list[Control], policies: list[Policy]) -> None:
    for name in ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"):
        if not 1 <= int(values[name]) <= RISK_SCALE:
            raise _invalid(name, _("Ratings run from 1 to %(n)s.") % {"n": RISK_SCALE})
    for part in ("likelihood", "impact"):
        if values[f"residual_{part}"] > values[f"inherent_{part}"]:
            raise _invalid(f"residual_{part}", _("The residual rating cannot exceed the inherent one."))
    if values["category"] not in Risk.Category.values:
        raise _invalid("category", _("Unknown risk category."))
    if values["treatment"] not in Risk.Treatment.values:
        raise _invalid("treatment", _("Unknown treatment."))
    owner = values["owner"]
    if owner.org_unit is None or owner.org_unit.institution_id != unit.institution_id or not owner.is_active:
        raise _invalid("owner", _("The risk owner must be active staff of the institution."))
    if not access.has_perm(owner, VIEW_RISK, unit):
        raise _invalid("owner", _("The risk owner must be able to see the risk register of this unit."))
    for item_unit in [*(c.org_unit for c in controls), *(p.org_unit for p in policies)]:
        if item_unit.institution_id != unit.institution_id:
            raise _invalid("controls", _("A control or policy belongs to another institution."))


@transaction.atomic
def risk_create(*, actor: Any, org_unit: OrgUnit, controls: Iterable[Control] = (), policies: Iterable[Policy] = (),
                **values: Any) -> Risk:
    """Register a risk. `values` are the fields of RISK_FIELDS."""
    access.require(actor, MANAGE_RISK, org_unit)
    controls, policies = list(controls), list(policies)
    values = {name: values.get(name) for name in RISK_FIELDS}
    values["description"] = values["description"] or ""
    _check_risk(values, org_unit, controls, policies)
    risk = Risk.objects.create(org_unit=org_unit, **values)
    risk.controls.set(controls)
    risk.policies.set(policies)
    audit.record(action="risk.create", actor=actor, obj=risk, changes=audit.snapshot(risk))
    return risk


@transaction.atomic
def risk_update(*, actor: Any, risk: Risk, controls: Iterable[Control] = (), policies: Iterable[Policy] = (),
                **values: Any) -> Risk:
    """Change a risk; any change of substance lapses the owner's acceptance."""
    access.require(actor, MANAGE_RISK, risk.org_unit)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    controls, policies = list(controls), list(policies)
    values = {name: values.get(name, getattr(risk, name)) for name in RISK_FIELDS}
    values["description"] = values["description"] or ""
    _check_risk(values, risk.org_unit, controls, policies)
    before = {**audit.snapshot(risk), "controls": sorted(risk.controls.values_list("pk", flat=True)),
              "policies": sorted(risk.policies.values_list("pk", flat=True))}
    for name, value in values.items():
        setattr(risk, name, value)
    after = {**audit.snapshot(risk), "controls": sorted(c.pk for c in controls),
             "policies": sorted(p.pk for p in policies)}
    changes = audit.diff(before, after)
    if changes and risk.accepted_at is not None:
        risk.accepted_by, risk.accepted_at, risk.acceptance_note = None, None, ""
        changes = audit.diff(before, {**after, **audit.snapshot(risk, ["accepted_by", "accepted_at",
                                                                        "acceptance_note"])})
    risk.save()
    risk.controls.set(controls)
    risk.policies.set(policies)
    audit.record(action="risk.update", actor=actor, obj=risk, changes=changes)
    return risk


@transaction.atomic
def risk_accept(*, actor: Any, risk: Risk, note: str) -> Risk:
    """The risk owner accepts the residual risk as assessed, with the decision recorded."""
    access.require(actor, VIEW_RISK, risk.org_unit)
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    if risk.owner_id != actor.pk:
        raise PermissionDenied(_("Only the risk owner can accept the risk."))
    if not note.strip():
        raise _invalid("note", _("Record the decision."))
    before = audit.snapshot(risk)
    risk.accepted_by, risk.accepted_at, risk.acceptance_note = actor, timezone.now(), note
    risk.save(update_fields=["accepted_by", "accepted_at", "acceptance_note", "updated_at"])
    audit.record(action="risk.accept", actor=actor, obj=risk, changes=audit.diff(before, audit.snapshot(risk)))
    return risk


@transaction.atomic
def control_create(*, actor: Any, org_unit: OrgUnit, code: str, name: str, owner: User, frequency: str,
                   description: str = "", processes: Iterable[Process] = ()) -> Control:
    access.require(actor, MANAGE_RISK, org_unit)
    if Control.objects.filter(org_unit=org_unit, code=code).exists():
        raise _invalid("code", _("This unit already has a control with this code."))
    if frequency not in Control.Frequency.values:
        raise _invalid("frequency", _("Unknown frequency."))
    processes = list(processes)
    control = Control.objects.create(org_unit=org_unit, code=code, name=name, owner=owner, frequency=frequency,
                                     description=description)
    control.processes.set(processes)
    audit.record(action="control.create", actor=actor, obj=control, changes=audit.snapshot(control))
    return control


@transaction.atomic
def control_test_record(*, actor: Any, control: Control, tested_on: dt.date, result: str,
                        evidence: str) -> ControlTest:
    """Record a control test; the owner of the control is not its tester. A deficient result opens a
    corrective action for the control's owner."""
    from finassure.framework import services as framework_services

    if not (access.has_perm(actor, MANAGE_RISK, control.org_unit) or access.has_perm(actor, MANAGE_AUDIT,
                                                                                        control.org_unit)):
        raise PermissionDenied(_("Only risk managers and internal auditors test controls."))
    if control.owner_id == actor.pk:
        raise PermissionDenied(_("The owner of a control cannot test it."))
    if result not in ControlTest.Result.values:
        raise _invalid("result", _("Unknown result."))
    if tested_on > timezone.localdate():
        raise _invalid("tested_on", _("A test cannot be dated in the future."))
    if not evidence.strip():
        raise _invalid("evidence", _("Describe the evidence examined."))
    test = ControlTest.objects.create(control=control, org_unit=control.org_unit, tested_on=tested_on, tester=actor,
                                      result=result, evidence=evidence)
    audit.record(action="control_test.record", actor=actor, obj=test, changes=audit.snapshot(test))
    if result == ControlTest.Result.DEFICIENT:
        framework_services.corrective_action_open(
            actor=actor, source=test, owner=control.owner, org_unit=control.org_unit,
            due=timezone.localdate() + dt.timedelta(days=30),
            title=record_text(gettext_lazy("Deficient control: %(control)s"), {"control": control.name}),
            description=evidence)
    return test


@transaction.atomic
def control_update(*, actor: Any, control: Control, name: str, owner: User, frequency: str, description: str = "",
                   processes: Iterable[Process] = ()) -> Control:
    access.require(actor, MANAGE_RISK, control.org_unit)
    if frequency not in Control.Frequency.values:
        raise _invalid("frequency", _("Unknown frequency."))
    if not name.strip():
        raise _invalid("name", _("The control needs a name."))
    processes = list(processes)
    before = {**audit.snapshot(control), "processes": sorted(control.processes.values_list("pk", flat=True))}
    control.name, control.owner, control.frequency, control.description = name, owner, frequency, description
    control.save(update_fields=["name", "owner", "frequency", "description", "updated_at"])
    control.processes.set(processes)
    changes = audit.diff(before, {**audit.snapshot(control), "processes": sorted(p.pk for p in processes)})
    if changes:
        audit.record(action="control.update", actor=actor, obj=control, changes=changes)
    return control


@transaction.atomic
def kri_create(*, actor: Any, risk: Risk, name: str, warning: Decimal, limit: Decimal, unit: str = "",
               higher_is_worse: bool = True) -> KeyRiskIndicator:
    access.require(actor, MANAGE_RISK, risk.org_unit)
    if (higher_is_worse and warning > limit) or (not higher_is_worse and warning < limit):
        raise _invalid("warning", _("The warning threshold must come before the limit."))
    kri = KeyRiskIndicator.objects.create(risk=risk, org_unit=risk.org_unit, name=name, unit=unit,
                                          higher_is_worse=higher_is_worse, warning=warning, limit=limit)
    audit.record(action="kri.create", actor=actor, obj=kri, changes=audit.snapshot(kri))
    return kri


def kri_status(kri: KeyRiskIndicator, value: Decimal) -> str:
    sign = 1 if kri.higher_is_worse else -1
    if sign * value > sign * kri.limit:
        return KriValue.Status.BREACH
    if sign * value >= sign * kri.warning:
        return KriValue.Status.WARNING
    return KriValue.Status.NORMAL


def _store_value(*, actor: Any, kri: KeyRiskIndicator, measured_on: dt.date, value: Decimal, source: str,
                 snapshot: Any = None) -> KriValue:
    """Store one value and audit it; one beyond the limit opens a corrective action for the risk owner."""
    from finassure.framework import services as framework_services

    entry = KriValue.objects.create(kri=kri, org_unit=kri.org_unit, measured_on=measured_on, value=value,
                                    status=kri_status(kri, value), recorded_by=actor, source=source,
                                    snapshot=snapshot)
    audit.record(action="kri.value", actor=actor, obj=entry, changes=audit.snapshot(entry))
    if entry.status == KriValue.Status.BREACH:
        risk = kri.risk
        framework_services.corrective_action_open(
            actor=actor, source=entry, owner=risk.owner, org_unit=kri.org_unit,
            due=timezone.localdate() + dt.timedelta(days=30),
            title=record_text(gettext_lazy("KRI breach: %(kri)s = %(value)s (limit %(limit)s)"), {
                "kri": kri.name, "value": value, "limit": kri.limit}),
            description=record_text(gettext_lazy("Risk: %(risk)s"), {"risk": risk.title}),
        )
    return entry


@transaction.atomic
def kri_record_value(*, actor: Any, kri: KeyRiskIndicator, measured_on: dt.date, value: Decimal,
                     source: str = KriValue.Source.MANUAL) -> KriValue:
    """Record a value (by hand or from an import); one beyond the limit opens a corrective action for the risk
    owner."""
    access.require(actor, MANAGE_RISK, kri.org_unit)
    if kri.indicator_id is not None:
        raise _invalid("measured_on", _("This indicator is fed from a framework indicator; its values are not "
                                        "recorded by hand."))
    if measured_on > timezone.localdate():
        raise _invalid("measured_on", _("A value cannot be measured in the future."))
    if KriValue.objects.filter(kri=kri, measured_on=measured_on).exists():
        raise _invalid("measured_on", _("This indicator already has a value for that day."))
    return _store_value(actor=actor, kri=kri, measured_on=measured_on, value=value, source=source)


@transaction.atomic
def kri_link(*, actor: Any, kri: KeyRiskIndicator, code: str, indicator: Any = None) -> KeyRiskIndicator:
    """Set the KRI's code (for Excel imports) and the framework indicator that feeds it (None: values by hand)."""
    access.require(actor, MANAGE_RISK, kri.org_unit)
    code = code.strip()
    if code and KeyRiskIndicator.objects.filter(org_unit=kri.org_unit, code=code).exclude(pk=kri.pk).exists():
        raise _invalid("code", _("Another key risk indicator of this unit has this code."))
    if indicator is not None and not indicator.is_active:
        raise _invalid("indicator", _("The framework indicator is not active."))
    before = audit.snapshot(kri)
    kri.code, kri.indicator = code, indicator
    kri.save(update_fields=["code", "indicator", "updated_at"])
    changes = audit.diff(before, audit.snapshot(kri))
    if changes:
        audit.record(action="kri.link", actor=actor, obj=kri, changes=changes)
    return kri


def kri_values_from_indicators(*, day: dt.date | None = None) -> int:
    """Give each KRI linked to a framework indicator the value of the indicator's latest snapshot for the KRI's
    unit, once per period: only periods that have ended (their value is final), dated the period's last day.
    Idempotent — a period already recorded is skipped. Returns the number of values stored."""
    from finassure.framework.models import Snapshot

    today = day or timezone.localdate()
    stored = 0
    kris = KeyRiskIndicator.objects.filter(indicator__isnull=False).select_related("risk__owner", "org_unit",
                                                                                 "indicator")
    for kri in kris:
        snapshot = (Snapshot.objects.filter(indicator=kri.indicator, org_unit_id=kri.org_unit_id,
                                            period_end__lte=today, value__isnull=False)
                    .order_by("-period_start").first())
        if snapshot is None or snapshot.value is None:
            continue
        measured_on = snapshot.period_end - dt.timedelta(days=1)
        with transaction.atomic():
            if KriValue.objects.select_for_update().filter(kri=kri, measured_on=measured_on).exists():
                continue
            _store_value(actor=None, kri=kri, measured_on=measured_on, value=Decimal(str(round(snapshot.value, 4))),
                         source=KriValue.Source.INDICATOR, snapshot=snapshot)
            stored += 1
    return stored
