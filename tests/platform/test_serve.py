"""`finassure serve`: one waitress process, or gunicorn's pre-fork workers with `--workers N`."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from finassure.platform.management.commands import serve

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("workers_env", "redis", "expected"),
    [
        (None, None, 1),  # in-memory real-time state: one process, so daily totals are not split
        (None, "redis://127.0.0.1:6379/9", os.cpu_count() or 1),  # shared state: every core
        ("3", None, 3),
        ("auto", None, 1),
    ],
)
def test_the_default_worker_count(
    monkeypatch: pytest.MonkeyPatch, settings: Any, workers_env: str | None, redis: str | None, expected: int
) -> None:
    settings.FINASSURE_REALTIME_REDIS_URL = redis
    monkeypatch.delenv("FINASSURE_REALTIME_REDIS_URL", raising=False)
    if workers_env is None:
        monkeypatch.delenv("FINASSURE_WEB_WORKERS", raising=False)
    else:
        monkeypatch.setenv("FINASSURE_WEB_WORKERS", workers_env)
    assert serve.default_workers() == expected


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads worker processes from /proc")
def test_several_workers_serve_from_one_socket_and_stop_together(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "finassure.settings",
        "FINASSURE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("FINASSURE_WEB_WORKERS", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "finassure", "serve", "--workers", "2", "--threads", "2", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status != 200:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        # the first worker may answer before the arbiter has forked the second: wait for both
        while time.monotonic() < deadline and len(_children(server.pid)) < 2:
            time.sleep(0.2)
        assert len(_children(server.pid)) == 2
        metrics_dir = _environ(_children(server.pid)[0]).get("PROMETHEUS_MULTIPROC_DIR")
        assert metrics_dir and Path(metrics_dir).is_dir()
        # every request on its own connection, so the two workers share them; /metrics (answered by one of
        # them) must count all of them, not only its own
        sent = 60
        for _ in range(sent):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/readyz", headers={"Connection": "close"})
            assert conn.getresponse().status == 200
            conn.close()
        serving = {int(p.name.rsplit("_", 1)[1].removesuffix(".db")) for p in Path(metrics_dir).glob("counter_*.db")}
        assert set(_children(server.pid)) <= serving  # both workers counted requests in the shared files
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/metrics")
        body = conn.getresponse().read().decode()
        assert _readyz_count(body) == sent
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "2 processes × 2 threads" in output and "each process keeps its own" in output
    assert not Path(metrics_dir).exists()  # serve's own metrics directory goes with it


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _readyz_count(metrics: str) -> float:
    """Requests answered by the `readyz` view, summed over methods, from the Prometheus text format."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("django_http_responses_total_by_status_view_method_total{") and 'view="readyz"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_the_start_up_heap_is_frozen_so_a_full_collection_does_not_walk_it() -> None:
    """A full garbage collection over Django + the engine's libraries took ~170 ms (the scoring API's p99);
    `serve` freezes what start-up loaded, so later collections skip it."""
    import gc

    gc.unfreeze()
    try:
        serve.warm_up()
        assert gc.get_freeze_count() == 0
        serve.freeze_startup_heap()
        assert gc.get_freeze_count() > 50_000  # the loaded libraries, now out of the collector's way
    finally:
        gc.unfreeze()
