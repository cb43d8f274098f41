"""Services of rule and model governance: versioned rule changes and model roles, each approved by a second person.

Rules: a change (switch and parameters of one rule for an org unit — the institution's head office or a
business-line unit) is proposed, then approved or rejected by someone else holding the approval permission.
The approved change with the highest version is in force for runs of that unit and of the units below it
(the nearest unit up the tree wins); runs write the resulting scenario file next to their output, pass it to
the engine (`rules_file`, its documented input) and record which change of each rule they applied.

Models: a trained version folder is registered with the metrics from its meta.json; its promotion to current
(scores and alerts in runs) or shadow (scores the same runs without alerting, compared with the current one)
is requested by one person and approved by another.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.monitoring import perms
from finassure.monitoring.models import ModelVersion, RuleChange
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed

CHANGE_FIELDS = ["status", "decided_by", "decided_at", "decision_note"]
MODEL_FIELDS = ["role", "requested_role", "requested_by", "approved_by", "approved_at"]


# --- rules -------------------------------------------------------------------------------------------------------


def builtin_rules() -> dict[str, Any]:
    """The engine's built-in scenarios by id (its documented rule set)."""
    from finassure.engine.rules import load_rules

    return {r.id: r for r in load_rules()}


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str | int | float) for v in value)
    return isinstance(value, type(default))


def _check_params(rule: Any, params: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise ValidationFailed(
            _("Parameters must be a JSON object."), fields={"params": [_("Not a JSON object.")]}
        )
    errors = []
    for key, value in params.items():
        if key not in rule.params:
            errors.append(_("%(rule)s has no parameter %(key)s.") % {"rule": rule.id, "key": key})
        elif not _same_kind(rule.params[key], value):
            errors.append(
                _("%(key)s must be of the same kind as its default (%(default)s).")
                % {"key": key, "default": json.dumps(rule.params[key], ensure_ascii=False)}
            )
        elif isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            errors.append(_("%(key)s cannot be negative.") % {"key": key})
    if errors:
        raise ValidationFailed(_("The parameters are not valid for this rule."), fields={"params": errors})
    from finassure.engine.i18n import normalize, override
    from finassure.engine.rules import compile_sql, load_rules

    try:  # the engine must accept and compile the changed rule; its messages in the request's language
        with override(normalize(get_language())):
            changed = next(r for r in load_rules(overrides={rule.id: {"params": params}}) if r.id == rule.id)
            compile_sql(changed, "duckdb")
    except Exception as exc:  # the engine's own validation, in its words
        raise ValidationFailed(
            _("The engine refuses these parameters: %(reason)s") % {"reason": exc},
            fields={"params": [str(exc)]},
        ) from None
    return params


@transaction.atomic
def rule_change_propose(
    *, actor: Any, org_unit: OrgUnit, rule_id: str, enabled: bool, params: dict[str, Any], reason: str
) -> RuleChange:
    """Propose a new version of a rule's configuration for `org_unit`; it applies only once someone else approves."""
    access.require(actor, perms.TUNE, org_unit)
    rule = builtin_rules().get(rule_id)
    if rule is None:
        raise ValidationFailed(_("No such rule."), fields={"rule_id": [_("No such rule.")]})
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            _("Say why the rule changes."), fields={"reason": [_("Say why the rule changes.")]}
        )
    params = _check_params(rule, params)
    if RuleChange.objects.filter(
        org_unit=org_unit, rule_id=rule_id, status=RuleChange.Status.PROPOSED
    ).exists():
        raise Conflict(_("A change of this rule for this unit is already awaiting approval."))
    last = RuleChange.objects.filter(org_unit=org_unit, rule_id=rule_id).aggregate(v=Max("version"))["v"] or 0
    try:
        with transaction.atomic():
            change = RuleChange.objects.create(
                org_unit=org_unit,
                rule_id=rule_id,
                version=last + 1,
                enabled=enabled,
                params=params,
                reason=reason,
                proposed_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("A change of this rule for this unit is already awaiting approval.")) from None
    audit.record(
        action="rule_change.proposed",
        actor=actor,
        obj=change,
        changes=audit.snapshot(change, ["rule_id", "version", "enabled", "params", "reason", "org_unit"]),
    )
    return change


def _decide(*, actor: Any, change: RuleChange, status: str, note: str) -> RuleChange:
    access.require(actor, perms.APPROVE_CHANGE, change.org_unit)
    change = RuleChange.objects.select_for_update().get(pk=change.pk)
    if change.status != RuleChange.Status.PROPOSED:
        raise Conflict(_("Only a change awaiting approval can be decided."))
    if change.proposed_by_id == actor.pk:
        raise Conflict(_("A change is approved or rejected by someone other than its proposer (four eyes)."))
    before = audit.snapshot(change, CHANGE_FIELDS)
    change.status, change.decided_by, change.decided_at, change.decision_note = (
        status,
        actor,
        timezone.now(),
        note,
    )
    change.save()
    if status == RuleChange.Status.APPROVED:
        realtime_rules_forget()  # real-time scoring in this process applies it from the next request
    verb = "approved" if status == RuleChange.Status.APPROVED else "rejected"
    audit.record(
        action=f"rule_change.{verb}",
        actor=actor,
        obj=change,
        changes=audit.diff(before, audit.snapshot(change, CHANGE_FIELDS)),
    )
    return change


@transaction.atomic
def rule_change_approve(*, actor: Any, change: RuleChange, note: str = "") -> RuleChange:
    return _decide(actor=actor, change=change, status=RuleChange.Status.APPROVED, note=(note or "").strip())


@transaction.atomic
def rule_change_reject(*, actor: Any, change: RuleChange, note: str) -> RuleChange:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Give a reason."), fields={"note": [_("Say what must change.")]})
    return _decide(actor=actor, change=change, status=RuleChange.Status.REJECTED, note=note)


# Real-time scoring's per-process cache of the changes in force per org unit (services.realtime_scorer_for):
# org unit id -> (checked at, signature "rule_id:change_id,…", the changes as JSON).
REALTIME_RULES: dict[int, tuple[float, str, str]] = {}


def realtime_rules_forget() -> None:
    """Drop the cached rule changes per unit (after an approval), so the next score looks them up again."""
    REALTIME_RULES.clear()


def _lineage(org_unit: OrgUnit) -> list[int]:
    """The unit and its ancestors, nearest first (from the materialised path "/1/4/9/")."""
    ids = [int(p) for p in org_unit.path.strip("/").split("/") if p]
    return list(reversed(ids)) or [org_unit.pk]


def rules_in_force(*, org_unit: OrgUnit) -> dict[str, RuleChange]:
    """Per rule, the approved change that applies to `org_unit`: the highest version at the nearest unit up the tree."""
    lineage = _lineage(org_unit)
    rank = {unit_id: i for i, unit_id in enumerate(lineage)}
    found: dict[str, RuleChange] = {}
    approved = RuleChange.objects.filter(
        org_unit_id__in=lineage, status=RuleChange.Status.APPROVED
    ).select_related("org_unit")
    for change in sorted(approved, key=lambda c: (rank[c.org_unit_id], -c.version)):
        found.setdefault(change.rule_id, change)
    return found


def rules_file_for(*, org_unit: OrgUnit, folder: Path) -> tuple[Path | None, dict[str, Any]]:
    """Write the scenario file a run of `org_unit` uses (built-in scenarios + approved changes) and say what applied.

    Returns (None, {}) when no change is approved: the engine then uses its built-in scenarios unchanged.
    """
    from importlib import resources

    import yaml

    in_force = rules_in_force(org_unit=org_unit)
    if not in_force:
        return None, {}
    doc = yaml.safe_load(
        resources.files("finassure.engine.rules").joinpath("scenarios.yaml").read_text("utf-8")
    )
    record: dict[str, Any] = {}
    for item in doc["rules"]:
        change = in_force.get(item["id"])
        if change is None:
            continue
        item["enabled"] = change.enabled
        item["params"] = {**(item.get("params") or {}), **change.params}
        record[item["id"]] = {
            "change_id": change.pk,
            "version": change.version,
            "org_unit": change.org_unit.code,
            "enabled": change.enabled,
            "params": change.params,
        }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rules.platform.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path, record


# --- models ------------------------------------------------------------------------------------------------------


def _read_meta(path: Path) -> dict[str, Any]:
    for name in ("model.txt", "model2.txt", "meta.json"):
        if not (path / name).is_file():
            raise ValidationFailed(
                _("%(path)s is not a model version folder: %(name)s is missing.")
                % {"path": path, "name": name},
                fields={"path": [_("Not a model version folder.")]},
            )
    try:
        meta = json.loads((path / "meta.json").read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            _("meta.json is not valid JSON."), fields={"path": [_("Unreadable meta.json.")]}
        ) from None
    if not isinstance(meta, dict) or not meta.get("version") or "threshold" not in meta:
        raise ValidationFailed(
            _("meta.json lacks the version or the threshold."), fields={"path": [_("Unreadable meta.json.")]}
        )
    return meta


@transaction.atomic
def model_register(
    *, actor: Any, org_unit: OrgUnit, path: str | Path, metrics: dict[str, Any] | None = None
) -> ModelVersion:
    """Register a trained version folder (from `finassure engine train`) as a candidate, with its metrics."""
    access.require(actor, perms.TUNE, org_unit)
    folder = Path(path).expanduser().resolve()
    meta = _read_meta(folder)
    if ModelVersion.objects.filter(org_unit=org_unit, version=str(meta["version"])[:64]).exists():
        raise Conflict(_("This model version is already registered."))
    training = {
        k: meta.get(k)
        for k in ("training_source", "training_data_sha256", "graphs", "rows", "positives", "created")
        if k in meta
    }
    model = ModelVersion.objects.create(
        org_unit=org_unit,
        version=str(meta["version"])[:64],
        path=str(folder),
        kind=str(meta.get("kind", ""))[:64],
        threshold=float(meta["threshold"]),
        metrics={**(meta.get("metrics") or {}), **(metrics or {})},
        training=training,
        registered_by=actor,
    )
    audit.record(
        action="model.registered",
        actor=actor,
        obj=model,
        changes=audit.snapshot(model, ["version", "path", "threshold", "metrics"]),
    )
    return model


@transaction.atomic
def model_role_request(*, actor: Any, model: ModelVersion, role: str, reason: str) -> ModelVersion:
    """Ask for a model to become current, shadow or retired; a second person approves."""
    access.require(actor, perms.TUNE, model.org_unit)
    model = ModelVersion.objects.select_for_update().get(pk=model.pk)
    if role not in (ModelVersion.Role.CURRENT, ModelVersion.Role.SHADOW, ModelVersion.Role.RETIRED):
        raise ValidationFailed(_("No such role."), fields={"role": [_("No such role.")]})
    if role == model.role:
        raise Conflict(_("The model already has this role."))
    if model.requested_role:
        raise Conflict(_("A role change of this model is already awaiting approval."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(
            _("Say why."), fields={"reason": [_("Say why, for example the metrics compared.")]}
        )
    if role == ModelVersion.Role.CURRENT:
        _require_compared(model)
    before = audit.snapshot(model, MODEL_FIELDS)
    model.requested_role, model.requested_by, model.requested_reason = role, actor, reason
    model.approved_by, model.approved_at = None, None
    model.save()
    audit.record(
        action="model.role_requested",
        actor=actor,
        obj=model,
        detail={"reason": reason},
        changes=audit.diff(before, audit.snapshot(model, MODEL_FIELDS)),
    )
    return model


def _require_compared(model: ModelVersion) -> None:
    """A new current model must have been scored on the same case labels as the model it replaces."""
    current = ModelVersion.objects.filter(org_unit=model.org_unit, role=ModelVersion.Role.CURRENT).first()
    if current is None:
        return
    mine = (model.metrics.get("case_labels") or {}).get("labels_sha256")
    theirs = (current.metrics.get("case_labels") or {}).get("labels_sha256")
    if not mine or mine != theirs:
        raise Conflict(_("Compare it with the current model first: evaluate both on the same case labels."))


@transaction.atomic
def model_role_approve(*, actor: Any, model: ModelVersion) -> ModelVersion:
    """The second person approves: the model takes the role; the one that held it goes back to candidate."""
    access.require(actor, perms.APPROVE_CHANGE, model.org_unit)
    model = ModelVersion.objects.select_for_update().get(pk=model.pk)
    if not model.requested_role:
        raise Conflict(_("No role change of this model awaits approval."))
    if model.requested_by_id == actor.pk:
        raise Conflict(_("A change is approved or rejected by someone other than its proposer (four eyes)."))
    before = audit.snapshot(model, MODEL_FIELDS)
    role = model.requested_role
    if role in (ModelVersion.Role.CURRENT, ModelVersion.Role.SHADOW):
        for previous in ModelVersion.objects.select_for_update().filter(org_unit=model.org_unit, role=role):
            previous.role = ModelVersion.Role.CANDIDATE
            previous.save(update_fields=["role", "updated_at"])
            audit.record(
                action="model.role_replaced",
                actor=actor,
                obj=previous,
                changes={"role": [role, ModelVersion.Role.CANDIDATE]},
                detail={"by": model.version},
            )
    model.role, model.requested_role, model.approved_by, model.approved_at = role, "", actor, timezone.now()
    model.save()
    audit.record(
        action="model.role_approved",
        actor=actor,
        obj=model,
        changes=audit.diff(before, audit.snapshot(model, MODEL_FIELDS)),
    )
    return model


@transaction.atomic
def model_role_reject(*, actor: Any, model: ModelVersion, note: str) -> ModelVersion:
    access.require(actor, perms.APPROVE_CHANGE, model.org_unit)
    model = ModelVersion.objects.select_for_update().get(pk=model.pk)
    if not model.requested_role:
        raise Conflict(_("No role change of this model awaits approval."))
    if model.requested_by_id == actor.pk:
        raise Conflict(_("A change is approved or rejected by someone other than its proposer (four eyes)."))
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("Give a reason."), fields={"note": [_("Say what must change.")]})
    before = audit.snapshot(model, MODEL_FIELDS)
    model.requested_role, model.requested_by, model.requested_reason = "", None, ""
    model.save()
    audit.record(
        action="model.role_rejected",
        actor=actor,
        obj=model,
        detail={"note": note},
        changes=audit.diff(before, audit.snapshot(model, MODEL_FIELDS)),
    )
    return model


def models_in_force(*, org_unit: OrgUnit) -> dict[str, ModelVersion]:
    """The current and shadow models for runs of `org_unit` (nearest unit up the tree that has one)."""
    lineage = _lineage(org_unit)
    rank = {unit_id: i for i, unit_id in enumerate(lineage)}
    found: dict[str, ModelVersion] = {}
    candidates = ModelVersion.objects.filter(
        org_unit_id__in=lineage, role__in=[ModelVersion.Role.CURRENT, ModelVersion.Role.SHADOW]
    )
    for model in sorted(candidates, key=lambda m: rank[m.org_unit_id]):
        found.setdefault(model.role, model)
    return found


def disposition_labels(*, org_unit: OrgUnit | None = None) -> dict[str, int]:
    """Account labels from case dispositions: 1 for accounts of suspicious cases, 0 for false positives.

    An account in both kinds of case counts as suspicious; "keep monitoring" is no label.
    """
    from finassure.monitoring.models import Alert, Case

    qs = Alert.objects.filter(
        case__status=Case.Status.CLOSED,
        case__disposition__in=[Case.Disposition.SUSPICIOUS, Case.Disposition.FALSE_POSITIVE],
    )
    if org_unit is not None:
        qs = qs.filter(org_unit__path__startswith=org_unit.path)
    labels: dict[str, int] = {}
    for account, disposition in qs.values_list("account_id", "case__disposition").distinct():
        labels[account] = max(labels.get(account, 0), int(disposition == Case.Disposition.SUSPICIOUS))
    return labels


def _quality(flagged: set[str], labels: dict[str, int]) -> dict[str, Any]:
    positives = {a for a, y in labels.items() if y == 1}
    negatives = {a for a, y in labels.items() if y == 0}
    hit, false = len(flagged & positives), len(flagged & negatives)
    return {
        "flagged": len(flagged),
        "suspicious_found": hit,
        "false_positives_flagged": false,
        "recall_on_labels": round(hit / len(positives), 4) if positives else None,
        "precision_on_labels": round(hit / (hit + false), 4) if hit + false else None,
    }


def shadow_compare(
    *, store: Path, org_unit: OrgUnit, current: ModelVersion | None, shadow: ModelVersion
) -> dict[str, Any]:
    """Score the run's transactions with the shadow model (no alerts) and the current one; compare them."""
    from finassure.engine.ingest import load_input
    from finassure.engine.models import score_accounts

    table, _report = load_input(store)
    shadow_scores = score_accounts(table, shadow.path, anomaly=False)
    shadow_flagged = {str(a) for a in shadow_scores.index[shadow_scores["flagged"]]}
    labels = disposition_labels(org_unit=org_unit)
    result: dict[str, Any] = {
        "accounts": len(shadow_scores),
        "labelled_accounts": len(labels),
        "shadow": {"version": shadow.version, **_quality(shadow_flagged, labels)},
    }
    if current is not None:
        current_scores = score_accounts(table, current.path, anomaly=False)
        current_flagged = {str(a) for a in current_scores.index[current_scores["flagged"]]}
        result["current"] = {"version": current.version, **_quality(current_flagged, labels)}
        result["flagged_by_both"] = len(shadow_flagged & current_flagged)
        result["only_shadow"] = len(shadow_flagged - current_flagged)
        result["only_current"] = len(current_flagged - shadow_flagged)
    return result
