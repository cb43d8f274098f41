"""Shared pieces of rule expressions: the input table, the standard alert columns, cent arithmetic."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from finassure.engine.schema import ibis_schema

#: Every rule returns exactly these columns (the runner turns each row into one alert).
ALERT_SCHEMA: dict[str, str] = {
    "account_id": "string",
    "customer_id": "string",
    "date": "date",
    "direction": "string",
    "currency": "string",
    "value": "float64",
    "threshold": "float64",
    "txn_count": "int64",
    "txn_ids": "array<string>",
}
TABLE_NAME = "transactions"


def source_table() -> ir.Table:
    """The unbound input table; backends bind a table or view of this name."""
    return ibis.table(ibis_schema(), name=TABLE_NAME)


def cents(col: ir.NumericValue) -> ir.IntegerValue:
    """Amounts as integer cents: exact sums, identical on every backend."""
    return (col * 100).round().cast("int64")


def standard(t: ir.Table, **cols: ir.Value) -> ir.Table:
    """Project ``t`` to :data:`ALERT_SCHEMA`; missing columns become typed NULLs."""
    exprs = {}
    for name, dtype in ALERT_SCHEMA.items():
        value = cols.get(name)
        if value is None:
            value = t[name] if name in t.columns else ibis.null(dtype)
        exprs[name] = value.cast(dtype)
    return t.select(**exprs)
