"""Benchmark risk monitoring: importing a run of N alerts, and the alert queue's first page over M alerts.

    .venv/bin/python benchmarks/monitoring/import_and_queue.py --alerts 100000 --queue 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/finassure_bench .venv/bin/python benchmarks/monitoring/import_and_queue.py

Uses a throwaway database (by default a temporary SQLite file). The run folder is synthesised in the engine's
documented output format (manifest.json, alerts.jsonl, alerts.parquet), so the import's checks run in full.
The queue is timed as the page view does it (count + first 50 rows, highest severity and oldest first) for an
analyst whose role covers the whole institution; p50/p95 over 30 requests after one warm-up. The REST list
(`GET /api/v1/monitoring/alerts`, count capped at 10,000) is then timed the same way through Django's request
handler (middleware, bearer-token authentication, schema output of 50 alerts), unfiltered and filtered.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RULES = ("pboc_lv_cash", "structuring_cash", "fan_in", "fan_out", "pass_through", "cycles")
SEVERITY = ("high", "medium", "low")


def _alerts(n: int, offset: int = 0) -> list[dict[str, object]]:
    return [
        {
            "alert_id": f"b{offset + i:011d}",
            "rule_id": RULES[i % len(RULES)],
            "rule_version": 1,
            "customer_id": f"C{(offset + i) % 50000}",
            "account_id": f"A{(offset + i) % 60000}",
            "date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "direction": "in",
            "currency": "CNY",
            "value": 51000.0 + i % 1000,
            "threshold": 50000.0,
            "txn_count": 2,
            "txn_ids": [f"T{i}a", f"T{i}b"],
            "score": 0.6,
            "severity": SEVERITY[i % 3],
            "model_score": None,
            "explanation": "bench",
            "explanation_zh": "基准",
            "top_features": [],
        }
        for i in range(n)
    ]


def write_run(folder: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _alerts(n)
    folder.mkdir(parents=True)
    with (folder / "alerts.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    pq.write_table(pa.Table.from_pylist(rows), folder / "alerts.parquet")
    by_rule: dict[str, int] = {}
    for row in rows:
        by_rule[str(row["rule_id"])] = by_rule.get(str(row["rule_id"]), 0) + 1
    manifest = {
        "counts": {"transactions": n * 2, "alerts": n, "by_rule": by_rule},
        "timings": {},
        "rules": [],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument(
        "--queue", type=int, default=1_000_000, help="alerts in the table when timing the queue"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="finassure-bench-"))
    os.environ.setdefault("FINASSURE_VAR_DIR", str(tmp))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries, transaction
    from django.utils import timezone

    from finassure.accounts import services as accounts
    from finassure.accounts.roles import Role
    from finassure.monitoring import selectors, services
    from finassure.monitoring.models import SEVERITY_RANK, Alert, Run

    call_command("migrate", verbosity=0)
    institution = accounts.institution_create(
        actor=None,
        code=f"bench{int(time.time())}",
        name="基准银行",
        name_en="Bench Bank",
        head_office_name="总行",
        head_office_name_en="Head office",
    )
    head = institution.org_units.get(parent__isnull=True)
    analyst, _ = accounts.user_create(
        actor=None,
        username=f"bench{int(time.time())}",
        display_name="基准",
        org_unit=head,
        password="Bench-Password-9",
    )
    accounts.role_assign(actor=None, user=analyst, role=Role.AML_ANALYST, org_unit=head)

    folder = tmp / "run"
    write_run(folder, args.alerts)
    run = Run.objects.create(org_unit=head, status=Run.Status.RUNNING, output_dir=str(folder))
    start, cpu = time.perf_counter(), time.process_time()
    run = services.run_import(run_id=run.pk)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"database: {connection.vendor}")
    print(
        f"import: {run.counts['new']} alerts in {took:.1f} s = {run.counts['new'] / took:,.0f} alerts/s "
        f"(lv reports {run.counts['lv_reports']}); CPU of this process {cpu:.1f} s; "
        f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )

    extra = args.queue - Alert.objects.count()
    due = timezone.localdate()
    fill_start = time.perf_counter()
    for chunk in range(0, max(extra, 0), 50_000):  # the import's own bulk path (services._insert_alerts)
        size = min(50_000, extra - chunk)
        rows = [
            {
                "alert_id": f"q{chunk + i:011d}",
                "run_id": run.pk,
                "org_unit_id": head.pk,
                "rule_id": r["rule_id"],
                "customer_id": r["customer_id"],
                "account_id": r["account_id"],
                "score": 0.5,
                "severity": r["severity"],
                "severity_rank": SEVERITY_RANK[r["severity"]],
                "due_date": due,
                "txn_ids": [],
                "top_features": [],
            }
            for i, r in enumerate(_alerts(size, offset=args.alerts + chunk))
        ]
        with transaction.atomic():
            services._insert_alerts(rows)
    if extra > 0:
        print(f"filled {extra:,} more alerts in {time.perf_counter() - fill_start:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for label, capped in (("exact count", False), ("count capped at 10,000 (the page)", True)):
        timings = []
        for i in range(31):
            reset_queries()
            t0 = time.perf_counter()
            qs = selectors.alert_list(actor=analyst)
            total = selectors.CappedCount(qs).count() if capped else qs.count()
            rows = list(qs[:50])
            if i:
                timings.append((time.perf_counter() - t0) * 1000)
            assert len(rows) == 50 and rows[0].severity == "high"
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"queue, {label}: {Alert.objects.filter(status='open').count():,} open alerts (counted {total:,}), "
            f"first page p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms"
        )
    rest_list(analyst)
    return 0


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def rest_list(analyst: object) -> None:
    """`GET /api/v1/monitoring/alerts` through the whole request stack, as an API client with a token sees it."""
    from django.test import Client

    from finassure.accounts import services as accounts

    token = accounts.token_create(actor=analyst, name="bench", read_only=True)[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # In this data every fan_in alert is low severity (as a real rule has one severity): both filters must reach
    # past the 666,000 high and medium alerts the queue index lists first.
    for query in ("", "?page=20", "?severity=low", "?rule_id=fan_in", "?customer_id=C123"):
        timings = []
        for i in range(31):
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/monitoring/alerts{query}")
            if i:
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        body = response.json()
        p50, p95 = _percentiles(timings)
        print(
            f"REST list {query or '(no filter)'}: count {body['count']:,} capped={body['count_capped']}, "
            f"{len(body['items'])} items, p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )


if __name__ == "__main__":
    sys.exit(main())
