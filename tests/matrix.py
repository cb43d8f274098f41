"""The persona matrix's vocabulary: a route, who may use it, and the context objects it acts on.

Each app lists its routes in `tests/<app>/routes.py` (ROUTES = [...]); `test_persona_matrix.py` collects them.
An app whose routes act on its own records gives them a `build(ctx)` that creates those records in the
Beijing subtree (ctx.org.haidian) and stores them in `ctx.objects`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from finassure.accounts.roles import ROLE_PERMISSIONS, Perm

INSIDE, OUTSIDE = "inside", "outside"


@dataclass
class Ctx:
    org: Any
    target: Any  # a user in the Beijing subtree, the object of user routes
    persona: Any
    assignment: Any
    token_id: int
    objects: dict[str, Any] = field(default_factory=dict)  # app records inside the Beijing subtree


@dataclass
class Route:
    name: str
    method: str
    path: Callable[[Ctx], str]
    expect: Callable[[str, str], int]  # (role, place) -> status
    anonymous: int
    data: Callable[[Ctx], dict[str, Any]] = field(default=lambda ctx: {})
    api: bool = False
    build: Callable[[Ctx], None] | None = None  # creates the app records the route acts on


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



def collect_routes() -> list[Route]:
    """Every app's ROUTES, from tests/<app>/routes.py."""
    import tests

    routes: list[Route] = []
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{info.name}.routes")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{info.name}.routes":
                raise
            continue
        routes.extend(module.ROUTES)
    return routes
