"""Where a run's memory goes: the process's resident memory sampled through ``finassure engine run``, by step.

    .venv/bin/python benchmarks/engine/memory_timeline.py STORE OUT [--model default|none] [--interval 0.1]
        [--input-in auto|memory|duckdb]

Runs the engine in this process with a thread reading ``/proc/self/status`` every ``interval`` seconds.
Each sample is labelled with the step running at that moment (input load, the rules, model features,
LightGBM, explanations, writing alerts), found by wrapping those functions. Prints one JSON line per step:
seconds, resident memory when it starts and ends, and its peak; then the process's high-water mark (VmHWM).
Linux only.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from finassure.engine import models, run
from finassure.engine.backends.duckdb_backend import DuckDBBackend

_STEP = ["start"]


def _rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        m = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.M)
    return int(m.group(1)) / 1024 if m else 0.0


def _labelled(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer, _STEP[0] = _STEP[0], name
        try:
            return fn(*args, **kwargs)
        finally:
            _STEP[0] = outer
    return wrapper


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("out")
    ap.add_argument("--model", default="default")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--input-in", default="auto", choices=run.INPUT_IN)
    args = ap.parse_args(argv)

    run.load_input = _labelled("load input", run.load_input)
    run._stage = _labelled("validate into the run's store", run._stage)
    DuckDBBackend.load_files = _labelled("load input into DuckDB", DuckDBBackend.load_files)  # type: ignore[method-assign]
    models.ScoringInput.__init__ = _labelled("model input", models.ScoringInput.__init__)  # type: ignore[method-assign]
    run.execute_rules = _labelled("rules", run.execute_rules)
    models.features_duckdb = _labelled("model features", models.features_duckdb)
    models.TwoStage.predict = _labelled("LightGBM two stages", models.TwoStage.predict)
    models.explain_both = _labelled("explanations", models.explain_both)
    run._write_alerts = _labelled("write alerts", run._write_alerts)
    run._write_accounts = _labelled("write accounts", run._write_accounts)

    samples: list[tuple[float, str, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter(), _STEP[0], _rss_mb()))
            done.wait(args.interval)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.perf_counter()
    res = run.run(args.input, args.out, model=None if args.model == "none" else args.model, input_in=args.input_in)
    done.set()
    t.join()
    steps: dict[str, dict[str, Any]] = {}
    for ts, step, rss in samples:
        s = steps.setdefault(step, {"step": step, "from_s": round(ts - t0, 1), "rss_start_mb": round(rss)})
        s["to_s"] = round(ts - t0, 1)
        s["rss_end_mb"] = round(rss)
        s["rss_peak_mb"] = max(s.get("rss_peak_mb", 0), round(rss))
    for s in steps.values():
        print(json.dumps(s))
    print(json.dumps({"vm_hwm_mb": round(_rss_mb("VmHWM")), "alerts": len(res.alerts),
                      "timings": res.manifest["timings"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
