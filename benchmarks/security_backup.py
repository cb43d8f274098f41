"""Benchmark the platform backup and its restore test (the RPO/RTO evidence) on an existing database.

    FINASSURE_VAR_DIR=/tmp/demo .venv/bin/finassure demo --no-serve          # seed a demo database first
    FINASSURE_VAR_DIR=/tmp/demo .venv/bin/python benchmarks/security_backup.py --runs 3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/finassure_demo FINASSURE_VAR_DIR=/tmp/demo-pg \\
        .venv/bin/python benchmarks/security_backup.py --runs 3 [--pad-audit 100000]

Each run makes one backup (`security.backups.backup_create`, the scheduled task's code) and one restore test
of it into a scratch database (`restore_test_run`). The runs are recorded in that database like scheduled ones.
`--pad-audit N` first appends N audit records (to see how the chain check on the copy scales). Backup files go
to a temporary folder unless FINASSURE_BACKUP_DIR is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pad-audit", type=int, default=0, help="append this many audit records first")
    args = parser.parse_args()
    os.environ.setdefault("FINASSURE_BACKUP_DIR", tempfile.mkdtemp(prefix="finassure-bench-backups-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
    import django

    django.setup()
    from django.db import connection

    from finassure.platform import audit, context
    from finassure.security import backups

    with context.acting(context.RequestContext(channel="cli")):
        if args.pad_audit:
            started = time.perf_counter()
            for i in range(args.pad_audit):
                audit.record(action="bench.pad", actor_repr="benchmark", detail={"i": i})
            print(f"appended {args.pad_audit} audit records in {time.perf_counter() - started:.1f} s")
        rows = []
        for _ in range(args.runs):
            run = backups.backup_create()
            if not run.succeeded:
                print(f"backup failed: {run.reason}")
                return 1
            test = backups.restore_test_run(run=run)
            assert test is not None  # noqa: S101 - a succeeded backup is always tested
            if not test.ok:
                print(f"restore test failed: {test.reason}")
                return 1
            rows.append((run.duration_seconds, test.restore_seconds, test.duration_seconds))
            os.unlink(run.file_path)
            os.unlink(f"{run.file_path}.manifest.json")
    print(
        f"engine {connection.vendor}: {run.table_count} tables, {run.row_count} rows, backup file {run.size} bytes, "
        f"{test.chain_checked} audit records verified on the copy"
    )
    for label, index in (("backup", 0), ("restore into scratch db", 1), ("restore test total", 2)):
        values = [r[index] for r in rows]
        print(
            f"  {label:<24} median {statistics.median(values):7.3f} s   min {min(values):7.3f} s   "
            f"max {max(values):7.3f} s   ({len(values)} runs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
