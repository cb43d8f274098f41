"""Benchmarks behind ``finassure engine bench``: rule-set runs, hand-written SQL baseline, generator, real-time."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from finassure.engine.backends.duckdb_backend import DuckDBBackend
from finassure.engine.generate import generate
from finassure.engine.i18n import _
from finassure.engine.ingest import load_input
from finassure.engine.rules import compile_union, load_rules

REALTIME_N = 20_000  # transactions scored one by one by the realtime benchmark

LV_IDS = ["pboc_lv_cash", "pboc_lv_entity_transfer", "pboc_lv_individual_domestic", "pboc_lv_individual_crossborder"]

#: The four large-value criteria written by hand in DuckDB SQL (the baseline the ibis rules are held against);
#: it returns what an alert needs, like the rules: the sums, the transaction ids and an account id. Like the
#: rules it sums every customer-day first and collects the ids only for the days over the line (collecting
#: them for all 4M customer-days of 5M rows cost more than the rest of the query).
HAND_SQL = """
WITH t AS (
  SELECT *, CASE WHEN currency = 'CNY' THEN 'CNY' ELSE 'USD' END AS unit,
         CASE WHEN currency = 'CNY' THEN CAST(ROUND(amount * 100) AS BIGINT)
              ELSE CAST(ROUND(amount_usd * 100) AS BIGINT) END AS c
  FROM transactions)
SELECT 'pboc_lv_cash' AS rule_id, g.customer_id, g.local_date, g.direction, g.unit, g.total,
       LIST(t.txn_id) AS ids, g.account_id
FROM (SELECT customer_id, local_date, direction, unit, SUM(c) AS total, MIN(account_id) AS account_id
      FROM t WHERE channel = 'cash' GROUP BY ALL
      HAVING SUM(c) >= CASE WHEN unit = 'CNY' THEN 5000000 ELSE 1000000 END) g
JOIN t ON t.customer_id = g.customer_id AND t.local_date = g.local_date AND t.direction = g.direction
      AND t.unit = g.unit AND t.channel = 'cash'
GROUP BY ALL
UNION ALL
SELECT 'pboc_lv_entity_transfer' AS rule_id, g.customer_id, g.local_date, g.direction, g.unit, g.total,
       LIST(t.txn_id) AS ids, g.account_id
FROM (SELECT customer_id, local_date, direction, unit, SUM(c) AS total, MIN(account_id) AS account_id
      FROM t WHERE channel <> 'cash' AND customer_type = 'entity' GROUP BY ALL
      HAVING SUM(c) >= CASE WHEN unit = 'CNY' THEN 200000000 ELSE 20000000 END) g
JOIN t ON t.customer_id = g.customer_id AND t.local_date = g.local_date AND t.direction = g.direction
      AND t.unit = g.unit AND t.channel <> 'cash' AND t.customer_type = 'entity'
GROUP BY ALL
UNION ALL
SELECT 'pboc_lv_individual_domestic' AS rule_id, g.customer_id, g.local_date, g.direction, g.unit, g.total,
       LIST(t.txn_id) AS ids, g.account_id
FROM (SELECT customer_id, local_date, direction, unit, SUM(c) AS total, MIN(account_id) AS account_id
      FROM t WHERE channel <> 'cash' AND customer_type = 'individual' AND NOT cross_border GROUP BY ALL
      HAVING SUM(c) >= CASE WHEN unit = 'CNY' THEN 50000000 ELSE 10000000 END) g
JOIN t ON t.customer_id = g.customer_id AND t.local_date = g.local_date AND t.direction = g.direction
      AND t.unit = g.unit AND t.channel <> 'cash' AND t.customer_type = 'individual' AND NOT t.cross_border
GROUP BY ALL
UNION ALL
SELECT 'pboc_lv_individual_crossborder' AS rule_id, g.customer_id, g.local_date, g.direction, g.unit, g.total,
       LIST(t.txn_id) AS ids, g.account_id
FROM (SELECT customer_id, local_date, direction, unit, SUM(c) AS total, MIN(account_id) AS account_id
      FROM t WHERE channel <> 'cash' AND customer_type = 'individual' AND cross_border GROUP BY ALL
      HAVING SUM(c) >= CASE WHEN unit = 'CNY' THEN 20000000 ELSE 1000000 END) g
JOIN t ON t.customer_id = g.customer_id AND t.local_date = g.local_date AND t.direction = g.direction
      AND t.unit = g.unit AND t.channel <> 'cash' AND t.customer_type = 'individual' AND t.cross_border
GROUP BY ALL
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_rules(rows: int, workdir: Path, with_model: bool = True,
                status: Callable[[str], None] | None = None) -> dict[str, Any]:
    from finassure.engine.ingest import ingest
    from finassure.engine.run import run

    say = status or (lambda _text: None)
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"gen-{rows}.parquet"
    if not data.exists():
        generate(data, rows=rows, seed=1, status=status)
    store = workdir / f"store-{rows}"
    ingest_s = None
    if not store.exists():  # ingest once (validation, FX, quarantine); runs read the store without re-validating
        say(_("ingesting {name}").format(name=data.name))
        t = time.perf_counter()
        ingest(data, store)
        ingest_s = round(time.perf_counter() - t, 2)
    out = workdir / f"run-{rows}"
    for p in (out / "_parts").glob("*"):
        p.unlink()
    say(_("run: rules and model") if with_model else _("run: rules"))
    t0 = time.perf_counter()
    res = run(store, out, model="default" if with_model else None)
    total = time.perf_counter() - t0
    rss_run = peak_rss_mb()
    say(_("large-value rules against hand-written SQL, best of three"))
    table, _info = load_input(store, as_run=True)  # as the run holds it
    be = DuckDBBackend()
    be.load(table)
    rules = [r for r in load_rules() if r.id in LV_IDS]
    union_sql = compile_union(rules, "duckdb")
    hand, ibis_lv = [], []
    for _round in range(3):  # interleaved, best of three: the machine is shared
        t1 = time.perf_counter()
        be.query_arrow(HAND_SQL)
        hand.append(time.perf_counter() - t1)
        t2 = time.perf_counter()
        be.query_arrow(union_sql)
        ibis_lv.append(time.perf_counter() - t2)
    return {"rows": table.num_rows, "run_seconds": round(total, 2), "ingest_seconds_once": ingest_s,
            "timings": res.manifest["timings"], "alerts": len(res.alerts),
            "lv_hand_sql_seconds": round(min(hand), 3), "lv_ibis_seconds": round(min(ibis_lv), 3),
            "lv_ratio": round(min(ibis_lv) / max(min(hand), 1e-9), 2), "peak_rss_mb_run": round(rss_run),
            "peak_rss_mb": round(peak_rss_mb())}


def bench_generate(rows: int, workdir: Path, status: Callable[[str], None] | None = None) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    info = generate(workdir / "gen-bench.parquet", rows=rows, seed=2, status=status)
    return {"rows": info["rows"], "seconds": round(time.perf_counter() - t0, 2), "peak_rss_mb": round(peak_rss_mb())}


def bench_realtime(n: int = REALTIME_N) -> dict[str, Any]:
    from finassure.engine.realtime import Scorer

    rng = np.random.default_rng(0)
    s = Scorer()
    txns = [{"txn_id": str(i), "ts": f"2026-03-02T{int(h):02d}:00:00+08:00", "account_id": f"A{a}",
             "customer_id": f"C{a}", "customer_type": "individual", "direction": d, "amount": float(x),
             "currency": "CNY", "channel": c, "counterparty_country": "CN"}
            for i, (a, h, d, x, c) in enumerate(zip(rng.integers(0, 2000, n), rng.integers(0, 24, n),
                                                   rng.choice(["in", "out"], n), rng.uniform(10, 80000, n),
                                                   rng.choice(["cash", "transfer", "card"], n), strict=True))]
    lat = np.empty(n)
    t0 = time.perf_counter()
    for i, t in enumerate(txns):
        a = time.perf_counter()
        s.score(t)
        lat[i] = time.perf_counter() - a
    total = time.perf_counter() - t0
    return {"transactions": n, "tps": round(n / total), "p50_ms": round(float(np.percentile(lat, 50)) * 1e3, 3),
            "p99_ms": round(float(np.percentile(lat, 99)) * 1e3, 3)}


def bench_cli(args: Any, status: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The result of ``finassure engine bench WHAT``, for the CLI to print once its progress line is gone."""
    wd = Path(args.workdir)
    if args.what == "rules":
        res = bench_rules(args.rows, wd, status=status)
    elif args.what == "generate":
        res = bench_generate(args.rows, wd, status=status)
    else:
        if status:
            status(_("scoring {n:,} transactions one by one").format(n=REALTIME_N))
        res = bench_realtime()
    return res
