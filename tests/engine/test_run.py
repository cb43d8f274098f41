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


def test_ingest_progress_knows_a_parquet_files_rows_before_reading(lv_csv: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from finassure.engine.cli import _parquet_rows
    from finassure.engine.ingest import load_input

    table, _ = load_input(lv_csv)
    pq.write_table(table, tmp_path / "in.parquet")
    assert _parquet_rows(str(tmp_path / "in.parquet")) == table.num_rows == 14
    assert _parquet_rows(str(lv_csv)) is None and _parquet_rows(str(tmp_path)) is None  # a count, no total


def test_cli_bench_prints_one_json_result(capsys) -> None:
    assert main(["bench", "realtime"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["transactions"] == 20_000 and res["tps"] > 0 and 0 < res["p50_ms"] <= res["p99_ms"]


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


def test_an_input_held_in_duckdb_gives_the_same_alerts_and_scores(tmp_path: Path, monkeypatch) -> None:
    """``input_in="duckdb"`` (a spilling DuckDB temp table, for stores larger than memory) changes nothing else."""
    import pyarrow.parquet as pq
    import pytest

    from finassure.engine.generate import generate
    from finassure.engine.ingest import ingest

    generate(tmp_path / "g.parquet", rows=20_000, seed=6)
    store = tmp_path / "store"
    ingest(tmp_path / "g.parquet", store)
    got = {}
    for how in ("memory", "duckdb"):
        res = run(store, tmp_path / how, model="default", input_in=how)
        assert res.manifest["input"]["held_in"] == how
        assert res.manifest["counts"]["transactions"] == res.manifest["input"]["accepted"] > 19_000
        got[how] = [(tmp_path / how / name).read_bytes() for name in ("alerts.jsonl", "accounts.parquet")]
    assert got["memory"] == got["duckdb"]
    assert main(["run", "--input", str(store), "--out", str(tmp_path / "cli"), "--rules", "pboc_lv_cash",
                 "--model", "none", "--input-in", "duckdb", "--json"]) == 0
    assert json.loads((tmp_path / "cli" / "manifest.json").read_text("utf-8"))["input"]["held_in"] == "duckdb"
    assert b"ml_account_risk" in got["duckdb"][0] and b"pboc_lv_cash" in got["duckdb"][0]
    # auto: in memory unless the input is larger than FINASSURE_INPUT_MEMORY
    assert run(store, tmp_path / "auto", rule_ids=["pboc_lv_cash"]).manifest["input"]["held_in"] == "memory"
    monkeypatch.setenv("FINASSURE_INPUT_MEMORY", "1MB")
    assert run(store, tmp_path / "auto2", rule_ids=["pboc_lv_cash"]).manifest["input"]["held_in"] == "duckdb"
    monkeypatch.setenv("FINASSURE_INPUT_MEMORY", "lots")
    with pytest.raises(ValueError, match="FINASSURE_INPUT_MEMORY='lots'"):
        run(store, tmp_path / "bad", rule_ids=["pboc_lv_cash"])
    monkeypatch.delenv("FINASSURE_INPUT_MEMORY")
    # a file not in the stored schema is validated in chunks into the run's own store first, then held there
    csv = tmp_path / "g.csv"
    pq.read_table(tmp_path / "g.parquet").to_pandas().head(3000).to_csv(csv, index=False)
    said: list[str] = []
    staged = run(csv, tmp_path / "csv", model="default", input_in="duckdb", status=said.append)
    assert said == [f"validating g.csv in chunks into {tmp_path / 'csv' / '_input'}", "rules",
                    "model: account features and scores"]
    assert (staged.manifest["input"]["held_in"], staged.manifest["input"]["staged"]) == ("duckdb", True)
    assert not (tmp_path / "csv" / "_input").exists()
    in_memory = run(csv, tmp_path / "csv-memory", model="default", input_in="memory")
    assert staged.manifest["input"]["accepted"] == in_memory.manifest["input"]["accepted"] == 3000
    assert [(tmp_path / d / "alerts.jsonl").read_bytes() for d in ("csv", "csv-memory")].count(
        (tmp_path / "csv" / "alerts.jsonl").read_bytes()) == 2
    with pytest.raises(ValueError, match="input_in must be one of"):
        run(store, tmp_path / "x", input_in="disk")


def test_read_from_files_an_account_named_with_two_customers_keeps_the_last_rows(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from finassure.engine.generate import generate
    from finassure.engine.ingest import load_input
    from finassure.engine.models import ScoringInput

    generate(tmp_path / "g.parquet", rows=5_000, seed=6)
    table, _ = load_input(tmp_path / "g.parquet")
    first = table.slice(0, 1)
    acct = first.column("account_id")[0].as_py()
    i = table.schema.get_field_index("customer_id")
    pq.write_table(table, tmp_path / "a.parquet")
    pq.write_table(first.set_column(i, table.schema.field("customer_id"), pa.array(["C-LAST"])), tmp_path / "b.parquet")
    files = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    from_files = ScoringInput(files=files)
    from_table = ScoringInput(pa.concat_tables([pq.read_table(f) for f in files]))
    try:
        assert from_files.customers(pa.array([acct])) == from_table.customers(pa.array([acct])) == {acct: "C-LAST"}
        n = "SELECT count(*), round(sum(amount), 2), count(DISTINCT src) FROM edges"
        assert from_files.con.sql(n).fetchall() == from_table.con.sql(n).fetchall()
    finally:
        from_files.close()
        from_table.close()


def test_an_input_without_accepted_rows_runs_to_an_empty_result(tmp_path: Path, monkeypatch) -> None:
    """A header-only CSV and a CSV whose every row is quarantined each run — rules, model and anomaly score —
    to no alerts and reconciled counts, held in memory or staged, instead of failing inside DuckDB or
    LightGBM."""
    import pyarrow.parquet as pq

    import finassure.engine.ingest as ingest_module

    empty = write_csv(tmp_path / "empty.csv", [])
    bad = write_csv(tmp_path / "bad.csv", [row("b1", "2026-03-02T10:00:00+08:00", "C1", "-5"),
                                           row("b2", "2026-03-02T11:00:00+08:00", "C1", "0")])
    monkeypatch.setattr(ingest_module, "QUARANTINE_KEPT", 1)  # the run's quarantine file still has every row
    for src, how, quarantined in [(empty, "memory", 0), (empty, "duckdb", 0), (bad, "memory", 2), (bad, "duckdb", 2)]:
        out = tmp_path / f"{src.stem}-{how}"
        res = run(src, out, model="default", anomaly=True, input_in=how)
        inp = res.manifest["input"]
        assert (inp["read"], inp["accepted"], inp["quarantined"]) == (quarantined, 0, quarantined), (src, how)
        assert res.manifest["counts"] == {"transactions": 0, "alerts": 0, "by_rule": {}}
        assert (out / "alerts.jsonl").read_text("utf-8") == ""
        assert pq.read_table(out / "accounts.parquet").num_rows == 0
        assert not (out / "_input").exists()
        if quarantined:
            saved = [json.loads(x) for x in (out / "quarantine.jsonl").read_text("utf-8").splitlines()]
            assert [q["raw"]["txn_id"] for q in saved] == ["b1", "b2"], how
            assert inp["quarantine_file"] == str(out / "quarantine.jsonl")
        else:
            assert not (out / "quarantine.jsonl").exists() and inp["quarantine_file"] is None
