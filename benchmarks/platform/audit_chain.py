"""Benchmark the audit trail: append rate (each append locks, reads the last hash, inserts) and verify rate.

    .venv/bin/python benchmarks/platform/audit_chain.py --records 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/finassure_bench .venv/bin/python benchmarks/platform/audit_chain.py

Uses (and empties first) a throwaway database: by default a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="finassure-bench-")
    os.environ.setdefault("FINASSURE_VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from finassure.platform import audit

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # a fresh chain for a clean measurement
        cursor.execute("ALTER TABLE platform_auditevent DISABLE TRIGGER USER" if connection.vendor == "postgresql"
                       else "DROP TRIGGER IF EXISTS platform_auditevent_no_recent_delete")
        cursor.execute("DELETE FROM platform_auditevent")
    start = time.perf_counter()
    for i in range(args.records):
        audit.record(action="bench.event", object_type="bench", object_id=str(i), object_repr=f"记录 {i}",
                     changes={"status": ["open", "closed"], "amount": [str(i), str(i + 1)]})
    append = time.perf_counter() - start
    start = time.perf_counter()
    result = audit.verify()
    verify = time.perf_counter() - start
    assert result.ok and result.checked == args.records, result
    print(f"database: {connection.vendor}")
    print(f"append: {args.records} records in {append:.1f} s = {args.records / append:,.0f} records/s")
    print(f"verify: {result.checked} records in {verify:.2f} s = {result.checked / verify:,.0f} records/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
