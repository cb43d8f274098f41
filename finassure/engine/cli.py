"""``finassure engine …`` command line: ingest, run, train, eval, bench, generate (no Django loaded)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from finassure.engine import i18n
from finassure.engine.i18n import _
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
    update, stop = _rows_progress(_("ingest {name}").format(name=Path(args.path).name), total)
    try:
        report = ingest(args.path, args.store, fmt=args.format, tz=args.tz, mapping=args.mapping, progress=update)
    finally:
        stop()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(report.summary())
        if report.quarantine_file:
            print(_("quarantine: {path}").format(path=report.quarantine_file))
            for row in report.quarantine[:10]:
                print(_quarantined(row))
    return 0 if report.reconciles() else 3


def _quarantined(row: dict[str, Any]) -> str:
    """One quarantined row for the terminal: where (as much as is known) and why."""
    if row["line"] is None:  # an id repeated from an earlier chunk: the row's line is not kept
        return _("  column {column}: {reason}").format(**row)
    if row["column"] is None:  # a malformed row (wrong number of fields) names no column
        return _("  line {line}: {reason}").format(**row)
    return _("  line {line}, column {column}: {reason}").format(**row)


def cmd_run(args: argparse.Namespace) -> int:
    from finassure.engine.rules import load_rules, select
    from finassure.engine.run import run

    ids = [x.strip() for x in args.rules.split(",")] if args.rules else None
    n = len(select(load_rules(args.rules_file), ids))
    advance, stop, relabel = _progress(n, _("rules"))
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
        print(_("read {read} = accepted {accepted} + quarantined {quarantined}").format(**inp))
        print(_("{alerts} alerts → {path} ({seconds} s)").format(
            alerts=m["counts"]["alerts"], path=result.out / "alerts.jsonl", seconds=m["timings"]["total"]))
        if "accounts_parquet" in m["outputs"]:
            print(_("account scores → {path}").format(path=result.out / "accounts.parquet"))
        for rid, c in m["counts"]["by_rule"].items():
            print(f"  {rid}: {c}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from finassure.engine.generate import generate

    _advance, stop, relabel = _progress(None, _("generating"))
    try:
        info = generate(args.out, rows=args.rows, seed=args.seed, accounts=args.accounts, fmt=args.format,
                        status=relabel)
    finally:
        stop()
    print(json.dumps(info) if args.json else _("wrote {rows} rows to {path}").format(**info))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from finassure.engine.models import train_cli

    _advance, stop, relabel = _progress(None, _("training"))
    try:
        info = train_cli(args, status=relabel)
    finally:
        stop()
    print(json.dumps(info, ensure_ascii=False) if args.json else
          _("model {version} → {path} ({metrics})").format(
              version=info["version"], path=info["path"], metrics=json.dumps(info["metrics"])))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from finassure.engine.evaluate import evaluate_amlsim

    res = evaluate_amlsim(args.amlsim, model=args.model)
    metrics = {k: res[k] for k in ("precision", "recall", "f1")}
    if args.json:
        print(json.dumps(metrics))
    else:
        print(_("accounts {accounts}, labelled {positives}, flagged {flagged}").format(**res))
        print(_("precision {precision:.4f}  recall {recall:.4f}  F1 {f1:.4f}").format(**metrics))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from finassure.engine.bench import bench_cli

    _advance, stop, relabel = _progress(None, _("benchmark"))
    try:  # printed after the progress line stops: while it runs, rich takes over stdout
        res = bench_cli(args, status=relabel)
    finally:
        stop()
    print(json.dumps(res))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser, its help in the current language (build it inside :func:`i18n.argparse_messages`)."""
    p = argparse.ArgumentParser(prog="finassure engine", description=_("Transaction risk monitoring engine"))
    lang_help = _("language of messages and help (default: FINASSURE_LANG, else the locale: LANGUAGE, LC_ALL, "
                  "LC_MESSAGES, LANG; English when none is Chinese)")
    p.add_argument("--lang", choices=i18n.LANGUAGES, default=None, help=lang_help)
    # also after the command (finassure engine run --lang zh-hans …); read before parsing by _requested_language
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS, help=lang_help)
    sub = p.add_subparsers(dest="command", required=True, title=_("commands"))

    s = sub.add_parser("ingest", help=_("validate a file and add it to the Parquet store"), parents=[lang])
    s.add_argument("path", help=_("the file (an AMLSim folder for --format amlsim)"))
    s.add_argument("--store", default="var/transactions", help=_("the store folder (default: %(default)s)"))
    s.add_argument("--format", default="canonical", choices=["canonical", "mapping", "amlsim", "amlworld", "paysim"],
                   help=_("the file's format (default: %(default)s)"))
    s.add_argument("--mapping", help=_("column-mapping YAML for --format mapping"))
    s.add_argument("--tz", default=DEFAULT_TIMEZONE, help=_("time zone of business days (default: %(default)s)"))
    s.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    s.set_defaults(fn=cmd_ingest)

    s = sub.add_parser("run", help=_("run the rule set (and a model) over transactions"), parents=[lang])
    s.add_argument("--input", required=True, help=_("canonical CSV/Parquet file or an ingested store folder"))
    s.add_argument("--out", required=True, help=_("the run's output folder"))
    s.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"],
                   help=_("where the rules run (default: %(default)s)"))
    s.add_argument("--master", default=None, help=_("Spark master URL (default local[2])"))
    s.add_argument("--rules", default=None, help=_("comma-separated rule ids (default: all enabled)"))
    s.add_argument("--rules-file", default=None, help=_("scenario YAML replacing the built-in one"))
    s.add_argument("--model", default="default",
                   help=_("model artifact or registry folder; 'default' (the shipped model) or 'none' (rules only)"))
    s.add_argument("--anomaly", action="store_true",
                   help=_("also score every account's strangeness (IsolationForest, no labels needed) into "
                          "OUT/accounts.parquet"))
    s.add_argument("--input-in", default="auto", choices=["auto", "memory", "duckdb"],
                   help=_("where the input is held while the rules run: memory (Arrow, fastest) or duckdb (spills "
                          "to disk, for an input larger than memory; a CSV is first validated in chunks into "
                          "DIR/_input); auto: duckdb when the input exceeds FINASSURE_INPUT_MEMORY (default a "
                          "quarter of physical memory); the Spark backend reads a stored input from its files "
                          "unless memory is asked for"))
    s.add_argument("--tz", default=DEFAULT_TIMEZONE, help=_("time zone of business days (default: %(default)s)"))
    s.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    s.set_defaults(fn=cmd_run)

    s = sub.add_parser("generate", help=_("write deterministic synthetic labelled transactions"), parents=[lang])
    s.add_argument("--out", required=True, help=_("the file (or AMLSim folder) to write"))
    s.add_argument("--rows", type=int, default=100_000, help=_("transactions to write (default: %(default)s)"))
    s.add_argument("--accounts", type=int, default=None, help=_("accounts (default: one for every 12 rows, at least 200)"))
    s.add_argument("--seed", type=int, default=7, help=_("random seed: the same seed writes the same rows"))
    s.add_argument("--format", default="parquet", choices=["parquet", "csv", "amlsim"],
                   help=_("the output format (default: %(default)s)"))
    s.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    s.set_defaults(fn=cmd_generate)

    s = sub.add_parser("train", help=_("train the account model on generated graphs (plus a labelled AMLSim folder)"),
                       parents=[lang])
    s.add_argument("--registry", default="var/models", help=_("the model registry folder (default: %(default)s)"))
    s.add_argument("--amlsim", default=None,
                   help=_("add this labelled AMLSim folder to the generated graphs (threshold from CV inside it)"))
    s.add_argument("--graphs", type=int, default=12,
                   help=_("generated graphs to train on; 0 with --amlsim trains on that folder alone"))
    s.add_argument("--seed", type=int, default=11, help=_("random seed of the generated graphs"))
    s.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    s.set_defaults(fn=cmd_train)

    s = sub.add_parser("eval", help=_("account-level precision/recall/F1 on a labelled AMLSim folder"), parents=[lang])
    s.add_argument("--amlsim", required=True, help=_("the AMLSim folder (nodes.csv, transactions.csv)"))
    s.add_argument("--model", default=None, help=_("model artifact (default: the shipped one)"))
    s.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    s.set_defaults(fn=cmd_eval)

    s = sub.add_parser("bench", help=_("benchmarks (see benchmarks/engine)"), parents=[lang])
    s.add_argument("what", choices=["rules", "generate", "realtime"], help=_("what to measure"))
    s.add_argument("--rows", type=int, default=1_000_000, help=_("transactions (default: %(default)s)"))
    s.add_argument("--workdir", default="var/bench", help=_("folder for data and results (default: %(default)s)"))
    s.add_argument("--json", action="store_true", help=_("print the result as JSON (it always is)"))
    s.set_defaults(fn=cmd_bench)
    return p


def _requested_language(argv: list[str]) -> str | None:
    """``--lang`` from the command line, read before the parser is built (its help is in that language)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", default=None)
    lang = pre.parse_known_args(argv)[0].lang
    return lang if i18n.normalize(lang) else None  # an unknown one: the full parser refuses it


def main(argv: list[str] | None = None) -> int:
    from finassure.engine.backends.duckdb_backend import MemoryLimitExceeded
    from finassure.engine.fx import FxError
    from finassure.engine.ingest import InputError
    from finassure.engine.rules import RuleError

    argv = sys.argv[1:] if argv is None else argv
    with i18n.override(_requested_language(argv)), i18n.argparse_messages():
        args = build_parser().parse_args(argv)
        try:
            return int(args.fn(args))
        except (InputError, RuleError, FxError, FileNotFoundError, MemoryLimitExceeded) as exc:
            print(_("error: {message}").format(message=exc), file=sys.stderr)
            return 2


if __name__ == "__main__":
    raise SystemExit(main())
