"""Excel output: text that people typed stays text.

openpyxl stores any string that starts with "=" as a formula. A complaint subject, a policy title or an audit
record written as ``=HYPERLINK("https://…","click")`` or ``=cmd|' /C calc'!A0`` would then run in the Excel of
whoever opens the export (CWE-1236, formula injection). Such strings are written as string cells instead: Excel
shows them as typed, and an export imported back reads the same text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def text_safe(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """``values`` for ``sheet.append`` of a write-only sheet, with formula-looking strings as string cells."""
    from openpyxl.cell import WriteOnlyCell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
