"""Excel layouts of the registers that round-trip (export, edit, import): the columns, in order."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finassure.platform.errors import ValidationFailed

PROCESS_COLUMNS: list[Promise] = [_("Business line code"), _("Code"), _("Name (Chinese)"), _("Name (English)"),
                                  _("Org unit code"), _("Active")]


def header_matches(header: Sequence[Any], columns: Sequence[Promise]) -> bool:
    """The header row names the columns in order, in the current language or in English."""
    given = [str(h or "").strip() for h in header]
    with translation.override("en"):
        english = [str(c) for c in columns]
    return given in ([str(c) for c in columns], english)


def read_rows(content: bytes, columns: Sequence[Promise]) -> Iterable[tuple[int, list[Any]]]:
    """(row number, cells) for each non-empty row after the header; refuses an unreadable file or a renamed or
    shuffled header."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed(str(_("The file is not an Excel workbook (.xlsx).")),
                               fields={"file": [str(_("The file is not an Excel workbook (.xlsx)."))]}) from None
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows, []))[:len(columns)]
    if not header_matches(header, columns):
        expected = ", ".join(str(c) for c in columns)
        message = str(_("The columns must be, in this order: %(columns)s.")) % {"columns": expected}
        raise ValidationFailed(message, fields={"file": [message]})
    for number, row in enumerate(rows, start=2):
        cells = list(row)[:len(columns)] + [None] * max(0, len(columns) - len(row))
        if any(c not in (None, "") for c in cells):
            yield number, cells
