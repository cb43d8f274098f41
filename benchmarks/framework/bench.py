"""Framework benchmark: generate an institution (org units, complaints, surveys) and time the dashboard and a
full snapshot run. Runs in a throw-away test database (created and dropped here); PostgreSQL for real numbers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m benchmarks.framework.bench --complaints 10000 1000000 --units 200

Prints a Markdown table (paste into benchmarks/FRAMEWORK_RESULTS.md). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
os.environ.setdefault("FINASSURE_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def build_org(units: int) -> tuple[Any, list[Any], Any]:
    """A head office, branches and sub-branches: `units` org units in all; a quality manager at the head office."""
    from finassure.accounts import services
    from finassure.accounts.models import OrgUnit
    from finassure.accounts.roles import Role

    institution = services.institution_create(actor=None, code="bench", name="基准银行", head_office_name="总行")
    head = institution.org_units.get(parent__isnull=True)
    all_units, branches = [head], max(1, units // 20)
    for b in range(branches):
        branch = services.org_unit_create(actor=None, parent=head, code=f"b{b}", name=f"第{b}分行",
                                          kind=OrgUnit.Kind.BRANCH)
        all_units.append(branch)
    i = 0
    while len(all_units) < units:
        parent = all_units[1 + i % branches]
        all_units.append(services.org_unit_create(actor=None, parent=parent, code=f"s{i}", name=f"第{i}支行",
                                                  kind=OrgUnit.Kind.SUB_BRANCH))
        i += 1
    user, _ = services.user_create(actor=None, username="bench-quality", display_name="质量经理", org_unit=head,
                                   password="Bench-Password-9")
    services.role_assign(actor=None, user=user, role=Role.QUALITY_MANAGER, org_unit=head)
    return head, all_units, user


def add_complaints(units: list[Any], count: int, start_seq: int, rng: random.Random) -> None:
    """Closed complaints over the last 15 months with handling times, plus one survey per five complaints."""
    from finassure.service.models import Complaint, Survey

    now = dt.datetime.now(dt.UTC)
    batch: list[Complaint] = []
    surveys: list[Survey] = []
    leaves = units[1:] or units
    for n in range(start_seq, start_seq + count):
        received = now - dt.timedelta(days=rng.uniform(1, 450))
        hours = rng.lognormvariate(3.3, 0.6)
        unit = leaves[n % len(leaves)]
        batch.append(Complaint(tracking_number=f"B{n:012d}", org_unit=unit, subject="基准投诉", text="基准",
                               status=Complaint.Status.CLOSED, received_at=received,
                               closed_at=received + dt.timedelta(hours=hours), handling_hours=hours))
        if n % 5 == 0:
            surveys.append(Survey(token=f"s{n}", kind=Survey.Kind.SERVICE, org_unit=unit,
                                  rating=rng.choice([2, 3, 4, 4, 5, 5]), responded_at=received))
        if len(batch) >= 5000:
            Complaint.objects.bulk_create(batch)
            Survey.objects.bulk_create(surveys)
            batch, surveys = [], []
    Complaint.objects.bulk_create(batch)
    Survey.objects.bulk_create(surveys)


def time_dashboard(user: Any, repeats: int) -> tuple[float, float]:
    from django.test import Client

    from tests.support import verified_login

    client = Client()
    verified_login(client, user)
    client.get("/")  # warm caches
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get("/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def time_snapshots() -> tuple[float, int]:
    from finassure.framework import services

    started = time.perf_counter()
    report = services.snapshots_run(actor=None)
    return time.perf_counter() - started, report.computed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from finassure.framework import services
        from finassure.platform import context

        rng = random.Random(7)
        with context.acting(context.RequestContext(channel="cli")):
            services.library_load(actor=None)
            _head, units, user = build_org(args.units)
            from finassure.framework.models import Measure

            Measure.objects.update(owner=user)  # as in the demo: every measure has an owner
            rows, have = [], 0
            for target in sorted(args.complaints):
                started = time.perf_counter()
                add_complaints(units, target - have, have, rng)
                have = target
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                generated = time.perf_counter() - started
                run_s, computed = time_snapshots()
                p50, p95 = time_dashboard(user, args.repeats)
                rows.append((target, generated, run_s, computed, p50, p95))
                print(f"{target:,} complaints: generate {generated:.1f} s, snapshot run {run_s:.1f} s "
                      f"({computed:,}), dashboard p50 {p50:.0f} ms p95 {p95:.0f} ms", flush=True)
        print(f"\n{connection.vendor}, {args.units} org units, {args.repeats} dashboard requests per size\n")
        print("| complaints | generate s | snapshot run s | snapshots | dashboard p50 ms | dashboard p95 ms |")
        print("|---:|---:|---:|---:|---:|---:|")
        for target, generated, run_s, computed, p50, p95 in rows:
            print(f"| {target:,} | {generated:.1f} | {run_s:.1f} | {computed:,} | {p50:.0f} | {p95:.0f} |")
        if len(rows) > 1:
            print(f"\ndashboard p95 growth {rows[0][0]:,} → {rows[-1][0]:,}: {rows[-1][5] / rows[0][5]:.2f}×")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
