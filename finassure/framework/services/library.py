"""The framework library: loading versions, institution targets and overrides, measure owners."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.framework import loader
from finassure.framework.models import (
    Indicator,
    LibraryVersion,
    Measure,
    TargetOverride,
)
from finassure.framework.permissions import FPerm
from finassure.framework.services._common import _invalid
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied

# --- the library ----------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What loading a library file did: created, changed, retired, and the institution targets it kept."""

    code: str
    version: int
    unchanged: bool = False
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    kept_targets: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"+ {c}" for c in self.created] + [f"~ {c}" for c in self.changed]
                + [f"- {c}" for c in self.retired] + [f"= {c}" for c in self.kept_targets])


def _root_units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(parent__isnull=True)


def _require_institution_wide(actor: Any, perm: str) -> None:
    """Institution-wide settings need `perm` at a head office."""
    if actor is None:
        return
    if not any(access.has_perm(actor, perm, root) for root in _root_units()):
        raise PermissionDenied(_("Only a manager at the head office can change the framework."),
                               extra={"permission": perm})


_MEASURE_FIELDS = ("number", "section", "name", "name_en", "description", "description_en", "responsible_role")
_INDICATOR_FIELDS = ("kind", "name", "name_en", "description", "description_en", "unit", "direction", "minimum",
                     "maximum", "period", "computation", "target_note")


@transaction.atomic
def library_load(*, actor: Any, path: Any = None, text: str | None = None, name: str = "") -> LoadReport:
    """Load a library file: idempotent for the same version; a newer version keeps tuned targets and reports changes."""
    _require_institution_wide(actor, FPerm.MANAGE)
    lib = loader.parse(text, name or "<library>") if text is not None else loader.read(path or loader.DEFAULT_LIBRARY)
    report = LoadReport(lib.code, lib.version)
    latest = LibraryVersion.objects.filter(code=lib.code).order_by("-version").first()
    if latest is not None:
        if latest.version == lib.version:
            if latest.checksum != lib.checksum:
                raise Conflict(_("Version %(v)s of library %(code)s is already loaded with different content; "
                                 "give the changed file a new version.") % {"v": lib.version, "code": lib.code})
            report.unchanged = True
            return report
        if latest.version > lib.version:
            raise Conflict(_("A newer version (%(v)s) of library %(code)s is already loaded.")
                           % {"v": latest.version, "code": lib.code})
    measure_keys, indicator_keys = set(), set()
    for order, item in enumerate(lib.measures, start=1):
        measure_keys.add(item["id"])
        values = {f: item.get(f) or "" for f in _MEASURE_FIELDS}
        measure = Measure.objects.filter(key=item["id"]).first()
        if measure is None:
            measure = Measure.objects.create(key=item["id"], library=lib.code, order=order,
                                             library_version=lib.version, **values)
            report.created.append(f"measure {measure.key}")
        else:
            changed = [f for f, v in values.items() if getattr(measure, f) != v]
            for f, v in values.items():
                setattr(measure, f, v)
            measure.order, measure.library_version, measure.is_active = order, lib.version, True
            measure.save()
            if changed:
                report.changed.append(f"measure {measure.key}: {', '.join(changed)}")
        for position, spec in enumerate(item["items"], start=1):
            indicator_keys.add(spec["id"])
            _load_indicator(measure, spec, position, report)
    for measure in Measure.objects.filter(library=lib.code, is_active=True).exclude(key__in=measure_keys):
        measure.is_active = False
        measure.save(update_fields=["is_active", "updated_at"])
        report.retired.append(f"measure {measure.key}")
    for indicator in Indicator.objects.filter(measure__library=lib.code, is_active=True).exclude(
            key__in=indicator_keys):
        indicator.is_active = False
        indicator.save(update_fields=["is_active", "updated_at"])
        report.retired.append(f"indicator {indicator.key}")
    version = LibraryVersion.objects.create(code=lib.code, version=lib.version, title=lib.title,
                                            checksum=lib.checksum, changes=report.lines(),
                                            loaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(action="framework_library.load", actor=actor, obj=version,
                 detail={"version": lib.version, "changes": report.lines()[:200]})
    return report


def _load_indicator(measure: Measure, spec: dict[str, Any], order: int, report: LoadReport) -> None:
    values = {f: spec.get(f) if f in ("minimum", "maximum") else (spec.get(f) or "") for f in _INDICATOR_FIELDS}
    target, amber = float(spec["target"]), float(spec.get("amber") or 0)
    indicator = Indicator.objects.filter(key=spec["id"]).first()
    if indicator is None:
        Indicator.objects.create(key=spec["id"], measure=measure, order=order, target=target, amber=amber,
                                 library_target=target, library_amber=amber, **values)
        report.created.append(f"indicator {spec['id']}")
        return
    changed = [f for f, v in values.items() if getattr(indicator, f) != v]
    if indicator.measure_id != measure.pk:
        changed.append("measure")
    if indicator.is_tuned:
        if (target, amber) != (indicator.library_target, indicator.library_amber):
            report.kept_targets.append(
                f"indicator {indicator.key}: kept the institution's target {indicator.target:g} "
                f"(library {indicator.library_target:g} → {target:g})")
    elif (target, amber) != (indicator.target, indicator.amber):
        changed.append(f"target {indicator.target:g} → {target:g}")
        indicator.target, indicator.amber = target, amber
    indicator.library_target, indicator.library_amber = target, amber
    for f, v in values.items():
        setattr(indicator, f, v)
    indicator.measure, indicator.order, indicator.is_active = measure, order, True
    indicator.save()
    if changed:
        report.changed.append(f"indicator {indicator.key}: {', '.join(changed)}")


def _check_target(indicator: Indicator, target: float, amber: float) -> None:
    if amber < 0:
        raise _invalid("amber", _("The amber band cannot be negative."))
    if not loader.in_range(target, indicator.minimum, indicator.maximum):
        low = "…" if indicator.minimum is None else f"{indicator.minimum:g}"
        high = "…" if indicator.maximum is None else f"{indicator.maximum:g}"
        raise _invalid("target", _("A target of %(t)s is outside this indicator's range %(low)s–%(high)s.")
                       % {"t": f"{target:g}", "low": low, "high": high})


@transaction.atomic
def indicator_target_set(*, actor: Any, indicator: Indicator, target: float, amber: float, reason: str = ""
                         ) -> Indicator:
    """Tune the institution-wide target; later library versions keep it."""
    _require_institution_wide(actor, FPerm.MANAGE)
    _check_target(indicator, target, amber)
    before = audit.snapshot(indicator, ["target", "amber"])
    indicator.target, indicator.amber = target, amber
    indicator.save(update_fields=["target", "amber", "updated_at"])
    audit.record(action="indicator.set_target", actor=actor, obj=indicator, detail={"reason": reason},
                 changes=audit.diff(before, audit.snapshot(indicator, ["target", "amber"])))
    return indicator


@transaction.atomic
def target_override_set(*, actor: Any, indicator: Indicator, target: float, amber: float, reason: str = "",
                        org_unit: OrgUnit | None = None, business_line: BusinessLine | None = None
                        ) -> TargetOverride:
    """Set the target of `indicator` for one org unit (and its subtree) or one business line."""
    if (org_unit is None) == (business_line is None):
        raise _invalid("org_unit", _("Choose either an org unit or a business line."))
    if org_unit is not None:
        access.require(actor, FPerm.MANAGE, org_unit)
    else:
        _require_institution_wide(actor, FPerm.MANAGE)
    _check_target(indicator, target, amber)
    override = TargetOverride.objects.filter(indicator=indicator, org_unit=org_unit,
                                             business_line=business_line).first()
    before = audit.snapshot(override) if override else {}
    if override is None:
        override = TargetOverride(indicator=indicator, org_unit=org_unit, business_line=business_line)
    override.target, override.amber, override.reason = target, amber, reason
    override.set_by = actor if getattr(actor, "is_authenticated", False) else None
    override.save()
    audit.record(action="target_override.set", actor=actor, obj=override,
                 org_unit_id=org_unit.pk if org_unit else None,
                 changes=audit.diff(before, audit.snapshot(override)))
    return override


@transaction.atomic
def target_override_remove(*, actor: Any, override: TargetOverride) -> None:
    if override.org_unit is not None:
        access.require(actor, FPerm.MANAGE, override.org_unit)
    else:
        _require_institution_wide(actor, FPerm.MANAGE)
    audit.record(action="target_override.remove", actor=actor, obj=override, changes=audit.snapshot(override))
    override.delete()


@transaction.atomic
def measure_owner_set(*, actor: Any, measure: Measure, owner: Any, lead_unit: OrgUnit | None = None) -> Measure:
    _require_institution_wide(actor, FPerm.MANAGE)
    before = audit.snapshot(measure, ["owner", "lead_unit"])
    measure.owner, measure.lead_unit = owner, lead_unit
    measure.save(update_fields=["owner", "lead_unit", "updated_at"])
    audit.record(action="measure.set_owner", actor=actor, obj=measure,
                 changes=audit.diff(before, audit.snapshot(measure, ["owner", "lead_unit"])))
    return measure
