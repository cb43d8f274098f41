"""Excel layouts of the registers that round-trip (export, edit, import): processes, policies, positions, risks,
controls, products.

Each register is a list of columns; export writes them in order, import reads them back. The header must name the
columns in this order (in the page language or in English): a renamed, unknown, missing or shuffled column refuses
the file with the expected layout — a shuffled sheet is refused rather than matched by name, because a sheet laid
out differently is most often another template, and refusing keeps one unambiguous layout. Lists of linked records
are written in one cell, separated by ", " (processes as "line/code", positions and controls as "unit/code").
Cells are plain codes (type, category, frequency …), never translated labels, so a file imports the same whatever
the language it was exported in.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finassure.platform.errors import ValidationFailed

SEPARATOR = ", "


@dataclass(frozen=True)
class Register:
    """One register's Excel layout: file name, columns (header msgids) and how a record becomes a row."""

    key: str
    filename: str
    columns: Sequence[Promise]
    row: Callable[[Any], list[Any]]
    prefetch: tuple[str, ...] = ()

    def rows(self, records: Iterable[Any]) -> Iterable[list[Any]]:
        return (self.row(r) for r in records)

    def headers(self) -> list[str]:
        return [str(c) for c in self.columns]


def join(items: Iterable[str]) -> str:
    return SEPARATOR.join(sorted(items))


def split(cell: Any) -> list[str]:
    return [part.strip() for part in str(cell or "").replace("，", ",").split(",") if part.strip()]


def text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "是", "x", "✓"}


def _process_row(p: Any) -> list[Any]:
    return [p.business_line.code, p.code, p.name, p.name_en, p.org_unit.code, p.is_active]


def _policy_row(p: Any) -> list[Any]:
    latest = p.versions.all()[0] if p.versions.all() else None
    return [p.code, p.title, p.kind, p.org_unit.code,
            join(f"{x.business_line.code}/{x.code}" for x in p.processes.all()),
            join(f"{x.org_unit.code}/{x.code}" for x in p.positions.all()),
            p.review_due, latest.body if latest else ""]


def _position_row(p: Any) -> list[Any]:
    return [p.org_unit.code, p.code, p.name, p.duties, p.permissions_needed,
            join(u.username for u in p.holders.all())]


def _risk_row(r: Any) -> list[Any]:
    return [r.pk, r.org_unit.code, r.title, r.category, r.description, r.inherent_likelihood, r.inherent_impact,
            r.residual_likelihood, r.residual_impact, r.treatment, r.owner.username,
            join(f"{c.org_unit.code}/{c.code}" for c in r.controls.all()), join(p.code for p in r.policies.all()),
            r.review_due]


def _control_row(c: Any) -> list[Any]:
    return [c.org_unit.code, c.code, c.name, c.description, c.owner.username, c.frequency,
            join(f"{p.business_line.code}/{p.code}" for p in c.processes.all())]


def _product_row(p: Any) -> list[Any]:
    return [p.org_unit.code, p.code, p.name, p.kind, p.product_line, p.description,
            join(f"{x.business_line.code}/{x.code}" for x in p.processes.all()), join(x.code for x in p.policies.all()),
            join(str(x.pk) for x in p.risks.all())]


PROCESSES = Register("processes", "processes.xlsx", [
    _("Business line code"), _("Code"), _("Name (Chinese)"), _("Name (English)"), _("Org unit code"), _("Active")],
    _process_row, ("business_line", "org_unit"))
POLICIES = Register("policies", "policies.xlsx", [
    _("Document number"), _("Title"), _("Type code"), _("Owner unit code"), _("Processes"), _("Positions"),
    _("Next review"), _("Text of the latest version")], _policy_row,
    ("org_unit", "processes__business_line", "positions__org_unit", "versions"))
POSITIONS = Register("positions", "positions.xlsx", [
    _("Org unit code"), _("Code"), _("Name"), _("Duties"), _("Permissions needed"), _("Holders")], _position_row,
    ("org_unit", "holders"))
RISKS = Register("risks", "risks.xlsx", [
    _("ID"), _("Org unit code"), _("Title"), _("Category code"), _("Description"), _("Inherent likelihood"),
    _("Inherent impact"), _("Residual likelihood"), _("Residual impact"), _("Treatment code"), _("Risk owner"),
    _("Controls"), _("Policies"), _("Next review")], _risk_row,
    ("org_unit", "owner", "controls__org_unit", "policies"))
CONTROLS = Register("controls", "controls.xlsx", [
    _("Org unit code"), _("Code"), _("Name"), _("Description"), _("Owner"), _("Frequency code"), _("Processes")],
    _control_row, ("org_unit", "owner", "processes__business_line"))
PRODUCTS = Register("products", "products.xlsx", [
    _("Org unit code"), _("Code"), _("Name"), _("Type code"), _("Product line code"), _("Description"),
    _("Processes"), _("Policies"), _("Risk IDs")], _product_row,
    ("org_unit", "processes__business_line", "policies", "risks"))
KRI_VALUES = Register("kri-values", "kri-values.xlsx", [_("KRI code"), _("Measured on"), _("Value")],
                      lambda v: [v.kri.code, v.measured_on, v.value], ("kri",))
"""Values of key risk indicators (import only, not a round-trip register: a value once stored is not edited)."""
REGISTERS = {r.key: r for r in (PROCESSES, POLICIES, POSITIONS, RISKS, CONTROLS, PRODUCTS)}
PROCESS_COLUMNS = PROCESSES.columns  # the name earlier code used


def header_matches(header: Sequence[Any], columns: Sequence[Promise]) -> bool:
    """The header row names the columns in order, in the current language or in English."""
    given = [str(h or "").strip() for h in header]
    with translation.override("en"):
        english = [str(c) for c in columns]
    return given in ([str(c) for c in columns], english)


def header_problem(header: Sequence[Any], columns: Sequence[Promise]) -> str:
    """Why a header does not match: the first column that is renamed, unknown, missing or out of order."""
    given = [str(h or "").strip() for h in header]
    with translation.override("en"):
        english = [str(c) for c in columns]
    local = [str(c) for c in columns]
    known = set(english) | set(local)
    for position, name in enumerate(given, start=1):
        if name not in known:
            return gettext("column %(n)s “%(name)s” is not a column of this register") % {"n": position, "name": name}
    if len(given) < len(columns):
        return gettext("the file has %(given)s columns, the register %(expected)s") % {
            "given": len(given), "expected": len(columns)}
    return gettext("the columns are in another order")


def read_rows(content: bytes, columns: Sequence[Promise]) -> Iterable[tuple[int, list[Any]]]:
    """(row number, cells) for each non-empty row after the header; refuses an unreadable file or a renamed,
    unknown or shuffled header, naming the expected layout."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed(str(_("The file is not an Excel workbook (.xlsx).")),
                               fields={"file": [str(_("The file is not an Excel workbook (.xlsx)."))]}) from None
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows, []))
    while header and header[-1] in (None, ""):
        header.pop()
    if not header_matches(header, columns):
        expected = ", ".join(str(c) for c in columns)
        message = gettext("The header does not match (%(problem)s). The columns must be, in this order: "
                          "%(columns)s.") % {"problem": header_problem(header, columns), "columns": expected}
        raise ValidationFailed(message, fields={"file": [message]})
    for number, row in enumerate(rows, start=2):
        cells = list(row)[:len(columns)] + [None] * max(0, len(columns) - len(row))
        if any(c not in (None, "") for c in cells):
            yield number, cells


@dataclass(frozen=True)
class RowError:
    """One problem of an imported row: the sheet's line, the column and the reason."""

    line: int
    field: str
    reason: str


class RowErrors:
    """Collects row errors; `raise_if_any` refuses the whole file (the caller's transaction rolls back)."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, line: int, column: Promise | str, reason: str) -> None:
        self.items.append(RowError(line, str(column), reason))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        fields: dict[str, list[str]] = {}
        for e in self.items:
            fields.setdefault(gettext("row %(n)s") % {"n": e.line}, []).append(f"{e.field}: {e.reason}")
        raise ValidationFailed(gettext("The file has errors; nothing was imported."), fields=fields,
                               extra={"rows": [{"line": e.line, "field": e.field, "reason": e.reason}
                                               for e in self.items]})
