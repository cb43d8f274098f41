"""Conformance: every rule gives identical alerts on DuckDB and on Spark local[2]; SQL snapshots hold."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.types as pa_types
import pytest

import finassure.engine.rules as rules_pkg
from finassure.engine.rules import compile_sql, load_rules, snapshot_sql
from finassure.engine.rules.snapshots import stale
from finassure.engine.run import run

COLS = ["alert_id", "rule_id", "customer_id", "account_id", "date", "direction", "currency", "value",
        "threshold", "txn_count", "txn_ids", "score", "explanation"]


def test_sql_snapshots_are_current() -> None:
    assert stale() == [], "rule SQL changed: review and run python -m finassure.engine.rules.snapshots"


def test_runs_read_current_snapshots_and_compile_otherwise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rule = next(r for r in load_rules() if r.id == "fan_in")
    fresh = compile_sql(rule, "duckdb", fresh=True)
    assert snapshot_sql(rule, "duckdb") == fresh
    # other parameters: no snapshot, compiled
    changed = replace(rule, params={**rule.params, "min_counterparties": 99})
    assert snapshot_sql(changed, "duckdb") is None
    assert "99" in compile_sql(changed, "duckdb") and compile_sql(changed, "duckdb") != fresh
    # the snapshot folder is what a run reads while its source digest matches the code; stale code is compiled
    kept = tmp_path / "sql"
    kept.mkdir()
    (kept / "fan_in.duckdb.sql").write_text("SELECT 'kept' AS marker\n", "utf-8")
    (kept / "_source.sha256.txt").write_text(rules_pkg.source_digest() + "\n", "utf-8")
    monkeypatch.setattr(rules_pkg, "SNAPSHOT_DIR", kept)
    monkeypatch.setattr(rules_pkg, "SNAPSHOT_SOURCE", kept / "_source.sha256.txt")
    monkeypatch.setattr(rules_pkg, "_COMPILED", {})
    assert compile_sql(rule, "duckdb") == "SELECT 'kept' AS marker\n"
    (kept / "_source.sha256.txt").write_text("0" * 64 + "\n", "utf-8")
    monkeypatch.setattr(rules_pkg, "_COMPILED", {})
    assert compile_sql(rule, "duckdb") == fresh


def test_every_rule_identical_on_the_stored_table_and_as_a_run_holds_it(conformance_input: Path) -> None:
    """A run holds the code columns as dictionaries and no attributes; the rules must find the same alerts."""
    from finassure.engine.backends.duckdb_backend import DuckDBBackend
    from finassure.engine.ingest import load_input
    from finassure.engine.run import execute_rules
    from finassure.engine.schema import DICTIONARY_COLUMNS

    plain, _ = load_input(conformance_input)
    encoded, _ = load_input(conformance_input, as_run=True)
    assert all(pa_types.is_dictionary(encoded.schema.field(c).type) for c in DICTIONARY_COLUMNS)
    assert not any(pa_types.is_dictionary(f.type) for f in plain.schema)
    assert "attributes" in plain.schema.names and "attributes" not in encoded.schema.names
    found = []
    for table in (plain, encoded):
        be = DuckDBBackend()
        try:
            be.load(table)
            alerts, _ = execute_rules(be, load_rules())
        finally:
            be.close()
        found.append(alerts.sort_values("alert_id")[COLS].to_dict("records"))
    assert found[0] == found[1]
    assert {a["rule_id"] for a in found[0]} == {r.id for r in load_rules()}


@pytest.mark.spark
def test_every_rule_identical_on_duckdb_and_spark(conformance_input: Path, tmp_path: Path, spark: Any) -> None:
    ids = [r.id for r in load_rules()]
    duck = run(conformance_input, tmp_path / "duck", rule_ids=ids, backend="duckdb")
    sprk = run(conformance_input, tmp_path / "spark", rule_ids=ids, backend="spark", spark_session=spark)
    d = duck.alerts[COLS].to_dict("records")
    s = sprk.alerts[COLS].to_dict("records")
    for rid in ids:
        assert [a for a in d if a["rule_id"] == rid] == [a for a in s if a["rule_id"] == rid], rid
    fired = {a["rule_id"] for a in d}
    assert fired == set(ids), f"rules without any alert in the conformance data: {set(ids) - fired}"
    assert sprk.manifest["backend"] == "spark"
