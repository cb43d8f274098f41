"""Writes of the assurance framework. Each checks permission, changes state and writes its audit record together."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.framework import evaluation, loader, notify, registry
from finassure.framework.models import (
    AccountabilityRecord,
    BudgetLine,
    CorrectiveAction,
    Indicator,
    LibraryVersion,
    Measure,
    Notification,
    Snapshot,
    TargetOverride,
    WorkTask,
)
from finassure.framework.periods import Period
from finassure.framework.permissions import FPerm
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed

Status = CorrectiveAction.Status
log = logging.getLogger(__name__)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


# --- corrective actions (contract: docs/framework-contract.md §3) ---------------------------------


@transaction.atomic
def corrective_action_open(*, actor: Any, source: models.Model | None, title: str, owner: Any, due: dt.date,
                           org_unit: OrgUnit, description: str = "", measure: Measure | None = None
                           ) -> CorrectiveAction:
    """Raise a corrective action from `source` (any record) for `owner`, due on `due`.

    A module calling this has already checked its own permission on `source`; raised by hand (no
    source), the actor needs `framework.manage_action` at `org_unit`. `actor=None` is the system.
    """
    if actor is not None and source is None:
        access.require(actor, FPerm.ACTION_MANAGE, org_unit)
    return _action_create(actor=actor, source=source, title=title, owner=owner, due=due, org_unit=org_unit,
                          description=description, measure=measure)


def _action_create(*, actor: Any, source: models.Model | None, title: str, owner: Any, due: dt.date,
                   org_unit: OrgUnit, description: str, measure: Measure | None, indicator: Indicator | None = None,
                   notice: str = "") -> CorrectiveAction:
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("A corrective action needs a title."))
    if owner is None or not getattr(owner, "is_active", False):
        raise _invalid("owner", _("A corrective action needs an active owner."))
    if not isinstance(due, dt.date):
        raise _invalid("due", _("A corrective action needs a due date."))
    if source is not None and source.pk is None:
        raise _invalid("source", _("The source record must be saved first."))
    action = CorrectiveAction(
        org_unit=org_unit, title=title[:200], description=description, owner=owner, due=due, measure=measure,
        indicator=indicator, raised_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if source is not None:
        action.source_type = ContentType.objects.get_for_model(source, for_concrete_model=False)
        action.source_id = str(source.pk)
        action.source_repr = str(source)[:300]
    action.save()
    audit.record(action="corrective_action.open", actor=actor, obj=action, changes=audit.snapshot(action))
    notify.send(recipient=owner, kind=Notification.Kind.BREACH if notice else Notification.Kind.ASSIGNED,
                title=notice or _("Corrective action assigned to you: %(title)s (due %(due)s)")
                % {"title": action.title, "due": due.isoformat()}, url=action.get_absolute_url())
    return action


def _require_owner_or_manager(actor: Any, action: CorrectiveAction) -> None:
    if actor is not None and actor.pk == action.owner_id:
        return
    access.require(actor, FPerm.ACTION_MANAGE, action.org_unit)


def _transition(action: CorrectiveAction, actor: Any, verb: str, allowed_from: tuple[str, ...], **fields: Any
                ) -> CorrectiveAction:
    if action.status not in allowed_from:
        raise Conflict(_("This corrective action is %(status)s; it cannot be %(verb)s now.")
                       % {"status": action.get_status_display(), "verb": verb})
    before = audit.snapshot(action)
    for name, value in fields.items():
        setattr(action, name, value)
    action.save()
    audit.record(action=f"corrective_action.{verb}", actor=actor, obj=action,
                 changes=audit.diff(before, audit.snapshot(action)))
    return action


def _locked(action: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().select_related("org_unit", "owner").get(pk=action.pk)


@transaction.atomic
def corrective_action_start(*, actor: Any, action: CorrectiveAction) -> CorrectiveAction:
    action = _locked(action)
    _require_owner_or_manager(actor, action)
    return _transition(action, actor, "start", (Status.OPEN,), status=Status.IN_PROGRESS, started_at=timezone.now())


@transaction.atomic
def corrective_action_complete(*, actor: Any, action: CorrectiveAction, note: str) -> CorrectiveAction:
    """The owner reports what was done; the action then waits for someone else to verify it."""
    action = _locked(action)
    _require_owner_or_manager(actor, action)
    if not (note or "").strip():
        raise _invalid("note", _("Say what was done."))
    action = _transition(action, actor, "complete", (Status.OPEN, Status.IN_PROGRESS), status=Status.DONE,
                         completed_at=timezone.now(), completion_note=note.strip(),
                         started_at=action.started_at or timezone.now())
    return action


def _require_verifier(actor: Any, action: CorrectiveAction) -> None:
    access.require(actor, FPerm.ACTION_VERIFY, action.org_unit)
    if actor.pk == action.owner_id:
        raise PermissionDenied(_("The owner of a corrective action cannot verify it (separation of duties)."),
                               extra={"permission": FPerm.ACTION_VERIFY})


@transaction.atomic
def corrective_action_verify(*, actor: Any, action: CorrectiveAction, effective: bool, note: str
                             ) -> CorrectiveAction:
    """Someone other than the owner checks the effect: effective → verified; not effective → reopened."""
    action = _locked(action)
    _require_verifier(actor, action)
    if not (note or "").strip():
        raise _invalid("note", _("Record what the verification found."))
    if effective:
        return _transition(action, actor, "verify", (Status.DONE,), status=Status.VERIFIED, verified_by=actor,
                           verified_at=timezone.now(), verification_note=note.strip())
    action = _transition(action, actor, "reopen", (Status.DONE,), status=Status.IN_PROGRESS,
                         verification_note=note.strip(), completed_at=None, reopen_count=action.reopen_count + 1)
    notify.send(recipient=action.owner, kind=Notification.Kind.REOPENED,
                title=_("Corrective action reopened: %(title)s") % {"title": action.title},
                url=action.get_absolute_url())
    return action


@transaction.atomic
def corrective_action_close(*, actor: Any, action: CorrectiveAction) -> CorrectiveAction:
    action = _locked(action)
    _require_verifier(actor, action)
    return _transition(action, actor, "close", (Status.VERIFIED,), status=Status.CLOSED, closed_at=timezone.now())


@transaction.atomic
def corrective_action_reassign(*, actor: Any, action: CorrectiveAction, owner: Any, due: dt.date
                               ) -> CorrectiveAction:
    action = _locked(action)
    access.require(actor, FPerm.ACTION_MANAGE, action.org_unit)
    if owner is None or not owner.is_active:
        raise _invalid("owner", _("A corrective action needs an active owner."))
    if action.verified_by_id == owner.pk:
        raise _invalid("owner", _("The person who verified this action cannot own it."))
    changed_owner = owner.pk != action.owner_id
    action = _transition(action, actor, "reassign", CorrectiveAction.OPEN_STATUSES[:3], owner=owner, due=due)
    if changed_owner:
        notify.send(recipient=owner, kind=Notification.Kind.ASSIGNED,
                    title=_("Corrective action assigned to you: %(title)s (due %(due)s)")
                    % {"title": action.title, "due": due.isoformat()}, url=action.get_absolute_url())
    return action


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


# --- snapshots ------------------------------------------------------------------------------------

BREACH_DUE_DAYS = 30


@dataclass
class RunReport:
    computed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    actions_opened: int = 0


def snapshots_run(*, actor: Any, day: dt.date | None = None, units: Iterable[OrgUnit] | None = None,
                  indicators: Iterable[Indicator] | None = None) -> RunReport:
    """Compute the snapshots of every (indicator, org unit) for the period containing `day` (today by default).

    Each unit counts its whole subtree. A red snapshot opens one corrective action for the measure's owner.
    """
    if actor is not None:
        access.require(actor, FPerm.RUN_SNAPSHOTS, None)
    day = day or timezone.localdate()
    unit_list = list(units) if units is not None else list(OrgUnit.objects.filter(is_active=True).order_by("path"))
    if actor is not None:
        scope = access.scope_for(actor, FPerm.RUN_SNAPSHOTS)
        unit_list = [u for u in unit_list if scope.covers(u)]
    indicator_list = list(indicators) if indicators is not None else list(
        Indicator.objects.filter(is_active=True, measure__is_active=True).select_related("measure__owner"))
    report = RunReport()
    owners = _OwnerBook()
    for indicator in indicator_list:
        period = Period.containing(day, indicator.period)
        snapshots = snapshots_compute(indicator=indicator, units=unit_list, period=period)
        report.computed += len(snapshots)
        for snapshot in snapshots:
            report.by_status[snapshot.status] = report.by_status.get(snapshot.status, 0) + 1
        red = [s for s in snapshots if s.status == evaluation.RED]
        if red:
            report.actions_opened += _open_breaches(indicator, red, owners)
    if actor is not None:
        audit.record(action="snapshot.run", actor=actor, detail={"day": day.isoformat(), "computed": report.computed,
                                                                  "by_status": report.by_status})
    return report


class _TargetBook:
    """The overrides of one indicator, read once per run."""

    def __init__(self, indicator: Indicator):
        self.indicator = indicator
        self.units: dict[str, tuple[float, float]] = {}
        self.lines: dict[int, tuple[float, float]] = {}
        for o in TargetOverride.objects.filter(indicator=indicator).select_related("org_unit"):
            if o.org_unit is not None:
                self.units[o.org_unit.path] = (o.target, o.amber)
            elif o.business_line_id is not None:
                self.lines[o.business_line_id] = (o.target, o.amber)

    def for_unit(self, unit: OrgUnit) -> evaluation.Target:
        i = self.indicator
        return evaluation.effective_target(indicator_target=i.target, indicator_amber=i.amber, tuned=i.is_tuned,
                                           unit_path=unit.path, business_line_id=unit.business_line_id,
                                           unit_overrides=self.units, line_overrides=self.lines)


def snapshots_compute(*, indicator: Indicator, units: list[OrgUnit], period: Period) -> list[Snapshot]:
    """Measure `indicator` for each unit (its subtree) and store one snapshot per unit for `period`.

    The measuring reads only; the snapshots are written together in one short transaction (an upsert on
    indicator, unit and period), so a long run neither holds locks nor pays a commit per value.
    """
    targets = _TargetBook(indicator)
    now = timezone.now()
    fresh = []
    for unit in units:
        target = targets.for_unit(unit)
        measurement = registry.measure(indicator.computation, units=access.units_under(unit), period=period)
        if measurement is None:
            status, value, numerator, denominator, note = evaluation.NO_SOURCE, None, None, None, ""
        else:
            value, numerator, denominator, note = (measurement.value, measurement.numerator,
                                                   measurement.denominator, measurement.note)
            status = evaluation.status_for(value, target=target.target, amber=target.amber,
                                           direction=indicator.direction)
        fresh.append(Snapshot(indicator=indicator, org_unit=unit, period_kind=period.kind, period_start=period.start,
                              period_end=period.end, period_label=period.label(), value=value, numerator=numerator,
                              denominator=denominator, target=target.target, amber=target.amber, status=status,
                              note=str(note)[:300], computed_at=now))
    fields = ["period_end", "period_label", "value", "numerator", "denominator", "target", "amber", "status", "note",
              "computed_at"]
    with transaction.atomic():
        Snapshot.objects.bulk_create(fresh, batch_size=500, update_conflicts=True, update_fields=fields,
                                     unique_fields=["indicator", "org_unit", "period_kind", "period_start"])
    stored = {s.org_unit_id: s for s in Snapshot.objects.filter(
        indicator=indicator, period_kind=period.kind, period_start=period.start,
        org_unit__in=[u.pk for u in units]).select_related("org_unit")} if units else {}
    for snapshot in stored.values():
        snapshot.indicator = indicator
    return [stored[u.pk] for u in units if u.pk in stored]


def snapshot_compute(*, indicator: Indicator, unit: OrgUnit, period: Period) -> tuple[Snapshot, bool]:
    """Compute and store one snapshot (replacing the period's earlier one); returns it and whether an action opened."""
    snapshot = snapshots_compute(indicator=indicator, units=[unit], period=period)[0]
    opened = 0
    if snapshot.status == evaluation.RED:
        opened = _open_breaches(indicator, [snapshot], _OwnerBook())
    return snapshot, bool(opened)


class _OwnerBook:
    """Who owns a breach: the measure's owner, else the first holder of its responsible role over the unit."""

    def __init__(self) -> None:
        self._by_role: dict[tuple[str, int], Any] = {}

    def owner(self, indicator: Indicator, unit: OrgUnit) -> Any:
        measure = indicator.measure
        if measure.owner is not None and measure.owner.is_active:
            return measure.owner
        if not measure.responsible_role:
            return None
        key = (measure.responsible_role, unit.pk)
        if key not in self._by_role:
            self._by_role[key] = access.users_with_role(role=measure.responsible_role, unit=unit).order_by("pk").first()
        return self._by_role[key]


def _open_breaches(indicator: Indicator, red: list[Snapshot], owners: _OwnerBook) -> int:
    already = set(CorrectiveAction.objects.filter(
        indicator=indicator, org_unit__in=[s.org_unit_id for s in red], status__in=CorrectiveAction.OPEN_STATUSES,
    ).values_list("org_unit_id", flat=True))
    opened, ownerless = 0, []
    for snapshot in red:
        if snapshot.org_unit_id in already:
            continue
        if breach_action_open(snapshot=snapshot, owner=owners.owner(indicator, snapshot.org_unit)) is not None:
            opened += 1
        else:
            ownerless.append(snapshot.org_unit_id)
    if ownerless:
        log.warning("indicator %s is red at %d units but its measure has no owner", indicator.key, len(ownerless))
    return opened


@transaction.atomic
def breach_action_open(*, snapshot: Snapshot, owner: Any = None) -> CorrectiveAction | None:
    """Open the corrective action of a red snapshot for the measure's owner.

    One open action per (indicator, org unit): a breach while one is open adds nothing.
    """
    indicator, unit = snapshot.indicator, snapshot.org_unit
    if CorrectiveAction.objects.filter(indicator=indicator, org_unit=unit,
                                       status__in=CorrectiveAction.OPEN_STATUSES).exists():
        return None
    owner = owner or _OwnerBook().owner(indicator, unit)
    if owner is None:
        return None
    value = "—" if snapshot.value is None else f"{snapshot.value:.4g}"
    title = (_("Correct: %(indicator)s off target at %(unit)s (%(period)s)")
             % {"indicator": indicator.display_name, "unit": unit, "period": snapshot.period_label})
    return _action_create(
        actor=None, source=snapshot, owner=owner, org_unit=unit, measure=indicator.measure, indicator=indicator,
        due=timezone.localdate() + dt.timedelta(days=BREACH_DUE_DAYS), title=title,
        description=_("Value %(value)s against target %(target)s (%(direction)s).")
        % {"value": value, "target": f"{snapshot.target:g}", "direction": indicator.get_direction_display()},
        notice=_("Indicator off target: %(indicator)s at %(unit)s") % {"indicator": indicator.display_name,
                                                                        "unit": unit},
    )


# --- reminders and escalation ---------------------------------------------------------------------

DUE_SOON_DAYS = 3


def _notified_today(recipient: Any, kind: str, url: str) -> bool:
    return Notification.objects.filter(recipient=recipient, kind=kind, url=url,
                                       created_at__date__gte=timezone.localdate()).exists()


@transaction.atomic
def reminders_send(*, actor: Any = None, today: dt.date | None = None) -> dict[str, int]:
    """Remind owners of actions due soon or overdue (once a day); escalate overdue tasks to the manager once."""
    today = today or timezone.localdate()
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    working = CorrectiveAction.objects.filter(status__in=[Status.OPEN, Status.IN_PROGRESS]).select_related("owner")
    for action in working.filter(due__lte=today + dt.timedelta(days=DUE_SOON_DAYS)):
        kind = Notification.Kind.OVERDUE if action.due < today else Notification.Kind.DUE_SOON
        url = action.get_absolute_url()
        if _notified_today(action.owner, kind, url):
            continue
        text = (_("Corrective action overdue: %(title)s (due %(due)s)") if kind == Notification.Kind.OVERDUE
                else _("Corrective action due soon: %(title)s (due %(due)s)"))
        notify.send(recipient=action.owner, kind=kind, title=text % {"title": action.title, "due": action.due},
                    url=url)
        counts["overdue" if kind == Notification.Kind.OVERDUE else "due_soon"] += 1
    overdue_tasks = WorkTask.objects.filter(deadline__lt=today, escalated_at__isnull=True).exclude(
        status=WorkTask.Status.DONE).select_related("measure__owner", "owner", "org_unit")
    for work_task in overdue_tasks:
        manager = task_manager(work_task)
        if manager is not None:
            notify.send(recipient=manager, kind=Notification.Kind.OVERDUE,
                        title=_("Overdue task of %(owner)s: %(title)s (deadline %(deadline)s)")
                        % {"owner": work_task.owner, "title": work_task.title, "deadline": work_task.deadline},
                        url=work_task.measure.get_absolute_url())
        work_task.escalated_at = timezone.now()
        work_task.save(update_fields=["escalated_at", "updated_at"])
        audit.record(action="work_task.escalate", actor=actor, obj=work_task,
                     detail={"manager": manager.pk if manager else None})
        counts["escalated"] += 1
    return counts


def task_manager(work_task: WorkTask) -> Any:
    """Whom an overdue task escalates to: the measure's owner, else a quality manager over the task's unit."""
    owner = work_task.measure.owner
    if owner is not None and owner.pk != work_task.owner_id and owner.is_active:
        return owner
    return (access.users_with_role(role="quality_manager", unit=work_task.org_unit)
            .exclude(pk=work_task.owner_id).order_by("pk").first())


# --- work plans, accountability, budget -----------------------------------------------------------


@transaction.atomic
def work_task_create(*, actor: Any, measure: Measure, org_unit: OrgUnit, title: str, owner: Any,
                     deadline: dt.date) -> WorkTask:
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    if not (title or "").strip():
        raise _invalid("title", _("A task needs a title."))
    if owner is None or not owner.is_active:
        raise _invalid("owner", _("A task needs an active owner."))
    work_task = WorkTask.objects.create(measure=measure, org_unit=org_unit, title=title.strip()[:200], owner=owner,
                                        deadline=deadline)
    audit.record(action="work_task.create", actor=actor, obj=work_task, changes=audit.snapshot(work_task))
    notify.send(recipient=owner, kind=Notification.Kind.ASSIGNED,
                title=_("Task assigned to you: %(title)s (deadline %(deadline)s)")
                % {"title": work_task.title, "deadline": deadline}, url=measure.get_absolute_url())
    return work_task


@transaction.atomic
def work_task_progress(*, actor: Any, work_task: WorkTask, status: str, evidence: Any = None,
                       evidence_note: str = "") -> WorkTask:
    """The owner (or a planner) moves a task on; done needs evidence, a file or a note."""
    work_task = WorkTask.objects.select_for_update().select_related("org_unit").get(pk=work_task.pk)
    if actor is None or actor.pk != work_task.owner_id:
        access.require(actor, FPerm.PLAN_MANAGE, work_task.org_unit)
    if status not in WorkTask.Status.values:
        raise _invalid("status", _("Unknown status."))
    if status == WorkTask.Status.DONE and not (evidence or evidence_note.strip() or work_task.evidence):
        raise _invalid("evidence", _("Attach evidence or describe it before marking the task done."))
    before = audit.snapshot(work_task)
    work_task.status = status
    work_task.done_at = timezone.now() if status == WorkTask.Status.DONE else None
    if evidence is not None:
        work_task.evidence = evidence
    if evidence_note.strip():
        work_task.evidence_note = evidence_note.strip()
    work_task.save()
    audit.record(action="work_task.progress", actor=actor, obj=work_task,
                 changes=audit.diff(before, audit.snapshot(work_task)))
    return work_task


@transaction.atomic
def accountability_record_create(*, actor: Any, org_unit: OrgUnit, subject: str, person: Any, finding: str,
                                 outcome: str, decided_on: dt.date, measure: Measure | None = None
                                 ) -> AccountabilityRecord:
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    missing = {f: v for f, v in {"subject": subject, "finding": finding, "outcome": outcome}.items()
               if not (v or "").strip()}
    if missing:
        raise ValidationFailed(_("Say what happened, what was found and the outcome."),
                               fields={f: [_("This field is required.")] for f in missing})
    if person is None:
        raise _invalid("person", _("Name the person accountable."))
    record = AccountabilityRecord.objects.create(org_unit=org_unit, subject=subject.strip()[:200], person=person,
                                                 finding=finding.strip(), outcome=outcome.strip(),
                                                 decided_on=decided_on, measure=measure,
                                                 recorded_by=actor if getattr(actor, "is_authenticated", False)
                                                 else None)
    audit.record(action="accountability_record.create", actor=actor, obj=record, changes=audit.snapshot(record))
    return record


@transaction.atomic
def budget_line_save(*, actor: Any, measure: Measure, org_unit: OrgUnit, year: int, title: str,
                     planned: Decimal, committed: Decimal = Decimal(0), spent: Decimal = Decimal(0),
                     line: BudgetLine | None = None) -> BudgetLine:
    """Create or update a special-fund budget line; amounts are yuan and never negative."""
    access.require(actor, FPerm.PLAN_MANAGE, org_unit)
    amounts = {"planned": planned, "committed": committed, "spent": spent}
    bad = {k: [_("Amounts cannot be negative.")] for k, v in amounts.items() if v < 0}
    if bad:
        raise ValidationFailed(_("Amounts cannot be negative."), fields=bad)
    if not (title or "").strip():
        raise _invalid("title", _("A budget line needs a title."))
    before = audit.snapshot(line) if line else {}
    line = line or BudgetLine(measure=measure, org_unit=org_unit, year=year)
    line.title, line.planned, line.committed, line.spent = title.strip()[:200], planned, committed, spent
    line.year = year
    line.save()
    audit.record(action="budget_line.save", actor=actor, obj=line, changes=audit.diff(before, audit.snapshot(line)))
    return line


@transaction.atomic
def notifications_mark_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
