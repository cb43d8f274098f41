"""Sources of losses, fines and compensation for the cost-benefit view (六).

The framework's own `LossEvent` records are always counted. Other modules' records come in through
registered sources: a function `fn(*, units, start, end) -> CostTotal` for one kind of cost attributed to one
measure (by the library's measure key). A module may register its own in `<app>/costs.py` (auto-discovered);
the compensation paid to complainants is registered here, reading customer service's records through the app
registry, so the framework imports nothing of that module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import QuerySet, Sum
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class CostTotal:
    amount: Decimal
    count: int


@dataclass(frozen=True)
class CostSource:
    name: str
    kind: str  # "loss" | "fine" | "compensation"
    measure_key: str
    fn: Callable[..., CostTotal]


_sources: dict[str, CostSource] = {}
_discovered = False


def cost_source(name: str, *, kind: str, measure_key: str) -> Callable[[Callable[..., CostTotal]],
                                                                       Callable[..., CostTotal]]:
    """Register `fn(*, units, start, end) -> CostTotal` (aware datetimes, [start, end)) under `name`."""

    def decorator(fn: Callable[..., CostTotal]) -> Callable[..., CostTotal]:
        _sources[name] = CostSource(name, kind, measure_key, fn)
        return fn

    return decorator


def sources() -> list[CostSource]:
    global _discovered
    if not _discovered:
        autodiscover_modules("costs")
        _discovered = True
    return sorted(_sources.values(), key=lambda s: s.name)


def unregister(name: str) -> None:
    _sources.pop(name, None)


@cost_source("service.compensation_paid", kind="compensation", measure_key="m5-consumer-rights")
def compensation_paid(*, units: QuerySet[Any, Any], start: dt.datetime, end: dt.datetime) -> CostTotal:
    """Compensation paid to complainants in the period (customer service's `Compensation`, status paid)."""
    if not apps.is_installed("finassure.service"):
        return CostTotal(Decimal(0), 0)
    model = apps.get_model("service", "Compensation")
    paid = model.objects.filter(org_unit__in=units, status="paid", paid_at__gte=start, paid_at__lt=end)
    sums = paid.aggregate(total=Sum("amount"))
    return CostTotal(sums["total"] or Decimal(0), paid.count())
