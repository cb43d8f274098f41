"""The API's conventions: bearer tokens, the one error shape for every 4xx, pagination, query counts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finassure.accounts import services
from finassure.accounts.models import ApiToken, User
from finassure.accounts.roles import Role
from finassure.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(make_user: Any) -> str:
    admin = make_user(Role.SYSTEM_ADMIN, unit="beijing")
    return services.token_create(actor=admin, name="t", read_only=False)[1]


def call(client: Any, method: str, path: str, token: str | None, body: Any = None, raw: bytes | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    return client.generic(method, path, data=data or b"", content_type="application/json", **headers)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_malformed_json_gets_a_400_in_the_error_shape(client: Any, admin_token: str, org: Any) -> None:
    response = call(client, "POST", "/api/v1/users", admin_token, raw=b'{"username": "x",')
    assert_error(response, 400, "bad_request")
    assert not User.objects.filter(username="x").exists()


def test_missing_fields_get_a_422_naming_them(client: Any, admin_token: str) -> None:
    error = assert_error(call(client, "POST", "/api/v1/users", admin_token, {"username": "x"}), 422, "invalid")
    assert {"display_name", "org_unit_id"} <= set(error["fields"])


def test_a_service_validation_error_names_the_field(client: Any, admin_token: str, org: Any) -> None:
    body = {"username": "dup", "display_name": "甲", "org_unit_id": org.haidian.pk}
    assert call(client, "POST", "/api/v1/users", admin_token, body).status_code == 201
    error = assert_error(call(client, "POST", "/api/v1/users", admin_token, body), 400, "invalid")
    assert "username" in error["fields"]
    assert User.objects.filter(username="dup").count() == 1


def test_an_oversized_body_gets_a_413(client: Any, admin_token: str, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = call(client, "POST", "/api/v1/tokens", admin_token, {"name": "x" * 5000})
    assert_error(response, 413, "payload_too_large")


def test_an_unknown_id_gets_a_404(client: Any, admin_token: str) -> None:
    assert_error(call(client, "GET", "/api/v1/users/999999", admin_token), 404, "not_found")


def test_acting_outside_ones_unit_is_refused_like_an_unknown_id(client: Any, admin_token: str,
                                                                make_user: Any) -> None:
    stranger = make_user(Role.EMPLOYEE, unit="shanghai")
    assert_error(call(client, "GET", f"/api/v1/users/{stranger.pk}", admin_token), 404, "not_found")


def test_a_denied_action_is_403_and_audited(client: Any, make_user: Any) -> None:
    employee = make_user(Role.EMPLOYEE)
    token = services.token_create(actor=employee, name="t", read_only=False)[1]
    assert_error(call(client, "GET", "/api/v1/audit/events", token), 403, "forbidden")
    assert AuditEvent.objects.filter(action="access.denied", actor=employee, outcome="denied").exists()


def test_a_read_only_token_cannot_write(client: Any, make_user: Any, org: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN)
    token = services.token_create(actor=admin, name="ro", read_only=True)[1]
    body = {"username": "ro-made", "display_name": "乙", "org_unit_id": org.haidian.pk}
    assert_error(call(client, "POST", "/api/v1/users", token, body), 403, "forbidden")
    assert not User.objects.filter(username="ro-made").exists()
    assert call(client, "GET", "/api/v1/users", token).status_code == 200


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown"])
def test_dead_tokens_get_a_401_and_an_audit_record(client: Any, make_user: Any, state: str) -> None:
    user = make_user(Role.EMPLOYEE)
    token, raw = services.token_create(actor=user, name="t")
    if state == "revoked":
        services.token_revoke(actor=user, token=token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    else:
        raw = "fa_not-a-real-token"
    assert_error(call(client, "GET", "/api/v1/me", raw), 401, "not_authenticated")
    assert AuditEvent.objects.filter(action="auth.token_rejected").exists()


def test_a_session_without_the_second_factor_is_not_enough(client: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE)
    client.force_login(user)
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_lists_are_paginated(client: Any, admin_token: str, make_user: Any) -> None:
    for _ in range(5):
        make_user(Role.EMPLOYEE, unit="haidian")
    page = call(client, "GET", "/api/v1/users?page=2&page_size=2", admin_token).json()
    assert page["page"] == 2 and page["page_size"] == 2 and len(page["items"]) == 2 and page["count"] == 6
    assert_error(call(client, "GET", "/api/v1/users?page_size=1000", admin_token), 422, "invalid")


def test_the_user_list_does_not_grow_queries_with_rows(client: Any, admin_token: str, make_user: Any) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert call(client, "GET", "/api/v1/users?page_size=200", admin_token).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first use of a token also stamps its last use
    baseline = count()
    for _ in range(10):
        make_user(Role.EMPLOYEE, unit="haidian")
    count()  # saving users empties the token cache (accounts/authcache.py): the next use reads the token again
    assert count() == baseline


def test_the_openapi_spec_describes_the_bearer_scheme(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "finassure API"
    assert any(s.get("scheme") == "bearer" for s in spec["components"]["securitySchemes"].values())
    assert "/api/v1/users" in spec["paths"]


def test_the_api_docs_page_loads_nothing_from_outside(client: Any) -> None:
    import re

    page = client.get("/api/v1/docs").content.decode()
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(link.endswith("swagger-ui-bundle.js") for link in links)
    assert not [link for link in links if "//" in link]  # no CDN: the CSP would block it, and a bank's network too
    for link in links:
        assert client.get(link).status_code == 200, link


def test_an_id_beyond_any_database_integer_is_refused_cleanly(client: Any, admin_token: str) -> None:
    assert_error(call(client, "GET", f"/api/v1/users/{2**70}", admin_token), 422, "invalid")
    assert_error(call(client, "GET", "/api/v1/users/-5", admin_token), 422, "invalid")
    assert_error(call(client, "GET", f"/api/v1/users?org_unit={2**64}", admin_token), 422, "invalid")


def _unbounded_integers(spec: dict[str, Any]) -> list[str]:
    """Every integer a request may carry (path, query, body, lists and nested objects) without a maximum."""
    schemas = spec.get("components", {}).get("schemas", {})
    found: list[str] = []

    def walk(node: dict[str, Any], where: str, seen: frozenset[str] = frozenset()) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(schemas[name], where, seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, []):
                walk(option, where, seen)
        if node.get("type") == "integer" and "maximum" not in node and "exclusiveMaximum" not in node:
            found.append(where)
        if "items" in node:
            walk(node["items"], where + "[]", seen)
        for prop, sub in node.get("properties", {}).items():
            walk(sub, f"{where}.{prop}", seen)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], where + "{}", seen)

    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                walk(param.get("schema", {}), f"{method.upper()} {path} {param['name']}")
            for media in op.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{method.upper()} {path} body")
    return found


def test_every_integer_a_request_carries_is_bounded(client: Any) -> None:
    # An unbounded id reaches the database: 2**70 in an id list was a 500 (SQLite's OverflowError, PostgreSQL's
    # "out of range"). Bounded in the schema, it is a 422 naming the field, before any view runs.
    assert _unbounded_integers(client.get("/api/v1/openapi.json").json()) == []


@pytest.mark.parametrize(("path", "field", "value"), [
    ("/api/v1/monitoring/alerts/close", "alert_ids", [2**70]),
    ("/api/v1/governance/policies", "process_ids", [2**70]),
    ("/api/v1/governance/products", "risk_ids", [-1]),
    ("/api/v1/framework/meetings", "measure_ids", [2**64]),
    ("/api/v1/incidents", "affected_customers", 2**40),
])
def test_an_id_list_or_count_beyond_the_database_is_a_422(client: Any, admin_token: str, path: str, field: str,
                                                          value: Any) -> None:
    error = assert_error(call(client, "POST", path, admin_token, {field: value}), 422, "invalid")
    assert any(name.startswith(field) for name in error["fields"]), error["fields"]
