"""The computation registry: registration, look-up, no-data and refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finassure.framework import registry
from finassure.framework.periods import Period
from finassure.framework.registry import Measurement, computation


def test_a_registered_computation_is_found_and_run(org: Any) -> None:
    @computation("test.unit_count")
    def unit_count(*, units: Any, period: Period) -> Measurement:
        n = units.count()
        return Measurement(value=float(n), numerator=n, denominator=1, records=units)

    try:
        from finassure.accounts.selectors import units_under

        result = registry.measure("test.unit_count", units=units_under(org.beijing),
                                  period=Period.containing(dt.date(2026, 5, 1), "quarter"))
        assert result is not None and result.value == 2.0 and result.has_data
        assert "test.unit_count" in registry.names()
    finally:
        registry.unregister("test.unit_count")


def test_an_unknown_name_has_no_source() -> None:
    assert registry.get("nobody.registered_this") is None
    assert registry.measure("nobody.registered_this", units=None, period=Period.parse("2026Q1")) is None  # type: ignore[arg-type]


def test_no_data_is_not_a_number() -> None:
    empty = Measurement.no_data("no complaints")
    assert empty.value is None and not empty.has_data and empty.note == "no complaints"


def test_names_must_be_module_prefixed_and_unique() -> None:
    with pytest.raises(ValueError, match="module-prefixed"):
        computation("unprefixed")

    @computation("test.twice")
    def first(*, units: Any, period: Period) -> Measurement:
        return Measurement.no_data()

    try:
        with pytest.raises(ValueError, match="already registered"):
            @computation("test.twice")
            def second(*, units: Any, period: Period) -> Measurement:
                return Measurement.no_data()
    finally:
        registry.unregister("test.twice")


def test_a_computation_must_return_a_measurement() -> None:
    @computation("test.bad_return")
    def bad(*, units: Any, period: Period) -> Any:
        return 42

    try:
        with pytest.raises(TypeError, match="not a Measurement"):
            registry.measure("test.bad_return", units=None, period=Period.parse("2026"))  # type: ignore[arg-type]
    finally:
        registry.unregister("test.bad_return")
