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


@pytest.mark.spark
def test_every_rule_identical_whichever_way_the_input_is_held(conformance_input: Path, tmp_path: Path, spark: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A CSV validated in chunks into the run's own store, then held in DuckDB or read by Spark from that
    store's files, and a store Spark reads where it lies: each gives the in-memory run's alerts and counts."""
    from finassure.engine.ingest import ingest

    ids = [r.id for r in load_rules()]
    base = run(conformance_input, tmp_path / "memory", rule_ids=ids, input_in="memory")
    duck = run(conformance_input, tmp_path / "duck", rule_ids=ids, input_in="duckdb")
    monkeypatch.setenv("FINASSURE_INPUT_MEMORY", "1KB")  # auto: the CSV is larger than this
    sprk = run(conformance_input, tmp_path / "spark", rule_ids=ids, backend="spark", spark_session=spark)
    monkeypatch.delenv("FINASSURE_INPUT_MEMORY")
    store = tmp_path / "store"
    ingest(conformance_input, store)
    stored = run(store, tmp_path / "stored", rule_ids=ids, backend="spark", spark_session=spark)
    assert (base.manifest["input"]["held_in"], base.manifest["input"]["staged"]) == ("memory", False)
    counts = ("read", "accepted", "quarantined", "new")
    expected = base.alerts[COLS].to_dict("records")
    assert {a["rule_id"] for a in expected} == set(ids)
    for res, held, staged in ((duck, "duckdb", True), (sprk, "spark", True), (stored, "spark", False)):
        assert (res.manifest["input"]["held_in"], res.manifest["input"]["staged"]) == (held, staged)
        assert not (res.out / "_input").exists()  # the run's own store goes with the run
        got = res.alerts[COLS].to_dict("records")
        for rid in ids:
            assert [a for a in got if a["rule_id"] == rid] == [a for a in expected if a["rule_id"] == rid], (held, rid)
        if staged:
            assert {k: res.manifest["input"][k] for k in counts} == {k: base.manifest["input"][k] for k in counts}
            assert (res.out / "quarantine.jsonl").exists() == (base.out / "quarantine.jsonl").exists()
    with pytest.raises(ValueError, match="needs the DuckDB backend"):
        run(store, tmp_path / "x", rule_ids=ids, backend="spark", spark_session=spark, input_in="duckdb")
