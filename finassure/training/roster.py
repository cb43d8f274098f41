"""Reading an HR roster export (CSV or Excel) into checked rows, each good or rejected with line, field and reason.

Pure parsing: org units and user names are resolved by the lookups the caller passes in.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from finassure.platform.uploads import decode_text

# Accepted header names (English or the Chinese of a typical HR export) -> field
HEADERS = {
    "employee_no": "employee_no", "工号": "employee_no", "员工编号": "employee_no",
    "name": "name", "姓名": "name",
    "org_unit": "org_unit", "机构代码": "org_unit", "部门代码": "org_unit",
    "position": "position", "岗位": "position",
    "hire_date": "hire_date", "入职日期": "hire_date",
    "status": "status", "状态": "status",
    "username": "username", "用户名": "username",
}
REQUIRED = ("employee_no", "name", "org_unit", "hire_date")
STATUSES = {"active": "active", "在职": "active", "on_leave": "on_leave", "休假": "on_leave", "left": "left",
            "离职": "left", "": "active"}
MAX_ROWS = 50_000


class RosterFileError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, missing columns)."""


@dataclass
class Row:
    line: int
    raw: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    field: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason

    def reject(self, field_name: str, reason: str) -> None:
        if self.ok:
            self.field, self.reason = field_name, reason


def read_table(content: bytes, filename: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and (line number, cells) of a CSV (UTF-8 or GBK) or .xlsx file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(content)
    raise RosterFileError(_("Upload a .csv or .xlsx file."))


def _read_csv(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    text = decode_text(content)
    if text is None:
        raise RosterFileError(_("The file is not UTF-8 or GBK text."))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise RosterFileError(_("The file is empty."))
    return [c.strip() for c in rows[0]], ((i + 2, r) for i, r in enumerate(rows[1:]))


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a non-workbook
        raise RosterFileError(_("The file is not a readable Excel workbook.")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise RosterFileError(_("The file is empty."))

    def cells() -> Iterator[tuple[int, list[str]]]:
        for i, row in enumerate(rows):
            yield i + 2, [_text(c) for c in row]

    return [_text(c).strip() for c in header], cells()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def column_map(header: Sequence[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADERS.get(name.strip().lower()) or HEADERS.get(name.strip())
        if key and key not in columns:
            columns[key] = index
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise RosterFileError(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    return columns


def parse_date(value: str) -> dt.date | None:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def check_rows(header: Sequence[str], cells: Iterator[tuple[int, list[str]]], *,
               unit_lookup: Callable[[str], Any | None], user_lookup: Callable[[str], Any | None],
               today: dt.date) -> list[Row]:
    """Every data row, checked field by field; duplicate employee numbers reject every row that carries them."""
    columns = column_map(header)
    rows: list[Row] = []
    for line, raw in cells:
        if not any(c.strip() for c in raw):
            continue  # blank lines are not rows
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
        rows.append(_check(Row(line, list(raw)), columns, unit_lookup, user_lookup, today))
    seen: dict[str, list[Row]] = {}
    for row in rows:
        number = row.values.get("employee_no")
        if number:
            seen.setdefault(number, []).append(row)
    for number, same in seen.items():
        if len(same) > 1:
            lines = ", ".join(str(r.line) for r in same)
            for row in same:
                row.reject("employee_no", _("Employee number %(no)s appears on lines %(lines)s.")
                           % {"no": number, "lines": lines})
    return rows


def _check(row: Row, columns: dict[str, int], unit_lookup: Callable[[str], Any | None],
           user_lookup: Callable[[str], Any | None], today: dt.date) -> Row:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row.raw[index].strip() if index is not None and index < len(row.raw) else ""

    number = cell("employee_no")
    row.values["employee_no"] = number
    if not number:
        row.reject("employee_no", _("The employee number is empty."))
    elif len(number) > 40:
        row.reject("employee_no", _("The employee number is longer than 40 characters."))
    name = cell("name")
    if not name:
        row.reject("name", _("The name is empty."))
    elif len(name) > 100:
        row.reject("name", _("The name is longer than 100 characters."))
    row.values["name"] = name
    unit = unit_lookup(cell("org_unit")) if cell("org_unit") else None
    if unit is None:
        row.reject("org_unit", _("Unknown org unit code %(code)s, or outside your units.") % {"code": cell("org_unit")})
    row.values["org_unit"] = unit
    position = cell("position")
    if len(position) > 100:
        row.reject("position", _("The position is longer than 100 characters."))
    row.values["position"] = position
    hired = parse_date(cell("hire_date"))
    if hired is None:
        row.reject("hire_date", _("The hire date %(value)s is not a date (YYYY-MM-DD).") % {"value": cell("hire_date")})
    elif hired > today:
        row.reject("hire_date", _("The hire date is in the future."))
    row.values["hire_date"] = hired
    status = STATUSES.get(cell("status").lower())
    if status is None:
        row.reject("status", _("Unknown status %(value)s (active, on_leave, left).") % {"value": cell("status")})
    row.values["status"] = status
    username = cell("username")
    user = None
    if username:
        user = user_lookup(username)
        if user is None:
            row.reject("username", _("No user account named %(name)s.") % {"name": username})
    row.values["user"] = user
    return row
