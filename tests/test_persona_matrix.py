"""The persona matrix: every route, every role inside and outside its org unit, and anonymous.

Each route declares who may use it; the matrix asks every persona and checks the answer. A route that
exists but is missing here fails `test_every_route_is_in_the_matrix`, so new pages and endpoints must join.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from finassure.accounts import services
from finassure.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from tests.support import create_user, verified_login

INSIDE, OUTSIDE = "inside", "outside"


@dataclass
class Ctx:
    org: Any
    target: Any  # a user in the Beijing subtree, the object of user routes
    persona: Any
    assignment: Any
    token_id: int


@dataclass
class Route:
    name: str
    method: str
    path: Callable[[Ctx], str]
    expect: Callable[[str, str], int]  # (role, place) -> status
    anonymous: int
    data: Callable[[Ctx], dict[str, Any]] = field(default=lambda ctx: {})
    api: bool = False


def perm(permission: str, ok: int = 200, scoped: bool = False) -> Callable[[str, str], int]:
    """Allowed to roles holding `permission`; if `scoped`, the object is invisible (404) from outside."""

    def expect(role: str, place: str) -> int:
        if permission not in ROLE_PERMISSIONS[role]:
            return 403
        if scoped and place == OUTSIDE:
            return 404
        return ok

    return expect


def visible_with(permission: str, ok: int = 200) -> Callable[[str, str], int]:
    """Object routes gated by scope only: without the permission there, the object does not exist (404)."""

    def expect(role: str, place: str) -> int:
        return ok if permission in ROLE_PERMISSIONS[role] and place == INSIDE else 404

    return expect


def everyone(status: int) -> Callable[[str, str], int]:
    return lambda role, place: status


def with_perm_else(permission: str, ok: int, otherwise: int) -> Callable[[str, str], int]:
    return lambda role, place: ok if permission in ROLE_PERMISSIONS[role] else otherwise


LOGIN = 302  # pages send anonymous visitors to the sign-in page
STAFF = Perm.DASHBOARD_VIEW

ROUTES = [
    # shell and audit trail
    Route("platform:home", "GET", lambda c: "/", perm(STAFF), LOGIN),
    Route("platform:audit_list", "GET", lambda c: "/audit/", perm(Perm.AUDIT_VIEW), LOGIN),
    Route("platform:audit_export", "GET", lambda c: "/audit/export/", perm(Perm.AUDIT_EXPORT), LOGIN),
    Route("platform:audit_verify", "POST", lambda c: "/audit/verify/", perm(Perm.AUDIT_VIEW), LOGIN),
    # sign-in and own account
    Route("accounts:login", "GET", lambda c: "/accounts/login/", everyone(302), 200),
    Route("accounts:logout", "POST", lambda c: "/accounts/logout/", everyone(302), 302),
    Route("accounts:otp_setup", "GET", lambda c: "/accounts/2fa/setup/", everyone(302), 302),
    Route("accounts:password_change", "GET", lambda c: "/accounts/password/", everyone(200), 302),
    Route("accounts:tokens", "GET", lambda c: "/accounts/tokens/", perm(STAFF), LOGIN),
    Route("accounts:token_revoke", "POST", lambda c: f"/accounts/tokens/{c.token_id}/revoke/", perm(STAFF, 302),
          LOGIN),
    # users, roles, org units
    Route("accounts:user_list", "GET", lambda c: "/accounts/users/", perm(Perm.USER_VIEW), LOGIN),
    Route("accounts:user_create", "GET", lambda c: "/accounts/users/new/", perm(Perm.USER_MANAGE), LOGIN),
    Route("accounts:user_detail", "GET", lambda c: f"/accounts/users/{c.target.pk}/",
          perm(Perm.USER_VIEW, scoped=True), LOGIN),
    Route("accounts:user_action", "POST", lambda c: f"/accounts/users/{c.target.pk}/reset-password/",
          perm(Perm.USER_MANAGE, scoped=True), LOGIN),
    Route("accounts:user_security", "POST", lambda c: f"/accounts/users/{c.target.pk}/security/unlock/",
          perm(Perm.SECURITY_MANAGE, 302, scoped=True), LOGIN),
    Route("accounts:role_assign", "POST", lambda c: f"/accounts/users/{c.target.pk}/roles/",
          perm(Perm.ROLE_ASSIGN, 302, scoped=True), LOGIN,
          data=lambda c: {"role": Role.TRAINER, "org_unit": c.org.haidian.pk, "include_descendants": "on"}),
    Route("accounts:role_revoke", "POST",
          lambda c: f"/accounts/users/{c.target.pk}/roles/{c.assignment.pk}/revoke/",
          perm(Perm.ROLE_ASSIGN, 302, scoped=True), LOGIN),
    Route("accounts:org_tree", "GET", lambda c: "/accounts/org/", perm(Perm.ORG_VIEW), LOGIN),
    # infrastructure
    Route("set_language", "POST", lambda c: "/i18n/setlang/", everyone(302), 302, data=lambda c: {"language": "en"}),
    Route("healthz", "GET", lambda c: "/healthz", everyone(200), 200),
    Route("readyz", "GET", lambda c: "/readyz", everyone(200), 200),
    Route("metrics", "GET", lambda c: "/metrics", everyone(200), 200),
    # API
    Route("api:api-root", "GET", lambda c: "/api/v1/", everyone(404), 404, api=True),
    Route("api:openapi-json", "GET", lambda c: "/api/v1/openapi.json", everyone(200), 200, api=True),
    Route("api:openapi-view", "GET", lambda c: "/api/v1/docs", everyone(200), 200, api=True),
    Route("api:me", "GET", lambda c: "/api/v1/me", everyone(200), 401, api=True),
    Route("api:list_org_units", "GET", lambda c: "/api/v1/org-units", everyone(200), 401, api=True),
    Route("api:get_org_unit", "GET", lambda c: f"/api/v1/org-units/{c.org.haidian.pk}",
          visible_with(Perm.ORG_VIEW), 401, api=True),
    Route("api:list_users", "GET", lambda c: "/api/v1/users", perm(Perm.USER_VIEW), 401, api=True),
    Route("api:create_user", "POST", lambda c: "/api/v1/users", perm(Perm.USER_MANAGE, 201, scoped=True), 401,
          data=lambda c: {"username": f"new-{c.target.pk}", "display_name": "新员工", "org_unit_id": c.org.haidian.pk},
          api=True),
    Route("api:get_user", "GET", lambda c: f"/api/v1/users/{c.target.pk}", perm(Perm.USER_VIEW, scoped=True), 401,
          api=True),
    Route("api:list_user_roles", "GET", lambda c: f"/api/v1/users/{c.target.pk}/roles",
          perm(Perm.USER_VIEW, scoped=True), 401, api=True),
    Route("api:assign_role", "POST", lambda c: f"/api/v1/users/{c.target.pk}/roles",
          perm(Perm.ROLE_ASSIGN, 201, scoped=True), 401,
          data=lambda c: {"role": "trainer", "org_unit_id": c.org.haidian.pk}, api=True),
    Route("api:list_tokens", "GET", lambda c: "/api/v1/tokens", everyone(200), 401, api=True),
    Route("api:create_token", "POST", lambda c: "/api/v1/tokens", everyone(201), 401,
          data=lambda c: {"name": "ci"}, api=True),
    Route("api:revoke_token", "DELETE", lambda c: f"/api/v1/tokens/{c.token_id}", everyone(204), 401, api=True),
    Route("api:list_events", "GET", lambda c: "/api/v1/audit/events", perm(Perm.AUDIT_VIEW), 401, api=True),
    Route("api:verify_chain", "POST", lambda c: "/api/v1/audit/verify", perm(Perm.AUDIT_VIEW), 401, api=True),
]


def _walk(patterns: list[Any], namespace: str | None = None) -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace if namespace is None else (
                f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace)
            names += _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_route_is_in_the_matrix() -> None:
    routes = set(_walk(get_resolver().url_patterns))
    covered = {r.name for r in ROUTES}
    assert routes - covered == set(), "routes missing from the persona matrix"
    assert covered - routes == set(), "matrix names routes that no longer exist"


def _setup(org: Any, role: str | None, place: str) -> Ctx:
    target = create_user(org, role=Role.EMPLOYEE, unit="haidian")
    assignment = target.role_assignments.get()
    persona = create_user(org, role=role, unit="beijing" if place == INSIDE else "shanghai") if role else None
    token_id = 0
    if persona is not None:
        token_id = services.token_create(actor=persona, name="own", read_only=False)[0].pk
    return Ctx(org, target, persona, assignment, token_id)


def _request(client: Any, route: Route, ctx: Ctx, bearer: str | None) -> Any:
    path, data = route.path(ctx), route.data(ctx)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    if route.method == "GET":
        return client.get(path, **headers)
    if route.api:
        return client.generic(route.method, path, data=__import__("json").dumps(data),
                              content_type="application/json", **headers)
    return client.post(path, data=data, **headers)


CASES = [(route, role, place) for route in ROUTES for role in Role.values for place in (INSIDE, OUTSIDE)]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role", "place"), CASES,
                         ids=[f"{r.name}-{role}-{place}" for r, role, place in CASES])
def test_persona(client: Any, org: Any, route: Route, role: str, place: str) -> None:
    ctx = _setup(org, role, place)
    bearer = None
    if route.api:
        bearer = services.token_create(actor=ctx.persona, name="matrix", read_only=False)[1]
    else:
        verified_login(client, ctx.persona)
    response = _request(client, route, ctx, bearer)
    assert response.status_code == route.expect(role, place), response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_anonymous(client: Any, org: Any, route: Route) -> None:
    ctx = _setup(org, None, INSIDE)
    response = _request(client, route, ctx, None)
    assert response.status_code == route.anonymous
    if route.anonymous == LOGIN and not route.name.startswith(("accounts:log", "set_language")):
        assert "/accounts/login/" in response["Location"]
    if route.api and route.anonymous == 401:
        assert response.json()["error"]["code"] == "not_authenticated"
