"""Ids and years as they arrive in query strings and form values: parsed once, bounded for the database."""

from __future__ import annotations

import re
from typing import Any

#: The largest primary key (BigAutoField, signed 64 bits). A larger id from a request is refused before a query
#: holds it: SQLite cannot bind it at all (OverflowError, a 500), and no record has it.
MAX_DB_ID = 2**63 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2999

_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: Any) -> int | None:
    """A positive id from a query string or form value; None for anything else (text, signs, "²", too large)."""
    text = str(value if value is not None else "").strip()
    number = int(text) if _DIGITS.fullmatch(text) else 0
    return number if 0 < number <= MAX_DB_ID else None


def parse_year(value: Any) -> int | None:
    """A calendar year from a query string, FIRST_YEAR to LAST_YEAR; None for anything else."""
    number = parse_id(value)
    return number if number is not None and FIRST_YEAR <= number <= LAST_YEAR else None
