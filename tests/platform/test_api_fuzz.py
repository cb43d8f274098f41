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
from finassure.accounts.roles import MLPS_ADMIN_ROLES, TIME_BOXED_ROLES, Role

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


# Each persona holds one of the three MLPS administrator roles (no one may hold two) and every business role, at
# the head office with its sub-units, so the generated requests pass the permission checks and reach validation,
# the services and the database, instead of stopping at a 403.
@pytest.mark.parametrize("admin_role", sorted(MLPS_ADMIN_ROLES))
def test_no_operation_answers_with_a_server_error(org: Any, make_user: Any, admin_role: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    persona = make_user(admin_role, unit="head")
    for role in Role.values:
        if role not in MLPS_ADMIN_ROLES and role not in TIME_BOXED_ROLES:
            services.role_assign(actor=None, user=persona, role=role, org_unit=org.unit("head"), valid_until=None)
    headers = {"Authorization": "Bearer " + services.token_create(actor=persona, name="fuzz", read_only=False)[1]}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    # deletions last: a generated DELETE /tokens/{id} may revoke the fuzzer's own token, and every request after
    # it would then stop at a 401
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    statuses: dict[str, set[int]] = {}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            label = f"{case.method} {case.formatted_path}"
            statuses.setdefault(f"{case.method} {case.operation.path}", set()).add(response.status_code)
            assert response.status_code < 500, f"{label}: {response.text[:300]}"
            if response.status_code >= 400 and "json" in response.headers.get("Content-Type", [""])[0]:
                assert set(response.json()) == {"error"}, label

        check()
    # the persona got past authentication everywhere but its own revoked token's last requests
    unauthenticated = [label for label, codes in statuses.items() if codes == {401}]
    assert unauthenticated == [], unauthenticated
