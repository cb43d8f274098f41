"""``finassure engine …`` command line: ingest, run, train, eval, bench, generate (no Django loaded)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from finassure.engine.schema import DEFAULT_TIMEZONE


def _bar(*columns: Any) -> Any:
    """A rich progress display on stderr, removed when done; quiet when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import Progress

    return Progress(*columns, console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())


def _progress(total: int | None, label: str) -> tuple[Callable[[str], None], Callable[[], None], Callable[[str], None]]:
    """A progress bar of ``total`` steps (``None``: steps not known, a pulsing bar): advance, stop, and relabel."""
    bar = _bar()
    bar.start()
    task = bar.add_task(label, total=total)
    return (lambda _name: bar.advance(task)), bar.stop, (lambda text: bar.update(task, description=text))


def _rows_progress(label: str, total: int | None) -> tuple[Callable[[int], None], Callable[[], None]]:
    """Rows done so far (of ``total`` when known, else a count and the time taken): update and stop."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    bar = _bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar.start()
    task = bar.add_task(label, total=total)
    return (lambda done: bar.update(task, completed=done)), bar.stop


def _parquet_rows(path: str) -> int | None:
    """Rows of a Parquet file from its footer; ``None`` for anything else (a CSV's rows are not known before)."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError):  # not a Parquet file, a folder, or unreadable: no total, only a count
        return None


def cmd_ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from finassure.engine.ingest import ingest

    total = _parquet_rows(args.path) if args.format == "canonical" else None
    update, stop = _rows_progress(f"ingest {Path(args.path).name}", total)
    try:
        report = ingest(args.path, args.store, fmt=args.format, tz=args.tz, mapping=args.mapping, progress=update)
    finally:
        stop()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(report.summary())
        if report.quarantine_file:
            print(f"quarantine: {report.quarantine_file}")
            for row in report.quarantine[:10]:
                print(f"  line {row['line']}, column {row['column']}: {row['reason']}")
    return 0 if report.reconciles() else 3


def cmd_run(args: argparse.Namespace) -> int:
    from finassure.engine.rules import load_rules, select
    from finassure.engine.run import run

    ids = [x.strip() for x in args.rules.split(",")] if args.rules else None
    n = len(select(load_rules(args.rules_file), ids))
    advance, stop, relabel = _progress(n, "rules")
    try:
        result = run(args.input, args.out, backend=args.backend, rule_ids=ids, rules_file=args.rules_file,
                     model=None if args.model == "none" else args.model, tz=args.tz, spark_master=args.master,
                     progress=advance, anomaly=args.anomaly, input_in=args.input_in, status=relabel)
    finally:
        stop()
    m = result.manifest
    if args.json:
        print(json.dumps({"out": str(result.out), "counts": m["counts"], "timings": m["timings"]}))
    else:
        inp = m["input"]
        print(f"read {inp['read']} = accepted {inp['accepted']} + quarantined {inp['quarantined']}")
        print(f"{m['counts']['alerts']} alerts → {result.out / 'alerts.jsonl'} ({m['timings']['total']} s)")
        if "accounts_parquet" in m["outputs"]:
            print(f"account scores → {result.out / 'accounts.parquet'}")
        for rid, c in m["counts"]["by_rule"].items():
            print(f"  {rid}: {c}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from finassure.engine.generate import generate

    _advance, stop, relabel = _progress(None, "generating")
    try:
        info = generate(args.out, rows=args.rows, seed=args.seed, accounts=args.accounts, fmt=args.format,
                        status=relabel)
    finally:
        stop()
    print(json.dumps(info) if args.json else f"wrote {info['rows']} rows to {info['path']}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from finassure.engine.models import train_cli

    _advance, stop, relabel = _progress(None, "training")
    try:
        info = train_cli(args, status=relabel)
    finally:
        stop()
    print(json.dumps(info, ensure_ascii=False) if args.json else
          f"model {info['version']} → {info['path']} ({json.dumps(info['metrics'])})")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from finassure.engine.evaluate import evaluate_amlsim

    res = evaluate_amlsim(args.amlsim, model=args.model)
    metrics = {k: res[k] for k in ("precision", "recall", "f1")}
    if args.json:
        print(json.dumps(metrics))
    else:
        print(f"accounts {res['accounts']}, labelled {res['positives']}, flagged {res['flagged']}")
        print(f"precision {metrics['precision']:.4f}  recall {metrics['recall']:.4f}  f1 {metrics['f1']:.4f}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from finassure.engine.bench import bench_cli

    _advance, stop, relabel = _progress(None, "benchmark")
    try:  # printed after the progress line stops: while it runs, rich takes over stdout
        res = bench_cli(args, status=relabel)
    finally:
        stop()
    print(json.dumps(res))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="finassure engine", description="Transaction risk monitoring engine")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="validate a file and add it to the Parquet store")
    s.add_argument("path")
    s.add_argument("--store", default="var/transactions")
    s.add_argument("--format", default="canonical", choices=["canonical", "mapping", "amlsim", "amlworld", "paysim"])
    s.add_argument("--mapping", help="column-mapping YAML for --format mapping")
    s.add_argument("--tz", default=DEFAULT_TIMEZONE)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_ingest)

    s = sub.add_parser("run", help="run the rule set (and a model) over transactions")
    s.add_argument("--input", required=True, help="canonical CSV/Parquet file or an ingested store folder")
    s.add_argument("--out", required=True)
    s.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"])
    s.add_argument("--master", default=None, help="Spark master URL (default local[2])")
    s.add_argument("--rules", default=None, help="comma-separated rule ids (default: all enabled)")
    s.add_argument("--rules-file", default=None, help="scenario YAML replacing the built-in one")
    s.add_argument("--model", default="default",
                   help="model artifact or registry folder; 'default' (the shipped model) or 'none' (rules only)")
    s.add_argument("--anomaly", action="store_true",
                   help="also score every account's strangeness (IsolationForest, no labels needed) into "
                        "OUT/accounts.parquet")
    s.add_argument("--input-in", default="auto", choices=["auto", "memory", "duckdb"],
                   help="where the input is held while the rules run: memory (Arrow, fastest) or duckdb (spills to "
                        "disk, for an input larger than memory; a CSV is first validated in chunks into DIR/_input); "
                        "auto: duckdb when the input exceeds FINASSURE_INPUT_MEMORY (default a quarter of physical "
                        "memory); the Spark backend reads a stored input from its files unless memory is asked for")
    s.add_argument("--tz", default=DEFAULT_TIMEZONE)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_run)

    s = sub.add_parser("generate", help="write deterministic synthetic labelled transactions")
    s.add_argument("--out", required=True)
    s.add_argument("--rows", type=int, default=100_000)
    s.add_argument("--accounts", type=int, default=None)
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--format", default="parquet", choices=["parquet", "csv", "amlsim"])
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_generate)

    s = sub.add_parser("train", help="train the account model on generated graphs (plus a labelled AMLSim folder)")
    s.add_argument("--registry", default="var/models")
    s.add_argument("--amlsim", default=None,
                   help="add this labelled AMLSim folder to the generated graphs (threshold from CV inside it)")
    s.add_argument("--graphs", type=int, default=12,
                   help="generated graphs to train on; 0 with --amlsim trains on that folder alone")
    s.add_argument("--seed", type=int, default=11)
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_train)

    s = sub.add_parser("eval", help="account-level precision/recall/F1 on a labelled AMLSim folder")
    s.add_argument("--amlsim", required=True)
    s.add_argument("--model", default=None, help="model artifact (default: the shipped one)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_eval)

    s = sub.add_parser("bench", help="benchmarks (see benchmarks/engine)")
    s.add_argument("what", choices=["rules", "generate", "realtime"])
    s.add_argument("--rows", type=int, default=1_000_000)
    s.add_argument("--workdir", default="var/bench")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    from finassure.engine.backends.duckdb_backend import MemoryLimitExceeded
    from finassure.engine.ingest import InputError
    from finassure.engine.rules import RuleError

    args = build_parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except (InputError, RuleError, FileNotFoundError, MemoryLimitExceeded) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2




if __name__ == "__main__":
    raise SystemExit(main())
