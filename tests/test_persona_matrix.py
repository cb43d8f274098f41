"""The persona matrix: every route, every role inside and outside its org unit, and anonymous.

Each route declares who may use it; the matrix asks every persona and checks the answer. A route that
exists but is missing here fails `test_every_route_is_in_the_matrix`, so new pages and endpoints must join.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from finassure.accounts import services
from finassure.accounts.roles import Role
from tests.matrix import INSIDE, LOGIN, OUTSIDE, Ctx, Route, collect_routes
from tests.support import create_user, verified_login

ROUTES = collect_routes()



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


def _build(route: Route, ctx: Ctx) -> Ctx:
    if route.build is not None:
        route.build(ctx)
    return ctx


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
    ctx = _build(route, _setup(org, role, place))
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
    ctx = _build(route, _setup(org, None, INSIDE))
    response = _request(client, route, ctx, None)
    assert response.status_code == route.anonymous
    if route.anonymous == LOGIN and not route.name.startswith(("accounts:log", "set_language")):
        assert "/accounts/login/" in response["Location"]
    if route.api and route.anonymous == 401:
        assert response.json()["error"]["code"] == "not_authenticated"
