"""Shared fixtures: the cast of personas (one per role, inside and outside its org unit) and the audit triggers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

os.environ.setdefault("FINASSURE_ENV", "test")


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    # Argon2 costs ~50 ms per hash; tests that check hashing read finassure.settings directly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
