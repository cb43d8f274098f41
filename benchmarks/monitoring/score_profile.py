"""CPU and queries of one scoring request, in process, through the whole WSGI stack (no HTTP server).

    .venv/bin/python benchmarks/monitoring/score_profile.py                 # throwaway SQLite database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python benchmarks/monitoring/score_profile.py
    … score_profile.py --profile /tmp/score.prof --requests 2000            # also a cProfile of the timed loop

Builds a WSGI environ as a server would for `POST /api/v1/transactions/score` with a bearer token and calls
`finassure.wsgi.application` directly: every middleware, the token look-up, ninja's parsing, the scorer and
the INSERT run as in production. Prints one JSON line: CPU per request (`time.process_time`, this process
only, so other processes on a shared machine do not count), wall per request, and the SQL statements of one
fresh request and of one repeated id (a `connection.execute_wrapper`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", help="write a cProfile of the timed loop here (and print its top 25)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="finassure-score-profile-"))
    os.environ.setdefault("FINASSURE_VAR_DIR", str(tmp))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/profile.sqlite3")
    os.environ.setdefault("FINASSURE_DB_CONN_MAX_AGE", "60")
    os.environ["DJANGO_SETTINGS_MODULE"] = "finassure.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from finassure.accounts import services as accounts
    from finassure.accounts.roles import Role
    from finassure.wsgi import application

    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    institution = accounts.institution_create(
        actor=None, code=f"prof{stamp}", name="剖析银行", name_en="Profile Bank",
        head_office_name="总行", head_office_name_en="Head office",
    )
    head = institution.org_units.get(parent__isnull=True)
    user, _ = accounts.user_create(
        actor=None, username=f"prof{stamp}", display_name="评分接口", org_unit=head, password="Load-Password-9"
    )
    accounts.role_assign(actor=None, user=user, role=Role.AML_ANALYST, org_unit=head)
    _token, raw = accounts.token_create(actor=user, name="profile", days=1, read_only=False)

    def body(n: int) -> bytes:
        return json.dumps({
            "txn_id": f"P{stamp}-{n:09d}", "ts": "2026-03-02T10:15:00+08:00", "account_id": f"A{n % 5000:06d}",
            "customer_id": f"C{n % 5000:06d}", "customer_type": "individual", "direction": "out",
            "amount": 1234.5 + n % 97, "currency": "CNY", "channel": "transfer",
            "counterparty_account_id": "A999999", "counterparty_country": "CN",
        }).encode()

    statuses: dict[str, int] = {}

    def call(data: bytes) -> bytes:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/transactions/score", "SCRIPT_NAME": "",
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(data)),
            "HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_USER_AGENT": "score_profile", "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.version": (1, 0),
        }

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            statuses[status] = statuses.get(status, 0) + 1

        response = application(environ, start_response)
        out = b"".join(response)
        if hasattr(response, "close"):
            response.close()  # request_finished: what a server does (closes or keeps the DB connection)
        return out

    for n in range(50):  # warm-up: URL conf, scorer, first connection
        call(body(10**8 + n))

    fresh: list[str] = []
    repeated: list[str] = []

    def capture(into: list[str]):  # type: ignore[no-untyped-def]
        # (CaptureQueriesContext cannot be used around a whole request: request_started resets the log.)
        def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            into.append(sql)
            return execute(sql, params, many, context)

        return connection.execute_wrapper(wrapper)

    with capture(fresh):
        first = call(body(10**8 + 999))
    with capture(repeated):
        call(body(10**8 + 999))
    assert b'"decision"' in first, first

    profiler = cProfile.Profile() if args.profile else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for n in range(args.requests):
        call(body(n))
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    result = {
        "database": connection.vendor,
        "requests": args.requests,
        "cpu_ms_per_req": round(cpu * 1000 / args.requests, 3),
        "wall_ms_per_req": round(wall * 1000 / args.requests, 3),
        "queries_fresh_id": len(fresh),
        "queries_repeated_id": len(repeated),
        "statuses": statuses,
        "profiled": bool(profiler),
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }
    print(json.dumps(result), flush=True)
    if args.show_sql:
        for sql in fresh:
            print("fresh:", sql[:200])
        for sql in repeated:
            print("repeated:", sql[:200])
    if profiler:
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
