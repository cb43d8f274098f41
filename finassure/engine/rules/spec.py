"""Rule specifications: YAML scenario declarations (id, version, parameters, severity, explanations)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from finassure.engine.i18n import _

SEVERITIES = {"low": 0.4, "medium": 0.6, "high": 0.8}
KINDS = {"daily", "account", "transaction"}


class RuleError(ValueError):
    """A scenario file is invalid."""


@dataclass(frozen=True)
class RuleSpec:
    id: str
    version: int
    kind: str
    implementation: str
    severity: str
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    explanation: dict[str, str] = field(default_factory=dict)
    title: dict[str, str] = field(default_factory=dict)

    @property
    def base_score(self) -> float:
        return SEVERITIES[self.severity]

    def fingerprint(self) -> str:
        """Stable hash of everything that changes what the rule produces.

        The compiled SQL is part of it, so a run resumed after an engine upgrade recomputes a rule whose
        implementation changed instead of reusing the old part.
        """
        from finassure.engine.rules import compile_sql  # the package imports this module

        payload = json.dumps([self.id, self.version, self.implementation, self.params, compile_sql(self, "duckdb")],
                             sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def as_manifest(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "kind": self.kind, "severity": self.severity,
                "implementation": self.implementation, "params": self.params, "fingerprint": self.fingerprint()}


def _parse(doc: dict[str, Any], origin: str) -> list[RuleSpec]:
    rules = doc.get("rules")
    if not isinstance(rules, list):
        raise RuleError(_("{origin}: top-level 'rules' list is missing").format(origin=origin))
    out: list[RuleSpec] = []
    for i, item in enumerate(rules):
        where = f"{origin}: rules[{i}]"
        for key in ("id", "version", "kind", "implementation", "severity", "explanation"):
            if key not in item:
                raise RuleError(_("{where}: missing '{key}'").format(where=where, key=key))
        if item["kind"] not in KINDS:
            raise RuleError(_("{where}: kind must be one of {choices}").format(where=where, choices=", ".join(sorted(KINDS))))
        if item["severity"] not in SEVERITIES:
            raise RuleError(_("{where}: severity must be one of {choices}").format(
                where=where, choices=", ".join(sorted(SEVERITIES))))
        expl = item["explanation"]
        if not {"en", "zh-hans"} <= set(expl):
            raise RuleError(_("{where}: explanation needs 'en' and 'zh-hans'").format(where=where))
        out.append(RuleSpec(id=str(item["id"]), version=int(item["version"]), kind=item["kind"],
                            implementation=str(item["implementation"]), severity=item["severity"],
                            enabled=bool(item.get("enabled", True)), params=dict(item.get("params") or {}),
                            explanation=dict(expl), title=dict(item.get("title") or {})))
    ids = [r.id for r in out]
    if len(set(ids)) != len(ids):
        raise RuleError(_("{origin}: duplicate rule ids").format(origin=origin))
    return out


def load_rules(path: str | Path | None = None, *, overrides: dict[str, dict[str, Any]] | None = None
               ) -> list[RuleSpec]:
    """Load the built-in scenarios (or ``path``), then apply per-rule overrides (``enabled``, ``params``)."""
    if path is None:
        text = resources.files("finassure.engine.rules").joinpath("scenarios.yaml").read_text("utf-8")
        origin = "scenarios.yaml"
    else:
        text, origin = Path(path).read_text("utf-8"), str(path)
    rules = _parse(yaml.safe_load(text) or {}, origin)
    for rid, change in (overrides or {}).items():
        idx = next((i for i, r in enumerate(rules) if r.id == rid), None)
        if idx is None:
            raise RuleError(_("override for unknown rule {id!r}").format(id=rid))
        r = rules[idx]
        rules[idx] = replace(r, enabled=change.get("enabled", r.enabled),
                             params={**r.params, **change.get("params", {})})
    return rules


def select(rules: list[RuleSpec], ids: list[str] | None) -> list[RuleSpec]:
    """Enabled rules, or exactly the named ones (named rules run even when disabled by default)."""
    if not ids:
        return [r for r in rules if r.enabled]
    known = {r.id: r for r in rules}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise RuleError(_("unknown rule id(s): {unknown}; known: {known}").format(unknown=", ".join(unknown), known=", ".join(known)))
    return [known[i] for i in ids]
