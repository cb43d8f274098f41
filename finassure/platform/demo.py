"""Demo data registry: each app adds an idempotent step that seeds its part of 示例银行."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import autodiscover_modules

_steps: list[tuple[int, str, Callable[[dict[str, Any]], None]]] = []


def step(order: int, name: str) -> Callable[[Callable[[dict[str, Any]], None]], Callable[[dict[str, Any]], None]]:
    def decorator(func: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        if all(n != name for _, n, _ in _steps):
            _steps.append((order, name, func))
        return func

    return decorator


def run_all() -> dict[str, Any]:
    """Run every registered step in order, sharing one context dict (institution, users, …)."""
    autodiscover_modules("demo")
    ctx: dict[str, Any] = {}
    for _, _name, func in sorted(_steps, key=lambda s: s[0]):
        func(ctx)
    return ctx
