"""Per-rule and per-step timings of the engine on one input (DuckDB), for finding the slow parts.

    .venv/bin/python benchmarks/engine/profile_rules.py STORE [--rules a,b] [--repeat 1] [--explain RULE]
        [--threads N] [--model]

Prints one JSON line per rule (seconds, rows) and, with ``--explain``, DuckDB's EXPLAIN ANALYZE of that
rule's compiled SQL. ``--model`` also times the model step's parts (edges, features, LightGBM, explanations).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from finassure.engine.backends.duckdb_backend import DuckDBBackend
from finassure.engine.ingest import load_input
from finassure.engine.rules import compile_sql, load_rules, select


def print_plan(node: dict | list, out: object, depth: int = 0) -> None:
    """Operator tree of a JSON EXPLAIN ANALYZE: name, own seconds, rows out, one line each, indented."""
    if isinstance(node, dict) and "operator" in node:
        node = node["operator"]
    for n in node if isinstance(node, list) else [node]:
        name = n.get("name") or n.get("operator_name") or "?"
        secs = n.get("timing", n.get("operator_timing", 0.0))
        rows = n.get("intermediate_rows", n.get("operator_cardinality", ""))
        extra = n.get("extra_info") or {}
        detail = "; ".join(f"{k}={v}" for k, v in extra.items() if k in ("Conditions", "Join Type", "Groups",
                                                                           "Aggregates", "Filters", "CTE Name"))
        print(f"{'  ' * depth}{name.strip()} {secs:.3f}s rows={rows} {detail[:200]}", file=out)
        print_plan(n.get("children", []), out, depth + 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--rules", default=None)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--explain", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--model", action="store_true")
    ap.add_argument("--native", action="store_true", help="copy the input into a DuckDB table first")
    ap.add_argument("--set", action="append", default=[], help="DuckDB setting, e.g. preserve_insertion_order=false")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    table, _ = load_input(Path(a.input), as_run=True)  # as a run holds it
    print(json.dumps({"step": "load", "rows": table.num_rows, "seconds": round(time.perf_counter() - t0, 2)}))
    be = DuckDBBackend(threads=a.threads)
    t0 = time.perf_counter()
    be.load(table)
    if a.native:
        be.con.execute("CREATE TABLE native_t AS SELECT * FROM transactions")
        be.con.unregister("transactions")
        be.con.execute("ALTER TABLE native_t RENAME TO transactions")
    for kv in a.set:
        k, v = kv.split("=", 1)
        be.con.execute(f"SET {k} = {v}")
    print(json.dumps({"step": "bind", "seconds": round(time.perf_counter() - t0, 2)}))
    rules = select(load_rules(), a.rules.split(",") if a.rules else None)
    for r in rules:
        sql = compile_sql(r, "duckdb")
        best, cpu, n = None, None, 0
        for _ in range(a.repeat):
            t, c = time.perf_counter(), time.process_time()
            n = len(be.query_arrow(sql))
            s, c = time.perf_counter() - t, time.process_time() - c
            best = s if best is None else min(best, s)
            cpu = c if cpu is None else min(cpu, c)
        print(json.dumps({"rule": r.id, "rows": n, "seconds": round(best, 3), "cpu_seconds": round(cpu, 3)}),
              flush=True)
        if a.explain == r.id:
            plan = be.con.sql("EXPLAIN (ANALYZE, FORMAT json) " + sql).fetchall()
            print_plan(json.loads(plan[0][1]), sys.stderr)
    if a.model:
        import duckdb

        from finassure.engine.backends.duckdb_backend import MEMORY_LIMIT
        from finassure.engine.explain import explain
        from finassure.engine.features import EDGES_SQL, features_duckdb
        from finassure.engine.models import anomaly_scores, load

        be.close()
        mdl, meta = load(None)
        con = duckdb.connect(config={"threads": 2, "memory_limit": MEMORY_LIMIT})
        con.register("legs", table)
        steps = {}
        cpu0 = time.process_time()
        t = time.perf_counter()
        con.execute(f"CREATE TEMP TABLE edges AS {EDGES_SQL}")
        steps["edges"] = time.perf_counter() - t
        t = time.perf_counter()
        x = features_duckdb(con)
        steps["features"] = time.perf_counter() - t
        t = time.perf_counter()
        p, x2 = mdl.predict(con, x)
        steps["two_stage"] = time.perf_counter() - t
        t = time.perf_counter()
        anomaly_scores(x)
        steps["isolation_forest"] = time.perf_counter() - t
        flagged = x2.index[p >= meta["threshold"]]
        t = time.perf_counter()
        explain(mdl.b2, x2.loc[flagged])
        steps["explain"] = time.perf_counter() - t
        print(json.dumps({"step": "model", "accounts": len(x), "flagged": len(flagged),
                          **{k: round(v, 2) for k, v in steps.items()},
                          "cpu_seconds": round(time.process_time() - cpu0, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
