"""Ids and years from query strings: parsed once, bounded for the database."""

from __future__ import annotations

import pytest

from finassure.platform.ids import MAX_DB_ID, parse_id, parse_year


@pytest.mark.parametrize(("raw", "expected"), [
    ("7", 7), (" 42 ", 42), (7, 7), (str(MAX_DB_ID), MAX_DB_ID),
    (str(MAX_DB_ID + 1), None), ("9" * 40, None), ("0", None), ("-1", None), ("+3", None), ("3.0", None),
    ("²", None), ("٣", None), ("", None), (None, None), ("abc", None), ("1e3", None),
])
def test_parse_id(raw: object, expected: int | None) -> None:
    assert parse_id(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026", 2026), ("1900", 1900), ("2999", 2999), ("1899", None), ("3000", None), ("99999", None), ("x", None),
])
def test_parse_year(raw: str, expected: int | None) -> None:
    assert parse_year(raw) == expected
