"""The registry of indicator computations: modules register one function per name in `<app>/indicators.py`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.module_loading import autodiscover_modules

from finassure.framework.periods import Period

Computation = Callable[..., "Measurement"]

_registry: dict[str, Computation] = {}
_discovered = False
_lock = threading.Lock()


@dataclass
class Measurement:
    """What a computation returns for an org unit (and its subtree) and a period.

    `value` is in the indicator's unit (percent as 0–100); None means "no data" — never 0 % or 100 %
    without records. `records` is the queryset behind the value, for the drill-down.
    """

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    records: QuerySet[Any, Any] | None = None
    note: str = ""

    @classmethod
    def no_data(cls, note: str = "") -> Measurement:
        return cls(value=None, note=note)

    @property
    def has_data(self) -> bool:
        return self.value is not None


def computation(name: str) -> Callable[[Computation], Computation]:
    """Register `fn(*, units, period) -> Measurement` under `name` (e.g. "service.customer_satisfaction")."""
    if "." not in name:
        raise ValueError(f"computation names are module-prefixed, like 'service.x': {name!r}")

    def decorator(fn: Computation) -> Computation:
        existing = _registry.get(name)
        if existing is not None and _qualname(existing) != _qualname(fn):
            raise ValueError(f"computation {name!r} is already registered by {_qualname(existing)}")
        _registry[name] = fn
        return fn

    return decorator


def _qualname(fn: Computation) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"


def autodiscover() -> None:
    """Import every installed app's `indicators` module once (they register on import)."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("indicators")
            _discovered = True


def get(name: str) -> Computation | None:
    """The function registered under `name`, or None (the indicator then shows "no data source")."""
    autodiscover()
    return _registry.get(name)


def is_registered(name: str) -> bool:
    return get(name) is not None


def names() -> list[str]:
    autodiscover()
    return sorted(_registry)


def measure(name: str, *, units: QuerySet[Any, Any], period: Period) -> Measurement | None:
    """Run the computation `name`; None when nothing is registered under it."""
    fn = get(name)
    if fn is None:
        return None
    result = fn(units=units, period=period)
    if not isinstance(result, Measurement):
        raise TypeError(f"computation {name!r} returned {type(result).__name__}, not a Measurement")
    return result


def unregister(name: str) -> None:
    """For tests that register a computation of their own."""
    _registry.pop(name, None)
