"""Governance benchmark: the Excel round trip of a large risk register (export, import unchanged, import with every
row edited) and the attestation-completion indicator over many assignments.

Runs in a throw-away test database (created and dropped here):

    .venv/bin/python -m benchmarks.governance.bench --risks 2000 --attestations 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_governance .venv/bin/python -m benchmarks.governance.bench

Prints a Markdown table. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
os.environ.setdefault("FINASSURE_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def build(risks: int, attestations: int, units: int, rng: random.Random) -> tuple[Any, Any]:
    """An institution of `units` org units; `risks` risks with a control each; policies in force and
    `attestations` assignments (about 80 % confirmed). Returns the head office and a risk manager there."""
    from django.utils import timezone

    from benchmarks.framework.bench import build_org
    from finassure.accounts import services as account_services
    from finassure.accounts.models import User
    from finassure.accounts.roles import Role
    from finassure.governance.models import Attestation, Control, Policy, PolicyVersion, Risk

    head, all_units, _quality = build_org(units)
    manager, _ = account_services.user_create(actor=None, username="bench-risk", display_name="风险经理",
                                              org_unit=head, password="Bench-Password-9")
    account_services.role_assign(actor=None, user=manager, role=Role.RISK_MANAGER, org_unit=head)
    controls = Control.objects.bulk_create([
        Control(org_unit=all_units[n % len(all_units)], code=f"c{n}", name=f"控制{n}", owner=manager,
                frequency="daily") for n in range(max(1, risks // 4))])
    Risk.objects.bulk_create([
        Risk(org_unit=all_units[n % len(all_units)], title=f"风险{n}", category="operational",
             inherent_likelihood=4, inherent_impact=4, residual_likelihood=rng.randint(1, 4),
             residual_impact=rng.randint(1, 4), treatment="mitigate", owner=manager) for n in range(risks)],
        batch_size=5000)
    through = Risk.controls.through
    through.objects.bulk_create([through(risk_id=r, control_id=controls[i % len(controls)].pk)
                                 for i, r in enumerate(Risk.objects.values_list("pk", flat=True))], batch_size=5000)
    staff = User.objects.bulk_create([User(username=f"staff{n}", org_unit=all_units[n % len(all_units)])
                                      for n in range(max(1, attestations // 20))], batch_size=5000)
    versions = []
    for n in range(20):
        policy = Policy.objects.create(org_unit=head, code=f"ZD-{n:03d}", title=f"制度{n}", kind="rules")
        version = PolicyVersion.objects.create(policy=policy, number=1, body="第一条", author=manager,
                                               status="effective", effective_from=dt.date(2025, 1, 1))
        Policy.objects.filter(pk=policy.pk).update(effective_version=version)
        versions.append(version)
    now = timezone.now()
    batch = [Attestation(version=versions[n % 20], user=staff[n // 20 % len(staff)],
                         org_unit_id=staff[n // 20 % len(staff)].org_unit_id,
                         confirmed_at=now if rng.random() < 0.8 else None) for n in range(attestations)]
    Attestation.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
    return head, manager


def time_round_trip(manager: Any) -> dict[str, Any]:
    from django.test import Client
    from openpyxl import Workbook, load_workbook

    from finassure.governance import services
    from tests.support import verified_login

    client = Client()
    verified_login(client, manager)
    client.get("/governance/risks/")  # warm up: the first request imports the URL modules
    started = time.perf_counter()
    exported = client.get("/governance/risks/?format=xlsx").content
    export_s = time.perf_counter() - started
    rows = [list(r) for r in load_workbook(io.BytesIO(exported)).active.iter_rows(values_only=True)]

    def workbook(body: list[list[Any]]) -> bytes:
        book = Workbook()
        for row in [rows[0], *body]:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    started = time.perf_counter()
    unchanged = services.risk_import(actor=manager, content=workbook(rows[1:]))
    unchanged_s = time.perf_counter() - started
    edited = [[*row[:2], f"{row[2]}（修订）", *row[3:]] for row in rows[1:]]
    started = time.perf_counter()
    updated = services.risk_import(actor=manager, content=workbook(edited))
    updated_s = time.perf_counter() - started
    return {"rows": len(rows) - 1, "bytes": len(exported), "export": export_s, "unchanged": unchanged_s,
            "unchanged_counts": unchanged, "updated": updated_s, "updated_counts": updated}


def time_indicator(head: Any, repeats: int) -> tuple[float, Any]:
    from django.utils import timezone

    from finassure.accounts.models import OrgUnit
    from finassure.framework.periods import Period
    from finassure.governance import indicators

    period = Period.containing(timezone.localdate(), "quarter")
    units = OrgUnit.objects.filter(path__startswith=head.path)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        measurement = indicators.attestation_completion_share(units=units, period=period)
        samples.append(time.perf_counter() - started)
    return max(samples), measurement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--risks", type=int, default=2_000)
    parser.add_argument("--attestations", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from finassure.platform import context

        with context.acting(context.RequestContext(channel="cli")):
            started = time.perf_counter()
            head, manager = build(args.risks, args.attestations, args.units, random.Random(7))
            generated = time.perf_counter() - started
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            trip = time_round_trip(manager)
            worst, measurement = time_indicator(head, 3)
        print(f"\n{connection.vendor}: {args.risks:,} risks, {args.attestations:,} attestations, {args.units} org "
              f"units (generated in {generated:.0f} s)\n")
        print("| measure | result |")
        print("|---|---:|")
        print(f"| risk register export, {trip['rows']:,} rows ({trip['bytes'] / 1024:.0f} KiB) | "
              f"{trip['export']:.2f} s |")
        print(f"| import of the unchanged file ({trip['unchanged_counts']}) | {trip['unchanged']:.2f} s |")
        print(f"| import with every title edited ({trip['updated_counts']}) | {trip['updated']:.2f} s |")
        print(f"| governance.attestation_completion_share, whole institution, slowest of 3 "
              f"({measurement.numerator:,.0f} / {measurement.denominator:,.0f}) | {worst:.2f} s |")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
