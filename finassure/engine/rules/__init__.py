"""Rules as data: YAML scenarios bound to ibis implementations (Table → Table), compiled per SQL dialect."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import sqlglot

from finassure.engine.i18n import _
from finassure.engine.rules import large_value, typology
from finassure.engine.rules.common import ALERT_SCHEMA, DIALECT, TABLE_NAME, source_table
from finassure.engine.rules.spec import RuleError, RuleSpec, load_rules, select

RuleFn = Callable[[ir.Table, dict[str, Any]], ir.Table]
DIALECTS = ("duckdb", "pyspark")

IMPLEMENTATIONS: dict[str, RuleFn] = {
    "large_value": large_value.large_value,
    **typology.IMPLEMENTATIONS,
}

__all__ = ["ALERT_SCHEMA", "DIALECTS", "IMPLEMENTATIONS", "TABLE_NAME", "RuleError", "RuleSpec", "build",
           "compile_sql", "compile_union", "load_rules", "select", "snapshot_sql", "source_digest"]


def build(rule: RuleSpec) -> ir.Table:
    """The rule's expression over the unbound ``transactions`` table."""
    fn = IMPLEMENTATIONS.get(rule.implementation)
    if fn is None:
        raise RuleError(_("rule {id}: unknown implementation {implementation!r}").format(
            id=rule.id, implementation=rule.implementation))
    return fn(source_table(), rule.params)


#: compiled SQL by (implementation function, params, dialect): compiling a rule takes ibis 0.1–0.3 s and a
#: run needs each rule's SQL several times (fingerprint, execution, manifest for both dialects)
_COMPILED: dict[tuple[Any, str, str], str] = {}

#: the kept compiled SQL of each built-in rule per dialect (``python -m finassure.engine.rules.snapshots``)
SNAPSHOT_DIR = Path(__file__).parent / "sql"
#: :func:`source_digest` of the code the snapshots were compiled from
SNAPSHOT_SOURCE = SNAPSHOT_DIR / "_source.sha256.txt"


@functools.cache
def source_digest() -> str:
    """sha256 of everything a rule's compiled SQL depends on besides its parameters: the rule modules, the
    canonical schema, and the ibis and sqlglot versions."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for f in [*sorted(here.glob("*.py")), here.parent / "schema.py"]:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    h.update(f"ibis {ibis.__version__} sqlglot {sqlglot.__version__}".encode())
    return h.hexdigest()


@functools.cache
def _builtin_rules() -> dict[str, RuleSpec]:
    return {r.id: r for r in load_rules()}


def snapshot_sql(rule: RuleSpec, dialect: str) -> str | None:
    """The kept SQL of a built-in rule with its built-in parameters, if the snapshots were compiled from the
    code running now (:func:`source_digest`); else ``None``. Reading it is the same as compiling (a test keeps
    the snapshots current) and saves ≈ 2 s of ibis compilation per run."""
    builtin = _builtin_rules().get(rule.id)
    if builtin is None or (builtin.implementation, builtin.params) != (rule.implementation, rule.params):
        return None
    path = SNAPSHOT_DIR / f"{rule.id}.{dialect}.sql"
    try:
        if SNAPSHOT_SOURCE.read_text("utf-8").strip() != source_digest():
            return None
        return path.read_text("utf-8")
    except FileNotFoundError:
        return None


def compile_sql(rule: RuleSpec, dialect: str, *, fresh: bool = False) -> str:
    """Compiled SQL of ``rule`` for ``dialect`` (``duckdb`` or ``pyspark``).

    A built-in rule's kept snapshot is used when current (:func:`snapshot_sql`); ``fresh=True`` always compiles.
    """
    key = (IMPLEMENTATIONS.get(rule.implementation), json.dumps(rule.params, sort_keys=True, default=str), dialect)
    if not fresh:
        if key[0] is not None and key in _COMPILED:
            return _COMPILED[key]
        kept = snapshot_sql(rule, dialect)
        if kept is not None:
            _COMPILED[key] = kept
            return kept
    if dialect == "pyspark":
        _ = ibis.pyspark  # registers the backend's options, which its compiler reads
    token = DIALECT.set(dialect)
    try:
        sql = ibis.to_sql(build(rule), dialect=dialect).strip() + "\n"
    finally:
        DIALECT.reset(token)
    _COMPILED[key] = sql
    return sql


def compile_union(rules: list[RuleSpec], dialect: str) -> str:
    """One query for several rules (UNION ALL, a ``_rule_id`` column tells them apart): one round trip.

    The engine batches the four large-value criteria this way; each rule's own SQL stays in the manifest.
    """
    if dialect == "pyspark":
        _ = ibis.pyspark
    token = DIALECT.set(dialect)
    try:
        parts = [build(r).mutate(_rule_id=ibis.literal(r.id)) for r in rules]
        return ibis.to_sql(ibis.union(*parts, distinct=False), dialect=dialect).strip() + "\n"
    finally:
        DIALECT.reset(token)
