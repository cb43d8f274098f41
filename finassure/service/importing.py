"""Reading a complaint register from Excel or CSV: header mapping and per-cell parsing with row-level errors.

This module only reads and checks values; `services.complaint_import` looks things up and saves. A row
error is (line, field, reason) with `line` as the spreadsheet shows it (the header is line 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.platform.uploads import decode_text

# canonical column → accepted header spellings (English identifiers and the Chinese register's names)
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "外部编号", "投诉编号"),
    "received_at": ("received_at", "受理时间", "投诉时间", "登记时间"),
    "org_unit": ("org_unit", "机构代码", "机构"),
    "product_line": ("product_line", "产品线", "业务类别"),
    "category": ("category", "投诉类别", "类别"),
    "channel": ("channel", "渠道", "投诉渠道"),
    "subject": ("subject", "主题", "投诉事由"),
    "text": ("text", "投诉内容", "内容"),
    "complainant_name": ("complainant_name", "投诉人", "姓名"),
    "complainant_phone": ("complainant_phone", "联系电话", "手机号"),
    "complainant_id_number": ("complainant_id_number", "证件号码", "身份证号"),
    "group_size": ("group_size", "投诉人数"),
    "cause": ("cause", "起因"),
    "severity": ("severity", "严重程度"),
}
REQUIRED = ("external_id", "received_at", "org_unit", "subject", "text")
SHEET_NAMES = ("complaints", "投诉", "投诉登记")
MAX_ROWS = 200_000
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


class FileRejected(ValueError):
    """The file as a whole cannot be read (wrong type, wrong sheet, missing columns)."""


@dataclass
class Row:
    line: int
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def error(self, column: str, reason: str) -> None:
        self.errors.append((self.line, column, reason))


def _header_map(headers: list[str]) -> dict[int, str]:
    lookup = {alias.strip().lower(): name for name, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = lookup.get(str(header or "").strip().lower())
        if name is not None and name not in mapping.values():
            mapping[index] = name
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise FileRejected(_("The file lacks the required columns: %(columns)s. Use the template's header row.")
                           % {"columns": ", ".join(missing)})
    return mapping


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(file_name: str, content: bytes) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and (line, {column: text}) rows of an .xlsx or .csv file."""
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(content)
    if lower.endswith(".csv"):
        return _read_csv(content)
    raise FileRejected(_("Upload an Excel (.xlsx) or CSV (.csv) file."))


_SIZE_LOCK = threading.Lock()


@contextmanager
def _without_dimension_scan() -> Iterator[None]:
    """Open read-only sheets without their size: openpyxl reads the <dimension> element, and when a file has
    none (written by many tools) it parses the whole sheet once just to find that out, doubling the read.
    A declared size is not needed (rows are read to the end) and is sometimes wrong ("A1" for a full sheet),
    so this is also what `reset_dimensions()` would give."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    with _SIZE_LOCK:
        original = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = lambda self: None  # type: ignore[method-assign]
        try:
            yield
        finally:
            ReadOnlyWorksheet._get_size = original  # type: ignore[method-assign]


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    from openpyxl import load_workbook

    try:
        with _without_dimension_scan():
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for a damaged or fake file
        raise FileRejected(_("This is not a readable Excel workbook.")) from None
    sheet = next((book[name] for name in book.sheetnames if name.strip().lower() in SHEET_NAMES), None)
    if sheet is None:
        sheet = book[book.sheetnames[0]]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, ())]
    mapping = _header_map(header)

    def body() -> Iterator[tuple[int, dict[str, str]]]:
        for line, values in enumerate(rows, start=2):
            if line > MAX_ROWS + 1:
                raise FileRejected(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
            cells = {name: _cell(values[i]) if i < len(values) else "" for i, name in mapping.items()}
            if any(cells.values()):
                yield line, cells

    return header, body()


def _read_csv(content: bytes) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    text = decode_text(content)
    if text is None:
        raise FileRejected(_("The CSV file is not UTF-8 or GB18030 text."))
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    mapping = _header_map(header)

    def body() -> Iterator[tuple[int, dict[str, str]]]:
        for line, values in enumerate(reader, start=2):
            if line > MAX_ROWS + 1:
                raise FileRejected(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
            cells = {name: values[i].strip() if i < len(values) else "" for i, name in mapping.items()}
            if any(cells.values()):
                yield line, cells

    return header, body()


def parse_datetime(text: str) -> dt.datetime | None:
    for fmt in _DATE_FORMATS:
        try:
            value = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(value)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def parse_int(text: str, default: int) -> int | None:
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        return None


# Chinese names used in registers, independent of the UI translation catalogue.
ZH_ALIASES: dict[str, dict[str, str]] = {
    "product_line": {"存款": "deposit", "贷款": "loan", "信用卡": "credit_card", "理财": "wealth_management",
                     "证券经纪": "securities_brokerage", "证券": "securities_brokerage", "保险理赔": "insurance_claim",
                     "保险": "insurance_claim", "基金销售": "fund_sales", "基金": "fund_sales", "支付": "payment",
                     "支付结算": "payment", "其他": "other"},
    "channel": {"电话": "phone", "柜面": "counter", "网点": "counter", "网站": "portal", "手机银行": "app", "APP": "app",
                "信函": "letter", "来信": "letter", "监管转办": "regulator", "监管转送": "regulator", "邮件": "email",
                "电子邮件": "email"},
    "cause": {"一般": "ordinary", "自然灾害": "disaster", "安全事故": "safety", "公共卫生事件": "public_health"},
    "severity": {"低": "low", "一般": "medium", "中": "medium", "高": "high", "严重": "high"},
}
