"""Load test of the real-time scoring API (POST /api/v1/transactions/score) against the served application.

    .venv/bin/python benchmarks/monitoring/score_load.py                       # SQLite, 2 workers × 4 threads
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/monitoring_bench .venv/bin/python benchmarks/monitoring/score_load.py
    … score_load.py --tool wrk --concurrency 4,8,16                             # closed loop with wrk (apt: wrk)

What it does:
1. a throwaway database (temporary SQLite file unless DATABASE_URL is set): migrate, one institution, one
   AML analyst and a read-write personal API token (bearer auth, as a scoring client would use);
2. serves the app with `finassure serve --workers N --threads T` (gunicorn pre-fork; `--server prefork`: the
   older stdlib experiment `serve_prefork.py`) on a free port;
3. the load:
   - closed loop: `--concurrency` clients (a comma list runs each) send back to back for `--seconds` → the
     sustained throughput; with `--tool wrk` (C, far cheaper per request than this script; `score_wrk.lua`
     builds the requests) or this script's own client (stdlib: one keep-alive `http.client` per thread);
   - open loop: requests scheduled at a constant `--rate` for `--seconds`; each latency is measured from the
     scheduled send time, so a stall counts against every request queued behind it (no coordinated omission).
   Every request carries a fresh transaction id except a `--repeat` share that replays an earlier id (the
   idempotent path); amounts and channels vary so some requests hit the large-value and structuring rules
   and a few are blocked (which opens an alert and writes an audit record).
Prints one JSON line per phase with the server's CPU per request (its processes, from /proc) and the load
tool's own (it runs on the same cores); exit code 0 whatever the result.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
URL = "/api/v1/transactions/score"


# --- set-up (runs in a child process with Django) ----------------------------------------------------------------


def setup_database() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from finassure.accounts import services as accounts
    from finassure.accounts.roles import Role

    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    institution = accounts.institution_create(
        actor=None,
        code=f"load{stamp}",
        name="压测银行",
        name_en="Load Bank",
        head_office_name="总行",
        head_office_name_en="Head office",
    )
    head = institution.org_units.get(parent__isnull=True)
    user, _ = accounts.user_create(
        actor=None,
        username=f"scorer{stamp}",
        display_name="评分接口",
        org_unit=head,
        password="Load-Password-9",
    )
    accounts.role_assign(actor=None, user=user, role=Role.AML_ANALYST, org_unit=head)
    _token, raw = accounts.token_create(actor=user, name="load test", days=1, read_only=False)
    print(json.dumps({"token": raw}))


# --- the load tool -----------------------------------------------------------------------------------------------


class Client:
    def __init__(self, port: int, token: str, seed: int) -> None:
        self.port, self.token = port, token
        self.rng = random.Random(seed)
        self.conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(
                    "POST",
                    URL,
                    body=body,
                    headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
                )
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException, TimeoutError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


_ids = iter(range(1, 10**9))
_lock = threading.Lock()
_issued: list[str] = []


def transaction(rng: random.Random, repeat: float, run_tag: str) -> bytes:
    with _lock:
        if _issued and rng.random() < repeat:
            txn_id = rng.choice(_issued)
        else:
            txn_id = f"{run_tag}-{next(_ids):09d}"
            _issued.append(txn_id)
    customer = rng.randrange(20_000)
    roll = rng.random()
    if roll < 0.05:
        amount, channel = rng.uniform(50_000, 90_000), "cash"  # large-value cash
    elif roll < 0.10:
        amount, channel = rng.uniform(45_000, 49_999), "cash"  # near the threshold (structuring)
    else:
        amount, channel = round(rng.lognormvariate(7, 1.2), 2), rng.choice(["transfer", "card", "other"])
    txn = {
        "txn_id": txn_id,
        "ts": f"2026-03-{1 + customer % 28:02d}T10:{rng.randrange(60):02d}:00+08:00",
        "account_id": f"A{customer:06d}",
        "customer_id": f"C{customer:06d}",
        "customer_type": "entity" if customer % 10 == 0 else "individual",
        "direction": rng.choice(["in", "out"]),
        "amount": round(amount, 2),
        "currency": "CNY",
        "channel": channel,
        "counterparty_account_id": f"A{rng.randrange(20_000):06d}",
        "counterparty_country": "KP" if rng.random() < 0.002 else "CN",
    }
    return json.dumps(txn).encode()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summarise(
    phase: str, latencies: list[float], statuses: dict[int, int], wall: float, **extra: object
) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "phase": phase,
        "requests": len(ms),
        "seconds": round(wall, 2),
        "req_per_s": round(len(ms) / wall, 1),
        "p50_ms": round(pct(ms, 50), 1),
        "p95_ms": round(pct(ms, 95), 1),
        "p99_ms": round(pct(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        **extra,
    }


def closed_loop(port: int, token: str, concurrency: int, seconds: float, repeat: float, tag: str) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop_at = time.perf_counter() + seconds

    def worker(n: int) -> None:
        client = Client(port, token, seed=n)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while time.perf_counter() < stop_at:
            body = transaction(client.rng, repeat, tag)
            t0 = time.perf_counter()
            status, _ = client.post(body)
            mine.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1
        with _lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return summarise(
        "closed_loop", latencies, statuses, time.perf_counter() - started, concurrency=concurrency
    )


def open_loop(
    port: int, token: str, rate: float, seconds: float, clients: int, repeat: float, tag: str
) -> dict:
    """Client k sends requests k, k+clients, … at start + i/rate; latency counts from the scheduled time."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    late = [0]

    def worker(k: int) -> None:
        client = Client(port, token, seed=1000 + k)
        mine: list[float] = []
        codes: dict[int, int] = {}
        behind = 0
        for i in range(k, total, clients):
            due = start + i / rate
            body = transaction(client.rng, repeat, tag)
            now = time.perf_counter()
            if now < due:
                time.sleep(due - now)
            elif now - due > 0.001:
                behind += 1
            status, _ = client.post(body)
            mine.append(time.perf_counter() - due)
            codes[status] = codes.get(status, 0) + 1
        with _lock:
            latencies.extend(mine)
            late[0] += behind
            for k2, v in codes.items():
                statuses[k2] = statuses.get(k2, 0) + v

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return summarise(
        "open_loop", latencies, statuses, wall, target_rate=rate, clients=clients, sent_late=late[0]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not come up")


def children_of(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (the server's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *children_of(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measured(phase: Any, server_pid: int) -> dict:
    """Run a phase and add the CPU the server and this load tool spent per request (the machine is shared)."""
    server0, client0 = tree_cpu_seconds(server_pid), time.process_time()
    result = phase()
    server_ms = (tree_cpu_seconds(server_pid) - server0) * 1000 / max(1, result["requests"])
    client_cpu = result.pop("wrk_cpu_s", None)
    client_cpu = time.process_time() - client0 if client_cpu is None else client_cpu
    client_ms = client_cpu * 1000 / max(1, result["requests"])
    cores = os.cpu_count() or 1
    return result | {
        "server_cpu_ms_per_req": round(server_ms, 2),
        "client_cpu_ms_per_req": round(client_ms, 2),
        "capacity_if_cores_were_free": round(cores * 1000 / (server_ms + client_ms)),
    }


def wrk_closed_loop(port: int, token: str, concurrency: int, seconds: float, tag: str) -> dict:
    """Closed loop with wrk: `concurrency` keep-alive connections on up to 2 threads; its CPU from rusage."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{int(seconds)}s", "--timeout", "10s",
         "-s", str(HERE / "score_wrk.lua"), f"http://127.0.0.1:{port}", "--", token, tag],
        check=True, capture_output=True, text=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.strip().splitlines()[-1])
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"phase": "closed_loop_wrk", "concurrency": concurrency, **result, "wrk_cpu_s": round(wrk_cpu, 2)}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--server", choices=["serve", "prefork"], default="serve")
    parser.add_argument("--tool", choices=["python", "wrk"], default="python", help="closed-loop load tool")
    parser.add_argument("--concurrency", default="8", help="closed-loop clients (comma list: one phase each)")
    parser.add_argument("--no-open-loop", action="store_true")
    parser.add_argument(
        "--nice", type=int, default=None,
        help="once set up, run the server's processes and the load tool at this nice value (root: e.g. -15, to "
             "approximate free cores on a shared machine; the other processes still run, only at lower priority). "
             "The benchmark starts its own session, so with the kernel's autogroup scheduling the nice value is "
             "also given to that session's group (which holds only the benchmark's processes)",
    )
    parser.add_argument("--rate", type=float, default=300, help="open-loop requests per second")
    parser.add_argument("--clients", type=int, default=16, help="open-loop client connections")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--repeat", type=float, default=0.05, help="share of replayed transaction ids")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="FINASSURE_DB_CONN_MAX_AGE for the server (0 = a new DB connection per request)",
    )
    args = parser.parse_args()
    if args.setup_only:
        setup_database()
        return 0
    if args.nice is not None:
        with contextlib.suppress(OSError):
            os.setsid()  # a session (and scheduler autogroup) of its own: only the benchmark's processes

    tmp = Path(tempfile.mkdtemp(prefix="finassure-score-load-"))
    env = {
        **os.environ,
        "FINASSURE_VAR_DIR": str(tmp),
        "DJANGO_SETTINGS_MODULE": "finassure.settings",
        "FINASSURE_DB_CONN_MAX_AGE": str(args.conn_max_age),
        "PYTHONPATH": str(ROOT),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp}/load.sqlite3")
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    token = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--setup-only"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        .stdout.strip()
        .splitlines()[-1]
    )["token"]
    port = free_port()
    command = (
        [sys.executable, "-m", "finassure", "serve"]
        if args.server == "serve"
        else [sys.executable, str(HERE / "serve_prefork.py")]
    )
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "server.log", "w"),  # noqa: SIM115
    )
    try:
        wait_ready(port)
        if args.nice is not None:
            for pid in [server.pid, *children_of(server.pid), os.getpid()]:
                for task in Path(f"/proc/{pid}/task").iterdir():  # Linux: the nice value is per thread
                    with contextlib.suppress(OSError):
                        os.setpriority(os.PRIO_PROCESS, int(task.name), args.nice)
            with contextlib.suppress(OSError):  # without autogroup scheduling the file does not exist
                Path("/proc/self/autogroup").write_text(str(args.nice))
        tag = f"L{int(time.time())}"
        header = {
            "database": engine,
            "server": args.server,
            "tool": args.tool,
            "workers": args.workers,
            "threads": args.threads,
            "conn_max_age": args.conn_max_age,
            "cores": os.cpu_count(),
            "loadavg_before": loadavg(),
            "nice": args.nice,
        }
        print(json.dumps(header), flush=True)
        print(
            json.dumps(closed_loop(port, token, 4, 3, args.repeat, tag + "w") | {"phase": "warm_up"}),
            flush=True,
        )
        phases = []
        for n, concurrency in enumerate(int(c) for c in args.concurrency.split(",")):
            if args.tool == "wrk":
                phases.append(lambda c=concurrency, n=n: wrk_closed_loop(port, token, c, args.seconds, f"{tag}w{n}"))
            else:
                phases.append(
                    lambda c=concurrency, n=n: closed_loop(port, token, c, args.seconds, args.repeat, f"{tag}c{n}")
                )
        if not args.no_open_loop:
            phases.append(
                lambda: open_loop(port, token, args.rate, args.seconds, args.clients, args.repeat, tag + "o")
            )
        for phase in phases:
            print(json.dumps(measured(phase, server.pid) | {"loadavg_after": loadavg()}), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
