"""Customer-service benchmark: the filtered complaint list, the statistics page, classification and import.

Runs in a throw-away test database (created and dropped here); PostgreSQL for real numbers:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python -m benchmarks.service.bench --complaints 10000 --import-rows 2000

Prints a Markdown table. Not a test: nothing here asserts a time. Targets (issue 4, at 1,000,000 complaints
on PostgreSQL): list p95 ≤ 200 ms, statistics ≤ 500 ms, 100,000-row import ≤ 120 s, classification ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
os.environ.setdefault("FINASSURE_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def build(count: int, rng: random.Random) -> tuple[Any, Any]:
    """An institution with 20 units, a consumer-protection officer, and `count` complaints with their events."""
    from finassure.accounts import services as account_services
    from finassure.accounts.models import OrgUnit
    from finassure.accounts.roles import Role
    from finassure.platform import crypto
    from finassure.service import services
    from finassure.service.models import Complaint, ComplaintEvent
    from finassure.service.selectors import PHONE_CONTEXT

    institution = account_services.institution_create(actor=None, code="bench", name="基准银行", head_office_name="总行")
    head = institution.org_units.get(parent__isnull=True)
    units = [account_services.org_unit_create(actor=None, parent=head, code=f"b{i}", name=f"第{i}分行",
                                              kind=OrgUnit.Kind.BRANCH) for i in range(20)]
    user, _ = account_services.user_create(actor=None, username="bench-cpo", display_name="消保", org_unit=head,
                                           password="Bench-Password-9")
    account_services.role_assign(actor=None, user=user, role=Role.CONSUMER_PROTECTION_OFFICER, org_unit=head)
    services.ensure_default_categories()
    from finassure.service.models import ComplaintCategory

    categories = list(ComplaintCategory.objects.all())
    if connection.vendor == "postgresql":
        build_sql(count, units, categories)
        return user, units
    now = dt.datetime.now(dt.UTC)
    done = 0
    while done < count:
        size = min(5000, count - done)
        batch = []
        for n in range(done, done + size):
            received = now - dt.timedelta(days=rng.uniform(0, 365))
            phone = f"138{n:08d}"
            closed = rng.random() < 0.9
            hours = rng.lognormvariate(3.3, 0.6)
            batch.append(Complaint(
                tracking_number=f"TSB{n:013d}", org_unit=units[n % len(units)], subject="基准投诉", text="基准投诉内容",
                product_line=rng.choice(["deposit", "loan", "credit_card", "payment"]), category=rng.choice(categories),
                complainant_name="王小明", complainant_phone=phone,
                phone_index=crypto.blind_index(phone, context=PHONE_CONTEXT),
                status=Complaint.Status.CLOSED if closed else Complaint.Status.ACCEPTED, received_at=received,
                accepted_at=received, closed_at=received + dt.timedelta(hours=hours) if closed else None,
                handling_hours=hours if closed else None, sla_due_at=received + dt.timedelta(hours=48),
                regulatory_due_at=received + dt.timedelta(days=16)))
        created = Complaint.objects.bulk_create(batch)
        events = []
        for c in created:
            events.append(ComplaintEvent(complaint=c, kind="registered", at=c.received_at))
            events.append(ComplaintEvent(complaint=c, kind="accepted", at=c.received_at))
            if c.closed_at:
                events.append(ComplaintEvent(complaint=c, kind="closed", at=c.closed_at))
        ComplaintEvent.objects.bulk_create(events, batch_size=5000)
        done += size
    return user, units


def build_sql(count: int, units: list[Any], categories: list[Any]) -> None:
    """PostgreSQL only: generate `count` complaints and their events inside the server (INSERT … SELECT over
    generate_series), so a million rows take minutes, not a quarter of an hour. Personal data cycles through
    1,000 real ciphertexts (encrypted with the configured key) so the pages decrypt what they show."""
    from finassure.platform import crypto
    from finassure.service.models import Complaint
    from finassure.service.selectors import PHONE_CONTEXT

    phones = [f"138{n:08d}" for n in range(1000)]
    name_field = Complaint._meta.get_field("complainant_name")
    phone_field = Complaint._meta.get_field("complainant_phone")
    names = [name_field.get_prep_value("王小明") for _ in range(1000)]
    phone_tokens = [phone_field.get_prep_value(p) for p in phones]
    indexes = [crypto.blind_index(p, context=PHONE_CONTEXT) for p in phones]
    overrides = {
        "created_at": "now()", "updated_at": "now()",
        "tracking_number": "'TSB' || lpad(n::text, 13, '0')",
        "org_unit_id": "(%(units)s::bigint[])[1 + n %% %(unit_count)s::int]",
        "status": "CASE WHEN n %% 10 = 0 THEN 'accepted' ELSE 'closed' END",
        "complainant_name": "(%(names)s::text[])[1 + n %% 1000]",
        "complainant_phone": "(%(phones)s::text[])[1 + n %% 1000]",
        "phone_index": "(%(indexes)s::text[])[1 + n %% 1000]",
        "product_line": "(ARRAY['deposit','loan','credit_card','payment'])[1 + n %% 4]",
        "category_id": "(%(categories)s::bigint[])[1 + n %% %(category_count)s::int]",
        "subject": "'基准投诉'", "text": "'基准投诉内容'",
        "received_at": "now() - (n %% 525600) * interval '1 minute'",
        "accepted_at": "now() - (n %% 525600) * interval '1 minute'",
        "closed_at": "CASE WHEN n %% 10 = 0 THEN NULL ELSE now() - (n %% 525600) * interval '1 minute'"
                     " + (10 + n %% 70) * interval '1 hour' END",
        "handling_hours": "CASE WHEN n %% 10 = 0 THEN NULL ELSE 10 + n %% 70 END",
        "sla_due_at": "now() - (n %% 525600) * interval '1 minute' + interval '48 hours'",
        "regulatory_due_at": "now() - (n %% 525600) * interval '1 minute' + interval '16 days'",
    }
    columns, expressions, params = [], [], {
        "units": [u.pk for u in units], "unit_count": len(units), "names": names, "phones": phone_tokens,
        "indexes": indexes, "categories": [c.pk for c in categories], "category_count": len(categories)}
    for field in Complaint._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            expressions.append(overrides[field.column])
        else:
            key = f"d_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            expressions.append(f"%({key})s")
    with connection.cursor() as cursor:
        step = 200_000
        for start in range(0, count, step):
            params.update(lo=start, hi=min(count, start + step) - 1)
            cursor.execute(f"INSERT INTO service_complaint ({', '.join(columns)}) SELECT {', '.join(expressions)} "
                           "FROM generate_series(%(lo)s, %(hi)s) AS n", params)
        for kind, column in [("registered", "received_at"), ("accepted", "accepted_at"), ("closed", "closed_at")]:
            cursor.execute("INSERT INTO service_complaintevent (complaint_id, kind, at, note, data) "
                           f"SELECT id, %s, {column}, '', '{{}}'::jsonb FROM service_complaint WHERE {column} IS NOT NULL",
                           [kind])
        cursor.execute("ANALYZE service_complaint")
        cursor.execute("ANALYZE service_complaintevent")


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    fn()  # warm caches
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def import_file(rows: int, unit_code: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("投诉")
    sheet.append(["external_id", "received_at", "org_unit", "product_line", "category", "channel", "subject",
                  "text", "complainant_name", "complainant_phone", "complainant_id_number", "group_size"])
    for n in range(rows):
        bad = n % 100 == 99  # 1 % of the rows carry an error (a bad date), to exercise the report
        sheet.append([f"IMP{n:08d}", "2026-13-45" if bad else "2026-03-02 09:30", unit_code, "信用卡", "fees", "电话",
                      "年费", "未告知年费即扣款，要求退还。", "王小明", f"139{n:08d}", "110101199003074514", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def count_rows() -> int:
    from finassure.service.models import ComplaintDailyCount

    return ComplaintDailyCount.objects.count()


def statistics_rows(get: Callable[[], Any], user: Any, repeats: int) -> list[tuple[str, str, str, str]]:
    """The statistics page from a clean summary, with 5 dirty days (counted live), after their refresh, and
    the live reference computation (`selectors.statistics_live`, no summary) for comparison."""
    from django.utils import timezone

    from finassure.framework.periods import Period
    from finassure.service import selectors, services
    from finassure.service.models import Complaint

    rows = []
    p50, p95 = timed(get, repeats)
    rows.append(("statistics (year), summary clean", "/service/statistics/", f"{p50:.0f} ms", f"{p95:.0f} ms"))
    now = timezone.now()
    for days in (3, 40, 100, 200, 300):  # a root cause recorded on 5 complaints of 5 days: those days go dirty
        latest = Complaint.objects.filter(received_at__lt=now - dt.timedelta(days=days)).order_by("-received_at")
        Complaint.objects.filter(pk__in=latest.values("pk")[:1]).update(root_cause="sales_process")
    p50, p95 = timed(get, repeats)
    rows.append(("statistics (year), 5 dirty days", "5 days counted live", f"{p50:.0f} ms", f"{p95:.0f} ms"))
    started = time.perf_counter()
    days = services.complaint_counts_refresh()
    rows.append(("refresh the dirty days", f"{days} days", f"{(time.perf_counter() - started) * 1000:.0f} ms", ""))
    start, end = Period.containing(timezone.localdate(), "year").bounds()
    p50, p95 = timed(lambda: selectors.statistics_live(actor=user, start=start, end=end), 3)
    rows.append(("statistics_live (year), no summary", "selector only, 3 repeats", f"{p50:.0f} ms", f"{p95:.0f} ms"))
    return rows


def print_table(rows: list[tuple[str, str, str, str]], args: argparse.Namespace) -> None:
    print(f"load average during the run: {os.getloadavg()}")
    print(f"\n{connection.vendor}, {args.complaints:,} complaints\n")
    print("| what | detail | median | p95 |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--import-only", action="store_true", help="skip the pages; time only the import")
    parser.add_argument("--statistics-only", action="store_true",
                        help="time only the summary build and the statistics page (clean, with dirty days, live)")
    args = parser.parse_args()
    from django.test import Client

    from finassure.service import classifier, services
    from tests.support import verified_login

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rng = random.Random(7)
        started = time.perf_counter()
        user, units = build(args.complaints, rng)
        build_s = time.perf_counter() - started
        client = Client()
        verified_login(client, user)

        def page(path: str) -> Callable[[], Any]:
            def get() -> None:
                assert client.get(path).status_code == 200

            return get

        rows = [("build", f"{args.complaints:,} complaints", f"{build_s:.1f} s", "")]
        started = time.perf_counter()
        days = services.complaint_counts_refresh()  # every new complaint marked its hour: this builds the summary
        rows.append(("build the daily counts", f"{days} days, {count_rows():,} summary rows",
                     f"{time.perf_counter() - started:.1f} s", ""))
        if args.statistics_only:
            rows += statistics_rows(page("/service/statistics/"), user, args.repeats)
            return print_table(rows, args)
        for label, path in [] if args.import_only else [("list, no filter", "/service/complaints/"),
                            ("list, status + product", "/service/complaints/?status=accepted&product_line=loan"),
                            ("list, by phone", "/service/complaints/?phone=13800000042"),
                            ("list, regulatory overdue", "/service/complaints/?clock=regulatory_overdue"),
                            ("statistics (year)", "/service/statistics/")]:
            p50, p95 = timed(page(path), args.repeats)
            rows.append((label, path, f"{p50:.0f} ms", f"{p95:.0f} ms"))
        model = classifier.current()
        p50, p95 = timed(lambda: model.suggest("我的信用卡昨晚在境外被盗刷了三笔"), args.repeats * 5)
        rows.append(("classify one complaint", "seed model", f"{p50:.1f} ms", f"{p95:.1f} ms"))
        started = time.perf_counter()
        content = import_file(args.import_rows, units[0].code)
        rows.append(("import file", f"{args.import_rows:,} rows, {len(content) / 1e6:.1f} MB .xlsx",
                     f"{time.perf_counter() - started:.1f} s (generating)", ""))
        from finassure.service import importing

        started = time.perf_counter()
        _, parsed = importing.read_rows("bench.xlsx", content)
        read_count = sum(1 for _ in parsed)
        read_s = time.perf_counter() - started
        rows.append(("import: read only", f"{read_count:,} rows (openpyxl read-only)", f"{read_s:.1f} s", ""))
        started, cpu_started = time.perf_counter(), time.process_time()
        report = services.complaint_import(actor=user, file_name="bench.xlsx", content=content)
        total_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        assert report.total == report.imported + report.rejected == args.import_rows
        rows.append(("import (bulk path)", f"{args.import_rows:,} rows ({report.imported:,} imported, "
                     f"{report.rejected:,} rejected)", f"{total_s:.1f} s",
                     f"{total_s / args.import_rows * 1000:.2f} ms/row"))
        rows.append(("import, CPU time of this process", "what an idle core would take (the DB server not counted)",
                     f"{cpu_s:.1f} s", f"{cpu_s / args.import_rows * 1000:.2f} ms/row"))
        print_table(rows, args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
