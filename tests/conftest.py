"""Shared fixtures: the cast of personas (one per role, inside and outside its org unit) and the audit triggers."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

os.environ.setdefault("FINASSURE_ENV", "test")
# The engine speaks the machine's locale unless told: tests that read its English messages must not depend on it.
os.environ["FINASSURE_LANG"] = "en"
# The daily backup runs whenever a test runs the worker's due schedules: keep its files out of the repository.
os.environ.setdefault("FINASSURE_BACKUP_DIR", os.path.join(tempfile.gettempdir(), f"finassure-test-backups-{os.getpid()}"))


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Argon2 costs ~50 ms per hash; tests that check hashing read finassure.settings directly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, _media_dir: Any) -> None:
    # Uploaded attachments (complaints, cases) go to a temporary folder, never into the checkout's var/.
    settings.MEDIA_ROOT = str(_media_dir)


@pytest.fixture(autouse=True)
def _audit_triggers_allow_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests end with a flush (DELETE/TRUNCATE) that the append-only triggers refuse.

    The triggers stay on during the test; they are lifted only for the flush that pytest-django runs after it.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    if not transactional:
        yield
        return
    request.getfixturevalue("transactional_db")
    from tests.support import audit_triggers

    audit_triggers(enabled=True)
    yield
    audit_triggers(enabled=False)


@pytest.fixture
def org(db: Any) -> Any:
    from tests.support import build_org

    return build_org()


@pytest.fixture
def make_user(org: Any) -> Callable[..., Any]:
    from tests.support import create_user

    def factory(role: str | None = None, unit: str = "beijing", **kwargs: Any) -> Any:
        return create_user(org, role=role, unit=unit, **kwargs)

    return factory


@pytest.fixture
def login_client(client: Any) -> Callable[[Any], Any]:
    """A test client signed in as `user` with a verified second factor (as after a real 2FA sign-in)."""
    from tests.support import verified_login

    def sign_in(user: Any) -> Any:
        verified_login(client, user)
        return client

    return sign_in


# --- the one headless Chromium (Debian's, driven by Playwright) for every browser test of the session --------------
# Defined here, once: a copy imported into a test module would start a second Playwright in the same thread.

CHROMIUM = os.environ.get("FINASSURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop; Django must allow its ORM calls from tests around it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors  # CSP violations and script errors show up here
    yield page
    context.close()
