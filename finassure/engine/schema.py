"""Canonical transaction schema: the column contract every adapter, rule and backend relies on."""

from __future__ import annotations

import pyarrow as pa

DEFAULT_TIMEZONE = "Asia/Shanghai"
DOMESTIC_COUNTRY = "CN"

#: The canonical columns, in order (DESIGN.md section 6). ``cross_border`` is optional on input.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "txn_id",
    "ts",
    "account_id",
    "customer_id",
    "customer_type",
    "direction",
    "amount",
    "currency",
    "channel",
    "counterparty_account_id",
    "counterparty_bank",
    "counterparty_country",
    "cross_border",
)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in CANONICAL_COLUMNS if c != "cross_border")
#: Columns that may be empty in a row.
NULLABLE_COLUMNS: frozenset[str] = frozenset(
    {"counterparty_account_id", "counterparty_bank", "counterparty_country", "cross_border"}
)

CUSTOMER_TYPES: frozenset[str] = frozenset({"individual", "entity"})
DIRECTIONS: frozenset[str] = frozenset({"in", "out"})
CHANNELS: frozenset[str] = frozenset({"cash", "transfer", "card", "other"})

CANONICAL_SCHEMA = pa.schema(
    [
        pa.field("txn_id", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("customer_type", pa.string(), nullable=False),
        pa.field("direction", pa.string(), nullable=False),
        pa.field("amount", pa.float64(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("counterparty_account_id", pa.string()),
        pa.field("counterparty_bank", pa.string()),
        pa.field("counterparty_country", pa.string()),
        pa.field("cross_border", pa.bool_()),
    ]
)

#: Columns the engine derives once, at ingest, and stores next to the canonical ones.
#: ``local_date`` is the institution-local business day (the ibis time-zone trap of DESIGN.md 4).
DERIVED_FIELDS: tuple[pa.Field, ...] = (
    pa.field("local_date", pa.date32(), nullable=False),
    pa.field("epoch_s", pa.int64(), nullable=False),
    pa.field("amount_cny", pa.float64(), nullable=False),
    pa.field("amount_usd", pa.float64(), nullable=False),
    pa.field("attributes", pa.string()),
)
STORED_SCHEMA = pa.schema(list(CANONICAL_SCHEMA) + list(DERIVED_FIELDS))

#: What the rules and the model read: every stored column but ``attributes``, the extra columns of an
#: institution's file, kept in the store for people and never read by a rule (a rule's input table,
#: :func:`ibis_schema`, does not have it, so a rule that tried would fail to compile, not read nothing).
RUN_COLUMNS = tuple(n for n in STORED_SCHEMA.names if n != "attributes")
#: Text columns with a handful of distinct values (codes, banks, countries). A run holds them dictionary-encoded
#: (:data:`RUN_SCHEMA`): the same strings to every reader (DuckDB reads them as VARCHAR), a quarter of the bytes.
DICTIONARY_COLUMNS = ("customer_type", "direction", "currency", "channel", "counterparty_bank", "counterparty_country")
#: The input as a run holds it in memory: :data:`RUN_COLUMNS`, :data:`DICTIONARY_COLUMNS` dictionary-encoded.
RUN_SCHEMA = pa.schema([f.with_type(pa.dictionary(pa.int32(), pa.string())) if f.name in DICTIONARY_COLUMNS else f
                        for f in STORED_SCHEMA if f.name in RUN_COLUMNS])


def ibis_schema() -> dict[str, str]:
    """The stored schema as an ibis schema mapping (used to build unbound rule expressions)."""
    mapping = {
        pa.string(): "string",
        pa.float64(): "float64",
        pa.bool_(): "boolean",
        pa.date32(): "date",
        pa.int64(): "int64",
        pa.timestamp("us", tz="UTC"): "timestamp('UTC')",
    }
    return {f.name: mapping[f.type] for f in STORED_SCHEMA if f.name in RUN_COLUMNS}
