"""Rules as data: YAML scenarios bound to ibis implementations (Table → Table), compiled per SQL dialect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from finassure.engine.rules import large_value, typology
from finassure.engine.rules.common import ALERT_SCHEMA, TABLE_NAME, source_table
from finassure.engine.rules.spec import RuleError, RuleSpec, load_rules, select

RuleFn = Callable[[ir.Table, dict[str, Any]], ir.Table]
DIALECTS = ("duckdb", "pyspark")

IMPLEMENTATIONS: dict[str, RuleFn] = {
    "large_value": large_value.large_value,
    **typology.IMPLEMENTATIONS,
}

__all__ = ["ALERT_SCHEMA", "DIALECTS", "IMPLEMENTATIONS", "TABLE_NAME", "RuleError", "RuleSpec", "build",
           "compile_sql", "load_rules", "select"]


def build(rule: RuleSpec) -> ir.Table:
    """The rule's expression over the unbound ``transactions`` table."""
    fn = IMPLEMENTATIONS.get(rule.implementation)
    if fn is None:
        raise RuleError(f"rule {rule.id}: unknown implementation {rule.implementation!r}")
    return fn(source_table(), rule.params)


def compile_sql(rule: RuleSpec, dialect: str) -> str:
    """Compiled SQL of ``rule`` for ``dialect`` (``duckdb`` or ``pyspark``)."""
    if dialect == "pyspark":
        _ = ibis.pyspark  # registers the backend's options, which its compiler reads
    return ibis.to_sql(build(rule), dialect=dialect).strip() + "\n"
