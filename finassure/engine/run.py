"""Batch runs: every selected rule on a backend → deduplicated alerts (JSON lines + Parquet) and a manifest."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from finassure.engine.backends import Backend, get_backend
from finassure.engine.backends.duckdb_backend import memory_limit_guard
from finassure.engine.gcpause import gc_paused
from finassure.engine.i18n import _
from finassure.engine.ingest import (
    RUN_BYTES_PER_ROW,
    IngestReport,
    ingest,
    load_input,
    release_memory,
    stored_files,
    stored_report,
)
from finassure.engine.ingest.store import TransactionStore
from finassure.engine.rules import DIALECTS, RuleSpec, compile_sql, compile_union, load_rules, select
from finassure.engine.schema import DEFAULT_TIMEZONE, RUN_SCHEMA

ALERT_FIELDS = ("alert_id", "rule_id", "rule_version", "customer_id", "account_id", "date", "direction",
                "currency", "value", "threshold", "txn_count", "txn_ids", "score", "severity",
                "model_score", "explanation", "explanation_zh", "top_features", "top_features_zh")
_DIR_EN = {"in": "receipts", "out": "payments", None: "activity"}
_DIR_ZH = {"in": "收入", "out": "支出", None: "交易"}
Progress = Callable[[str], None]


@dataclass
class RunResult:
    out: Path
    alerts: pd.DataFrame
    manifest: dict[str, Any]


def file_digest(path: Path) -> str:
    """sha256 of a file, or of a folder's Parquet files (names and contents) for a store."""
    h = hashlib.sha256()
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        with f.open("rb") as fh:
            for block in iter(functools.partial(fh.read, 1 << 22), b""):
                h.update(block)
    return h.hexdigest()


def sha256_file(path: Path) -> str:
    """Plain sha256 of one file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(functools.partial(fh.read, 1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    df.to_parquet(path, index=False)


def _atomic_write(path: Path, writer: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    writer(tmp)
    os.replace(tmp, path)


def _fmt(v: Any) -> str:
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def normalise(rule: RuleSpec, raw: pd.DataFrame) -> pd.DataFrame:
    """Backend rows → alert rows: plain Python types, sorted evidence, ids, score and explanations."""
    with gc_paused():
        return _normalise(rule, raw)


def _normalise(rule: RuleSpec, raw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for rec in raw.to_dict("records"):
        d = rec.get("date")
        d = None if d is None or (isinstance(d, float) and np.isnan(d)) or d is pd.NaT else d
        if isinstance(d, datetime | pd.Timestamp):
            d = d.date()
        day = d.isoformat() if isinstance(d, date) else None
        ids = rec.get("txn_ids")
        ids = sorted(str(x) for x in ids) if ids is not None else []
        value = None if pd.isna(rec.get("value")) else round(float(rec["value"]), 2)
        threshold = None if pd.isna(rec.get("threshold")) else round(float(rec["threshold"]), 2)
        direction = rec.get("direction") if isinstance(rec.get("direction"), str) else None
        currency = rec.get("currency") if isinstance(rec.get("currency"), str) else None
        key = "|".join(str(x) for x in (rule.id, rec["customer_id"], rec["account_id"], day, direction, currency))
        ratio = (value / threshold) if value and threshold else 1.0
        score = rule.base_score + (1 - rule.base_score) * min(max(1 - 1 / ratio, 0.0), 1.0) if ratio >= 1 \
            else rule.base_score
        fields = {**rule.params, "customer_id": rec["customer_id"], "account_id": rec["account_id"],
                  "date": day, "direction_en": _DIR_EN.get(direction, direction),
                  "direction_zh": _DIR_ZH.get(direction, direction), "value": _fmt(value),
                  "threshold": _fmt(threshold), "currency": currency or "", "txn_count": int(rec["txn_count"])}
        rows.append({
            "alert_id": hashlib.sha256(key.encode()).hexdigest()[:20], "rule_id": rule.id,
            "rule_version": rule.version, "customer_id": str(rec["customer_id"]),
            "account_id": str(rec["account_id"]), "date": day, "direction": direction, "currency": currency,
            "value": value, "threshold": threshold, "txn_count": int(rec["txn_count"]), "txn_ids": ids,
            "score": round(min(score, 0.99), 4), "severity": rule.severity, "model_score": None,
            "explanation": rule.explanation["en"].format_map(_Missing(fields)),
            "explanation_zh": rule.explanation["zh-hans"].format_map(_Missing(fields)), "top_features": [],
            "top_features_zh": [],
        })
    return pd.DataFrame(rows, columns=list(ALERT_FIELDS))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def execute_rules(backend: Backend, rules: list[RuleSpec], parts: Path | None = None, tag: str = "",
                  progress: Progress | None = None) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Run each rule's compiled SQL on ``backend``; with ``parts``, finished rules are kept and skipped on rerun."""
    frames, stats = [], {}
    todo = [r for r in rules if not (parts is not None and (parts / f"{r.id}-{r.fingerprint()}-{tag}.parquet").exists())]
    batched: dict[str, tuple[pd.DataFrame, float]] = {}
    for group in dict.fromkeys(BATCHED.values()):
        batched |= _run_batch(backend, [r for r in todo if BATCHED.get(r.implementation) == group])
    for rule in rules:
        part = parts / f"{rule.id}-{rule.fingerprint()}-{tag}.parquet" if parts else None
        t0 = time.perf_counter()
        if rule.id in batched:
            df, secs = batched[rule.id]
            df = normalise(rule, df)
            if part is not None:
                _atomic_write(part, functools.partial(_write_parquet, df))
            stats[rule.id] = {"alerts": len(df), "seconds": round(time.perf_counter() - t0 + secs, 3),
                              "reused": False, "batched": True}
            frames.append(df)
            if progress:
                progress(rule.id)
            continue
        if part is not None and part.exists():
            df = pd.read_parquet(part)
            for col in ("txn_ids", "top_features", "top_features_zh"):  # a part from an older engine may lack one
                df[col] = df[col].map(list) if col in df.columns else [[] for _ in range(len(df))]
            df = df[list(ALERT_FIELDS)]
            reused = True
        else:
            df = normalise(rule, backend.query(compile_sql(rule, backend.dialect)))
            if part is not None:
                _atomic_write(part, functools.partial(_write_parquet, df))
            reused = False
        stats[rule.id] = {"alerts": len(df), "seconds": round(time.perf_counter() - t0, 3), "reused": reused}
        frames.append(df)
        if progress:
            progress(rule.id)
    frames = [f for f in frames if len(f)]
    alerts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(ALERT_FIELDS))
    return dedupe(alerts), stats


#: implementation → batch: the rules of a batch run as one UNION ALL query. Rules built on the same
#: intermediate relations share them there: ibis emits each once (a CTE) and DuckDB computes it once —
#: the money-flow edges and the account → customer map for the graph rules, the per-account-day totals
#: for dormancy and spikes — instead of every rule rescanning the input to rebuild them.
BATCHED = {"large_value": "large_value",
           "fan_in": "graph", "fan_out": "graph", "gather_scatter": "graph", "scatter_gather": "graph",
           "cycles": "graph", "dormant": "daily", "velocity_spike": "daily"}


def _run_batch(backend: Backend, rules: list[RuleSpec]) -> dict[str, tuple[pd.DataFrame, float]]:
    """Rows per rule id from one union query, with each rule's share of the query time."""
    if len(rules) < 2:
        return {}
    t0 = time.perf_counter()
    raw = backend.query(compile_union(rules, backend.dialect))
    secs = (time.perf_counter() - t0) / len(rules)
    return {r.id: (raw[raw["_rule_id"] == r.id].drop(columns="_rule_id").reset_index(drop=True), secs)
            for r in rules}


def dedupe(alerts: pd.DataFrame) -> pd.DataFrame:
    """One alert per alert_id, in a stable order."""
    alerts = alerts.drop_duplicates(subset="alert_id", keep="first")
    return alerts.sort_values(["rule_id", "customer_id", "account_id", "date", "direction", "currency"],
                              na_position="first", kind="stable").reset_index(drop=True)


INPUT_IN = ("auto", "memory", "duckdb")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?B)?\s*$", re.IGNORECASE)


def input_memory_budget() -> int:
    """Most bytes ``input_in="auto"`` holds a run's input in as Arrow: ``FINASSURE_INPUT_MEMORY`` (e.g. ``6GB``),
    else a quarter of the machine's physical memory (8 GB where the platform does not tell)."""
    env = os.environ.get("FINASSURE_INPUT_MEMORY")
    if env:
        m = _SIZE.match(env)
        if m is None:
            raise ValueError(_("FINASSURE_INPUT_MEMORY={value!r}: expected a size such as 6GB or 500MB").format(value=env))
        return int(float(m.group(1)) * 1024 ** "BKMGT".index((m.group(2) or "B")[0].upper()))
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    except (AttributeError, ValueError, OSError):
        return 8 * 1024 ** 3


#: the run folder's store for an input file validated in chunks (removed when the run ends)
STAGE_DIR = "_input"
#: every row of a file input that validation rejected, in the run's folder
QUARANTINE_FILE = "quarantine.jsonl"


def _stage(src: Path, store: Path, tz: str) -> tuple[list[Path], IngestReport]:
    """Validate ``src`` in chunks into a fresh store at ``store``: its files, and the report a load gives.

    A store left by a killed run is removed first, so a resumed run counts the input as the first one did.
    """
    shutil.rmtree(store, ignore_errors=True)
    report = ingest(src, store, tz=tz)
    if report.quarantine_file:  # the store goes with the run: its quarantine moves to the run's own folder
        report.quarantine_file = str(Path(report.quarantine_file).replace(store.parent / QUARANTINE_FILE))
    return TransactionStore(store).files(), report


def run(input_path: str | Path, out: str | Path, *, backend: str = "duckdb", rule_ids: list[str] | None = None,
        rules_file: str | Path | None = None, model: str | Path | None = None, tz: str = DEFAULT_TIMEZONE,
        spark_master: str | None = None, spark_session: Any = None, progress: Progress | None = None,
        anomaly: bool = False, input_in: str = "auto", status: Progress | None = None) -> RunResult:
    """Run the rule set (and the model, when given) over ``input_path`` into ``out``.

    With a model or ``anomaly``, ``out/accounts.parquet`` holds every account's scores: ``model_score`` and
    ``flagged`` from the model, ``anomaly_score`` (IsolationForest, for data without labels) with ``anomaly``.

    ``input_in`` says where the input is held while the rules run: ``memory`` (an Arrow table; fastest) or
    ``duckdb`` (a DuckDB temp table inside its memory limit, spilling to disk, so an input larger than memory
    runs; DuckDB backend only). ``auto`` picks ``duckdb`` for an input larger than
    :func:`input_memory_budget`, else ``memory``; the Spark backend reads a stored input (an ingested store,
    or Parquet in the stored schema) from its files unless ``memory`` is asked for. A file that must be
    validated first (CSV, canonical Parquet) and is to be held outside memory is validated in chunks into a
    store in ``out/_input``, removed when the run ends. The alerts are the same whichever way.

    ``progress`` is called with each rule's id as it finishes; ``status`` with a line saying what the run is
    doing when it does more than the rules (validating a file into its own store).
    """
    if input_in not in INPUT_IN:
        raise ValueError(f"input_in must be one of {', '.join(INPUT_IN)}, not {input_in!r}")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    out = Path(out)
    (out / "_parts").mkdir(parents=True, exist_ok=True)
    src = Path(input_path)
    digest = file_digest(src)
    rules = select(load_rules(rules_file), rule_ids)
    if backend != "duckdb" and input_in == "duckdb":
        raise ValueError(_("{path}: input_in='duckdb' needs the DuckDB backend; the Spark backend reads a stored "
                           "input from its files itself").format(path=src))
    table: pa.Table | None = None
    staged = False
    files = stored_files(src)
    if input_in == "memory":
        files = None
    elif files is not None:
        report = stored_report(src, files)
        if backend == "duckdb" and input_in == "auto" \
                and report.accepted * RUN_BYTES_PER_ROW <= input_memory_budget():
            files = None
    elif input_in == "duckdb" or (src.is_file() and src.stat().st_size > input_memory_budget()):
        # a file to validate that may not fit in memory (its size stands in for the table's): validated in
        # chunks into a store of the run's own, which the run then reads like any store
        if status:
            status(_("validating {name} in chunks into {folder}").format(name=src.name, folder=out / STAGE_DIR))
        files, report = _stage(src, out / STAGE_DIR, tz)
        staged = True
        if status:
            status(_("rules"))
    if staged and not files:  # no row of the file was accepted: nothing for DuckDB or Spark to read
        files, table = None, RUN_SCHEMA.empty_table()
    held = "memory" if files is None else backend
    if files is None and table is None:
        table, report = load_input(src, tz=tz, as_run=True, quarantine_to=out / QUARANTINE_FILE)
    release_memory()
    n_rows = table.num_rows if table is not None else report.accepted
    timings: dict[str, float] = {"load": round(time.perf_counter() - t0, 3)}
    be = get_backend(backend, master=spark_master, session=spark_session)
    try:
        if table is not None:
            be.load(table)
        else:
            assert files is not None
            t = time.perf_counter()
            with memory_limit_guard("loading the input", n_rows):
                be.load_files(files)
            timings["load"] = round(timings["load"] + time.perf_counter() - t, 3)
        t1 = time.perf_counter()
        with memory_limit_guard("the rules", n_rows):
            alerts, stats = execute_rules(be, rules, out / "_parts", digest[:16], progress)
    finally:
        be.close()
    timings["rules"] = round(time.perf_counter() - t1, 3)
    model_info: dict[str, Any] | None = None
    accounts: pd.DataFrame | None = None
    if model is not None or anomaly:
        from finassure.engine.models import ScoringInput, score_run

        t2 = time.perf_counter()
        if status:
            status(_("model: account features and scores") if model is not None else _("anomaly scores"))
        with memory_limit_guard("the model step", n_rows):
            scoring = ScoringInput(table) if table is not None else ScoringInput(files=files)
            # the model step reads only the edges and account owners ScoringInput copied out; dropping the rest
            # of the input here (≈ 2.5 GB at 20M rows) lowers the run's peak, which the model step set
            del table
            alerts, model_info, accounts = score_run(scoring, alerts, model, anomaly=anomaly)
        timings["model"] = round(time.perf_counter() - t2, 3)
    alerts = dedupe(alerts)
    _write_alerts(out, alerts)
    outputs = {"alerts_jsonl": "alerts.jsonl", "alerts_parquet": "alerts.parquet"}
    if accounts is not None:
        _write_accounts(out, accounts)
        outputs["accounts_parquet"] = "accounts.parquet"
    if staged:
        shutil.rmtree(out / STAGE_DIR, ignore_errors=True)
    timings["total"] = round(time.perf_counter() - t0, 3)
    manifest = {
        "engine": "finassure.engine", "started": started.isoformat(), "backend": backend,
        "input": {"path": str(src), "sha256": digest, **report.as_dict(), "held_in": held, "staged": staged},
        "timezone": tz,
        "rules": [{**r.as_manifest(), **stats[r.id],
                   "sql": {d: compile_sql(r, d) for d in DIALECTS}} for r in rules],
        "model": model_info,
        "anomaly": _anomaly_manifest(accounts) if anomaly else None,
        "counts": {"transactions": n_rows, "alerts": len(alerts),
                   "by_rule": {k: int(v) for k, v in alerts["rule_id"].value_counts().sort_index().items()}},
        "timings": timings,
        "outputs": outputs,
        # Plain sha256 of each output file (what `sha256sum` prints), so a reader can tell a copied or
        # tampered run folder from the one the engine wrote.
        "outputs_sha256": {name: sha256_file(out / name) for name in outputs.values()},
    }
    _atomic_write(out / "manifest.json",
                  lambda p: p.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8"))
    return RunResult(out, alerts, manifest)


def _write_alerts(out: Path, alerts: pd.DataFrame) -> None:
    with gc_paused():
        _write_alerts_records(out, alerts)


def _write_alerts_records(out: Path, alerts: pd.DataFrame) -> None:
    records = _plain_records(alerts)

    def jsonl(p: Path) -> None:
        with p.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)

    _atomic_write(out / "alerts.jsonl", jsonl)
    table = pa.Table.from_pylist(records) if records else pa.table(
        {k: pa.array([], pa.string()) for k in ALERT_FIELDS})
    _atomic_write(out / "alerts.parquet", lambda p: pq.write_table(table, p))


def _write_accounts(out: Path, accounts: pd.DataFrame) -> None:
    """Scores per account, sorted by account id (the feature query returns accounts in no fixed order)."""
    cols = [c for c in ("model_score", "flagged", "anomaly_score") if c in accounts.columns]
    # sorted by Arrow, not pandas: 0.3 against 1.3 s for the 820k accounts of 5M rows, same bytes
    table = pa.table({"account_id": pa.array(accounts.index.astype(str).to_numpy(dtype=object), pa.string()),
                      **{c: pa.array(accounts[c].to_numpy()) for c in cols}}).sort_by("account_id")
    _atomic_write(out / "accounts.parquet", lambda p: pq.write_table(table, p))


def _anomaly_manifest(accounts: pd.DataFrame | None) -> dict[str, Any]:
    from finassure.engine.models import ANOMALY, ANOMALY_FIT_ACCOUNTS

    n = 0 if accounts is None else len(accounts)
    return {**ANOMALY, "accounts": n, "fit_accounts": min(n, ANOMALY_FIT_ACCOUNTS)}


def _plain(v: Any) -> Any:
    """A value JSON and Arrow take: numpy scalars and arrays as Python values, NaN as None."""
    if isinstance(v, np.generic):
        v = v.item()
    elif isinstance(v, np.ndarray):
        return v.tolist()
    return None if isinstance(v, float) and np.isnan(v) else v


def _plain_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """``df`` as plain records, converted a column at a time (≈ 3× faster than per record at 50k alerts).

    Numeric columns come out of ``tolist()`` as Python numbers already; only object columns need a look at
    each value.
    """
    columns = []
    for name in df.columns:
        col = df[name]
        values = col.tolist()
        if col.dtype.kind == "f":
            values = [None if v != v else v for v in values]
        elif col.dtype.kind not in "iub":
            values = [_plain(v) for v in values]
        columns.append(values)
    names = list(df.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
