"""Serve finassure with N waitress processes sharing one listening socket (a pre-fork model, stdlib only).

    .venv/bin/python benchmarks/monitoring/serve_prefork.py --workers 2 --threads 4 --port 8765

`finassure serve` runs one waitress process; a Python process executes one request at a time on its GIL, so
on a 2-core machine one process leaves a core idle. Here the parent binds the socket, imports the application
(settings, URL conf, the engine's rules and FX table loaded once), then forks: each child serves the inherited
socket with its own waitress and its own database connections, and the kernel spreads accepts between them.
SIGTERM to the parent stops the children.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finassure.settings")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)

    from django.db import connections

    from finassure.wsgi import application

    warm_up()
    connections.close_all()  # no connection may cross a fork

    children: list[int] = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            from waitress import serve  # type: ignore[import-untyped]

            serve(
                application,
                sockets=[sock],
                threads=args.threads,
                ident="finassure",
                backlog=1024,
                connection_limit=1000,
                channel_timeout=30,
            )
            os._exit(0)
        children.append(pid)

    def stop(*_: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"serving on http://{args.host}:{args.port}/ with {args.workers} × {args.threads} threads", flush=True
    )
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    return 0


def warm_up() -> None:
    """Load what the first request would otherwise load lazily: the URL conf and the real-time scorer."""
    from django.urls import resolve

    from finassure.monitoring import services

    resolve("/api/v1/transactions/score")
    services.realtime_scorer()


if __name__ == "__main__":
    sys.exit(main())
