"""Test helpers of the framework: a measure and indicators fed by computations the tests control."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from finassure.framework import registry
from finassure.framework.models import Indicator, Measure
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement


def make_measure(key: str = "m-test", owner: Any = None, role: str = "quality_manager") -> Measure:
    return Measure.objects.get_or_create(key=key, defaults={
        "library": "test", "number": "1", "name": "测试措施", "name_en": "Test measure",
        "responsible_role": role, "owner": owner})[0]


def make_indicator(measure: Measure, key: str = "ind-test", computation: str = "test.value", target: float = 90,
                   amber: float = 5, direction: str = "higher", period: str = "quarter", unit: str = "percent"
                   ) -> Indicator:
    return Indicator.objects.create(measure=measure, key=key, name="测试指标", name_en="Test indicator", unit=unit,
                                    direction=direction, target=target, amber=amber, library_target=target,
                                    library_amber=amber, minimum=0, maximum=100, period=period,
                                    computation=computation)


@contextmanager
def fixed_values(values: dict[int, float | None], name: str = "test.value", records: Any = None
                 ) -> Iterator[list[tuple[int, str]]]:
    """Register `name` returning values[unit pk] for the unit at the top of `units`; logs each call."""
    calls: list[tuple[int, str]] = []

    def fn(*, units: Any, period: Period) -> Measurement:
        top = units.order_by("path").first()
        calls.append((top.pk, period.label()))
        value = values.get(top.pk)
        if value is None:
            return Measurement.no_data("nothing recorded")
        return Measurement(value=value, numerator=value, denominator=100, records=records)

    registry.computation(name)(fn)
    try:
        yield calls
    finally:
        registry.unregister(name)
