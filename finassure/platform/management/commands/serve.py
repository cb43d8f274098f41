"""`finassure serve`: serve the web application over HTTP (put TLS in front in production).

One worker (the default without shared real-time state): waitress, a pure-Python threaded server, in this
process. `--workers N` (N > 1): gunicorn's pre-fork arbiter with N worker processes × `--threads` threads
sharing one listening socket. A Python process runs one request at a time on its GIL, so a single process
uses one core however many threads it has; N processes use N cores.

`--workers` defaults to FINASSURE_WEB_WORKERS, else "auto": the number of CPUs when the real-time scorer's
running state is shared (FINASSURE_REALTIME_REDIS_URL set), else 1 — with several processes and the
in-memory state each process keeps its own daily totals, so a large-value split across processes would be
missed (benchmarks/monitoring/RESULTS.md). Asking for N > 1 without Redis is allowed, with a warning.

Per-process caches, each with a short bound documented where it lives: API tokens (≤ 5 s,
accounts/authcache.py), approved rule changes for real-time scoring (≤ 30 s, monitoring/services.py).

Metrics with several workers: each process counts its own requests, and `/metrics` is answered by whichever
worker takes the connection, so on its own it would show one worker's share at random. `serve` therefore runs
prometheus_client's multiprocess mode: every process keeps its values in memory-mapped files in one fresh
directory (`PROMETHEUS_MULTIPROC_DIR`; an operator's own is used as given), `/metrics` sums them over all
workers (django_prometheus does when the variable is set), a worker that exits is marked dead so its live
gauges go, and the directory is removed when the server stops. The variable must be set before the first
metric exists (at Django's start-up), so `serve` sets it and re-executes itself once.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from finassure.platform.management.base import LocalizedCommand


def default_workers() -> int:
    configured = os.environ.get("FINASSURE_WEB_WORKERS", "auto").strip().lower()
    if configured not in ("", "auto"):
        try:
            return max(1, int(configured))
        except ValueError:
            raise CommandError(_("FINASSURE_WEB_WORKERS must be a number or 'auto', not '%(value)s'") % {
                "value": configured}) from None
    return (os.cpu_count() or 1) if realtime_state_is_shared() else 1


def realtime_state_is_shared() -> bool:
    return bool(getattr(settings, "FINASSURE_REALTIME_REDIS_URL", None) or os.environ.get("FINASSURE_REALTIME_REDIS_URL"))


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
_OWNED_METRICS_DIR_ENV = "FINASSURE_OWNED_METRICS_DIR"  # set by serve itself: remove that directory when done


def multiprocess_metrics_ready() -> bool:
    """Whether this process counts metrics in the shared multiprocess directory (decided at import time)."""
    from prometheus_client import values

    return values.ValueClass is not values.MutexValue


def reexec_with_multiprocess_metrics() -> None:
    """Start this command again with a fresh `PROMETHEUS_MULTIPROC_DIR` (does not return)."""
    directory = tempfile.mkdtemp(prefix="finassure-metrics-")
    os.environ[METRICS_DIR_ENV] = directory
    os.environ[_OWNED_METRICS_DIR_ENV] = directory
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, sys.orig_argv)  # noqa: S606 -- the same command line, with the variable set


def warm_up() -> None:
    """Load what the first request would load lazily (URL conf, ninja's schema, the real-time scorer) once,
    before forking, so every worker starts warm and shares those pages of memory."""
    from django.urls import resolve

    from finassure.monitoring import services

    resolve("/api/v1/transactions/score")
    services.realtime_scorer()


def freeze_startup_heap() -> None:
    """Put everything loaded at start-up out of the garbage collector's way (`gc.freeze()`, after one collection).

    Django, the engine's libraries and the scorer leave ~230,000 long-lived objects; a full collection walks
    them all and took ~170 ms, which a request that triggers it waits for: that was the scoring API's p99
    (benchmarks/monitoring/RESULTS.md). Frozen, a collection walks only what requests allocate. Before a fork
    it also keeps those pages shared between the workers (no copy-on-write from the collector's bookkeeping).
    """
    import gc

    gc.collect()
    gc.freeze()


class Command(LocalizedCommand):
    help = gettext_noop("Serve finassure over HTTP (put TLS in front in production).")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=_("address to serve on (default: %(default)s)"))
        parser.add_argument("--port", type=int, default=8000, help=_("port to serve on (default: %(default)s)"))
        parser.add_argument("--threads", type=int, default=8, help=_("threads per worker process"))
        parser.add_argument(
            "--workers", type=int, default=None,
            help=_("worker processes (default: FINASSURE_WEB_WORKERS, else the CPU count when real-time scoring "
                   "state is in Redis, else 1); more than 1 serves with gunicorn"),
        )
        parser.add_argument("--timeout", type=int, default=120,
                            help=_("with several workers: restart a worker silent for this many seconds"))

    def handle(self, *args: Any, host: str, port: int, threads: int, workers: int | None, timeout: int,
               **options: Any) -> None:
        workers = default_workers() if workers is None else workers
        if workers < 1 or threads < 1:
            raise CommandError(_("--workers and --threads must be at least 1"))
        if workers == 1:
            from waitress import serve  # type: ignore[import-untyped]

            from finassure.wsgi import application

            warm_up()
            freeze_startup_heap()
            self.stdout.write(_("finassure listening on http://%(host)s:%(port)s/ (Ctrl+C to stop)") % {"host": host, "port": port})
            serve(application, host=host, port=port, threads=threads, ident="finassure")
            return
        if not multiprocess_metrics_ready():
            if os.environ.get(METRICS_DIR_ENV):
                raise CommandError(_("%(variable)s is set but was not in effect at start-up") % {"variable": METRICS_DIR_ENV})
            reexec_with_multiprocess_metrics()
        if not realtime_state_is_shared():
            self.stderr.write(
                _("warning: several workers without FINASSURE_REALTIME_REDIS_URL: each process keeps its own "
                  "real-time scoring totals (a large-value split across processes is missed)")
            )
        self.stdout.write(
            _("finassure listening on http://%(host)s:%(port)s/ with %(workers)s processes × %(threads)s threads "
              "(Ctrl+C to stop)") % {"host": host, "port": port, "workers": workers, "threads": threads}
        )
        self.stdout.flush()
        owned = os.environ.get(_OWNED_METRICS_DIR_ENV)
        try:
            _Gunicorn(bind=f"{host}:{port}", workers=workers, threads=threads, timeout=timeout).run()
        finally:
            if owned and owned == os.environ.get(METRICS_DIR_ENV):
                shutil.rmtree(owned, ignore_errors=True)


def _mark_worker_dead(server: Any, worker: Any) -> None:
    """gunicorn hook in the arbiter: drop an exited worker's live gauges from the multiprocess metrics."""
    from prometheus_client import multiprocess

    if os.environ.get(METRICS_DIR_ENV):
        multiprocess.mark_process_dead(worker.pid)


class _Gunicorn:
    """gunicorn's arbiter, configured here rather than from a file or its command line."""

    def __init__(self, *, bind: str, workers: int, threads: int, timeout: int) -> None:
        from gunicorn.app.base import BaseApplication

        options = {
            "bind": bind,
            "workers": workers,
            "worker_class": "gthread",  # keep-alive connections, `threads` requests at a time per process
            "threads": threads,
            "timeout": timeout,
            "graceful_timeout": 30,
            "keepalive": 5,
            "backlog": 1024,
            "preload_app": True,  # import and warm up once, then fork (also keeps in-process settings, e.g. demo)
            "accesslog": None,  # as with waitress: no access log (the audit trail records what matters)
            "errorlog": "-",
            "proc_name": "finassure",
            "control_socket_disable": True,  # no runtime control socket in the home directory
            # Never let a header decide the scheme here: Django's SECURE_PROXY_SSL_HEADER does, when configured.
            "secure_scheme_headers": {},
            "forwarded_allow_ips": "",
            "child_exit": _mark_worker_dead,
        }

        class App(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from django.db import connections

                from finassure.wsgi import application

                warm_up()
                connections.close_all()  # no database connection may cross the fork
                freeze_startup_heap()
                return application

        self.app = App()

    def run(self) -> None:
        self.app.run()
