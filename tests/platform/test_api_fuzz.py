"""Property-based API check (schemathesis): generated requests to every operation never get a 500 or a stack trace."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from finassure.accounts import services
from finassure.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    # Calling the WSGI handler directly (unlike Django's test client) closes "old" connections at the end of
    # each request, which on PostgreSQL would close the test's own transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_no_operation_answers_with_a_server_error(org: Any, make_user: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    headers = {"Authorization": "Bearer " + services.token_create(actor=admin, name="fuzz", read_only=False)[1]}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            label = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{label}: {response.text[:300]}"
            if response.status_code >= 400 and "json" in response.headers.get("Content-Type", [""])[0]:
                assert set(response.json()) == {"error"}, label

        check()
