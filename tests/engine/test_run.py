"""Runs: outputs, manifest evidence, restartability and deduplication; the CLI front door."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from finassure.engine.cli import main
from finassure.engine.run import run
from tests.engine.conftest import row, write_csv

LV = "pboc_lv_cash,pboc_lv_entity_transfer,pboc_lv_individual_domestic,pboc_lv_individual_crossborder"


def test_outputs_and_manifest(lv_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run(lv_csv, out, rule_ids=LV.split(","))
    lines = [json.loads(x) for x in (out / "alerts.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 8
    for a in lines:
        assert {"rule_id", "customer_id", "account_id", "date", "score", "explanation"} <= set(a)
    assert len(pd.read_parquet(out / "alerts.parquet")) == 8
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert m["input"]["sha256"] == res.manifest["input"]["sha256"] and len(m["input"]["sha256"]) == 64
    assert m["counts"]["alerts"] == 8 and m["counts"]["by_rule"]["pboc_lv_cash"] == 3
    rule = {r["id"]: r for r in m["rules"]}["pboc_lv_cash"]
    assert rule["version"] == 1 and rule["params"]["cny_threshold"] == 50000
    assert '"transactions"' in rule["sql"]["duckdb"] and "`transactions`" in rule["sql"]["pyspark"]
    assert "5000000" in rule["sql"]["duckdb"]  # the threshold in cents is in the evidence
    for name in ("alerts.jsonl", "alerts.parquet"):  # plain sha256 of each output, as sha256sum prints it
        assert m["outputs_sha256"][name] == hashlib.sha256((out / name).read_bytes()).hexdigest()


def test_killed_run_resumes_with_same_alerts(lv_csv: Path, tmp_path: Path) -> None:
    full = run(lv_csv, tmp_path / "full", rule_ids=LV.split(",")).alerts
    out = tmp_path / "resumed"
    run(lv_csv, out, rule_ids=LV.split(","))
    parts = sorted((out / "_parts").glob("*.parquet"))
    assert len(parts) == 4
    # simulate a kill after two rules: final outputs and the later parts are missing, a temp file is left
    for p in parts[2:]:
        p.unlink()
    (out / "alerts.jsonl").unlink()
    (out / "manifest.json").unlink()
    (out / "_parts" / ".half-written.parquet.tmp").write_bytes(b"garbage")
    res = run(lv_csv, out, rule_ids=LV.split(","))
    assert sum(r["reused"] for r in res.manifest["rules"]) == 2
    cols = ["alert_id", "rule_id", "customer_id", "date", "value", "txn_ids"]
    assert res.alerts[cols].to_dict("records") == full[cols].to_dict("records")
    again = run(lv_csv, out, rule_ids=LV.split(","))
    assert len(again.alerts) == len(full) == again.alerts["alert_id"].nunique()


def test_cli_run_and_ingest(lv_csv: Path, tmp_path: Path, capsys) -> None:
    store = tmp_path / "store"
    assert main(["ingest", str(lv_csv), "--store", str(store)]) == 0
    assert "read 14 = accepted 14 (new 14, already stored 0) + quarantined 0" in capsys.readouterr().out
    assert main(["run", "--input", str(store), "--out", str(tmp_path / "o"), "--rules", LV, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "model" in printed["timings"]  # the shipped model scores by default
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert manifest["model"]["version"]
    rule_alerts = sum(v for k, v in printed["counts"]["by_rule"].items() if k != "ml_account_risk")
    assert rule_alerts == 8
    assert main(["run", "--input", str(store), "--out", str(tmp_path / "r"), "--rules", LV, "--model", "none",
                 "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["counts"]["alerts"] == 8 and "model" not in printed["timings"]
    assert json.loads((tmp_path / "r" / "manifest.json").read_text("utf-8"))["model"] is None


def test_cli_errors_are_clear(tmp_path: Path, capsys) -> None:
    bad = write_csv(tmp_path / "x.csv", [row("a", "2026-01-01T00:00:00Z", "C", 1)], ("txn_id", "ts", "amount"))
    assert main(["run", "--input", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "x.csv: line 1: missing column(s) account_id" in err
    assert main(["run", "--input", str(bad), "--out", str(tmp_path / "o"), "--rules", "nope"]) == 2
    assert "unknown rule id(s): nope" in capsys.readouterr().err


def test_running_out_of_duckdb_memory_names_the_step_and_the_remedy_and_keeps_the_rule_results(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """At 20M rows the model's feature query needed more than the default 2GB; that must read as a clear error
    (step, limit, setting to raise), and the rule results already written must survive for the re-run."""
    from finassure.engine.backends import duckdb_backend
    from finassure.engine.generate import generate

    data = tmp_path / "g.parquet"
    generate(data, rows=5_000, seed=3)
    out = tmp_path / "o"
    args = ["run", "--input", str(data), "--out", str(out), "--model", "default", "--rules", "pboc_lv_cash"]
    monkeypatch.setattr(duckdb_backend, "MEMORY_LIMIT", "1MB")  # what the model step's connection reads
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "DuckDB ran out of its working memory in the model step" in err
    assert "limit 1MB" in err and "FINASSURE_DUCKDB_MEMORY" in err
    assert not (out / "alerts.jsonl").exists() and not (out / "manifest.json").exists()  # nothing half-written
    assert len(list((out / "_parts").glob("pboc_lv_cash-*.parquet"))) == 1  # the rule's result is kept
    monkeypatch.setattr(duckdb_backend, "MEMORY_LIMIT", "2GB")
    assert main(args) == 0
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [r["reused"] for r in manifest["rules"]] == [True]
    assert manifest["model"] is not None


def test_a_part_written_before_chinese_contributions_is_still_reused(lv_csv: Path, tmp_path: Path) -> None:
    """Finished rules written by an engine without `top_features_zh` resume instead of failing the re-run."""
    import pyarrow.parquet as pq

    out = tmp_path / "o"
    full = run(lv_csv, out, rule_ids=LV.split(","))
    for part in (out / "_parts").glob("*.parquet"):
        table = pq.read_table(part)
        pq.write_table(table.drop_columns(["top_features_zh"]), part)
    again = run(lv_csv, out, rule_ids=LV.split(","))
    assert all(r["reused"] for r in again.manifest["rules"])
    assert again.alerts.to_dict("records") == full.alerts.to_dict("records")
