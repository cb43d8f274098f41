"""Row validation and enrichment: canonical frame in, accepted Arrow table and quarantined rows out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finassure.engine.fx import FxTable
from finassure.engine.i18n import _
from finassure.engine.schema import (
    CANONICAL_COLUMNS,
    CHANNELS,
    CUSTOMER_TYPES,
    DIRECTIONS,
    DOMESTIC_COUNTRY,
    REQUIRED_COLUMNS,
    STORED_SCHEMA,
)

_TZ_SUFFIX = re.compile(r"(?:Z|z|[+-]\d{2}(?::?\d{2})?)$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class InputError(ValueError):
    """A whole input is unusable (missing columns, empty file, wrong type): message names file, line, column."""


@dataclass
class Batch:
    """One validated chunk: accepted rows (stored schema) and quarantined rows (dicts)."""

    accepted: pa.Table
    quarantined: list[dict[str, Any]] = field(default_factory=list)


def check_columns(columns: list[str], source: str, line_label: str | None = None) -> None:
    """Raise :class:`InputError` when a required canonical column is missing."""
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        near = {m: [c for c in columns if c.lower().replace(" ", "_") == m] for m in missing}
        renamed = _("'{column}' looks renamed to '{found}'")
        hint = "; ".join(renamed.format(column=m, found=v[0]) for m, v in near.items() if v)
        message = _("{source}: {where}: missing column(s) {missing} (found: {found})").format(
            source=source, where=line_label or _("line 1"), missing=", ".join(missing), found=", ".join(columns))
        raise InputError(message + ("; " + hint if hint else ""))


def _str(df: pd.DataFrame, col: str) -> pd.Series:
    s = df[col] if col in df else pd.Series([""] * len(df), index=df.index)
    if s.dtype != object and not pd.api.types.is_string_dtype(s):
        s = s.astype(object).where(s.notna(), None)
    s = s.fillna("").astype(str)
    return s.str.strip() if _needs_strip(s) else s


def _per_value(s: pd.Series, fn: Callable[[str], Any]) -> pd.Series:
    """``s.map(fn)`` over a column of strings, calling ``fn`` once per distinct value (Arrow's dictionary).

    For the code columns (direction, channel, currency …), a handful of values over millions of rows:
    ``.str.lower()`` and the like called Python once a row.
    """
    enc = _dictionary(s)
    if enc is None:
        return s.map(fn)
    done = np.array([fn(v) for v in enc.dictionary.to_pylist()], dtype=object)
    return pd.Series(done[enc.indices.to_numpy(zero_copy_only=False)], index=s.index)


def _dictionary(s: pd.Series) -> pa.DictionaryArray | None:
    """A column of strings dictionary-encoded by Arrow, which tells strings apart byte for byte (pandas'
    hashing takes "a" and "a\x00" for one string); ``None`` when a value is no valid text (a lone surrogate)."""
    try:
        return pa.array(s.to_numpy(dtype=object), type=pa.string()).dictionary_encode()
    except UnicodeEncodeError:
        return None


def _codes(s: pd.Series) -> np.ndarray:
    """One integer per distinct string (:func:`_dictionary`'s; pandas' for a column that is no valid text)."""
    d = _dictionary(s)
    return pd.factorize(s)[0] if d is None else d.indices.to_numpy(zero_copy_only=False)


def _needs_strip(s: pd.Series) -> bool:
    """Whether any value starts or ends with white space, asked of Arrow's trim (C++, no Python call a value).

    Arrow's ``utf8_trim_whitespace`` trims the same characters as ``str.strip()`` (checked over every code
    point, and in a test), so values it leaves as they are need no strip: most columns of most files.
    """
    try:
        arr = pa.array(s.to_numpy(dtype=object), type=pa.string())
    except UnicodeEncodeError:  # a lone surrogate: let Python look
        return True
    return not pc.all(pc.equal(pc.utf8_trim_whitespace(arr), arr)).as_py()


def _parse_ts(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (utc timestamps, bad-format mask, no-time-zone mask)."""
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        ts = raw.dt.tz_convert("UTC")
        bad = ts.isna()
        return ts, bad, pd.Series(False, index=raw.index)
    if pd.api.types.is_datetime64_dtype(raw.dtype):
        return raw.dt.tz_localize("UTC"), raw.isna(), raw.notna()
    text = raw.fillna("").astype(str)
    text = text.str.strip() if _needs_strip(text) else text
    has_tz = text.str.contains(_TZ_SUFFIX)
    ts = pd.to_datetime(text.where(has_tz, None), format="ISO8601", utc=True, errors="coerce")
    no_tz = (~has_tz) & (text != "") & pd.to_datetime(text.where(~has_tz, None), format="ISO8601",
                                                       errors="coerce").notna()
    bad = ts.isna() & ~no_tz
    return ts, bad, no_tz


def validate_frame(
    df: pd.DataFrame,
    lines: np.ndarray,
    *,
    source: str,
    fx: FxTable,
    tz: str,
    line_label: str = "line",
) -> Batch:
    """Validate a frame holding canonical columns (strings or typed), enrich and split it."""
    n = len(df)
    problems: list[tuple[str, pd.Series, Any]] = []  # (column, mask, reason or per-row reasons)

    def flag(col: str, mask: pd.Series, reason: Any) -> None:
        if bool(mask.any()):
            problems.append((col, mask.to_numpy(dtype=bool), reason))

    txn_id = _str(df, "txn_id")
    flag("txn_id", txn_id == "", _("empty txn_id"))
    dup = txn_id.duplicated(keep="first") & (txn_id != "")
    if bool(dup.any()):
        # grouped by Arrow's codes: pandas' string hashing takes "a" and "a\x00" for one id
        first_line = pd.Series(lines, index=df.index).groupby(_codes(txn_id)).transform("first")
        first_at = (_("duplicate txn_id (first at row {number})") if line_label == "row" else
                    _("duplicate txn_id (first at line {number})"))
        flag("txn_id", dup, [first_at.format(number=v) for v in first_line])
    ts, bad_ts, no_tz = _parse_ts(df["ts"])
    flag("ts", no_tz, _("timestamp has no time zone (ISO 8601 with offset or Z required)"))
    flag("ts", bad_ts, _("not an ISO 8601 timestamp"))
    account = _str(df, "account_id")
    customer = _str(df, "customer_id")
    flag("account_id", account == "", _("empty account_id"))
    flag("customer_id", customer == "", _("empty customer_id"))
    ctype = _per_value(_str(df, "customer_type"), str.lower)
    flag("customer_type", ~ctype.isin(CUSTOMER_TYPES), _("customer_type must be individual or entity"))
    direction = _per_value(_str(df, "direction"), str.lower)
    flag("direction", ~direction.isin(DIRECTIONS), _("direction must be in or out"))
    channel = _per_value(_str(df, "channel"), str.lower)
    flag("channel", ~channel.isin(CHANNELS), _("channel must be cash, transfer, card or other"))
    if pd.api.types.is_numeric_dtype(df["amount"].dtype):
        amount = df["amount"].astype(np.float64)
    else:
        amount = pd.to_numeric(_str(df, "amount").str.replace(",", "", regex=False), errors="coerce").astype(
            np.float64)
    finite = np.isfinite(amount.to_numpy(dtype=np.float64, na_value=np.nan))
    flag("amount", pd.Series(~finite, index=df.index), _("amount is not a finite number"))
    flag("amount", pd.Series(finite & (amount.to_numpy(na_value=np.nan) <= 0), index=df.index),
         _("amount must be positive"))
    currency = _per_value(_str(df, "currency"), str.upper)
    unknown = ~currency.isin(fx.currencies)
    if bool(unknown.any()):  # the reasons are written only when a row needs one (not for 500k good rows)
        unknown_currency = _("unknown currency '{code}'")
        flag("currency", unknown, [unknown_currency.format(code=c) if bad else "" for c, bad in zip(
            currency, unknown.to_numpy(dtype=bool), strict=True)])
    cp_country = _per_value(_str(df, "counterparty_country"), str.upper)
    flag("counterparty_country", (cp_country != "") & ~_per_value(cp_country, lambda v: _COUNTRY.match(v) is not None).astype(bool),
         _("counterparty_country must be ISO 3166 alpha-2"))
    derived_cb = (cp_country != "") & (cp_country != DOMESTIC_COUNTRY)
    if "cross_border" in df and df["cross_border"].dtype == bool:
        cross_border = df["cross_border"]
    else:
        cb_text = _per_value(_str(df, "cross_border"), str.lower)
        flag("cross_border", ~cb_text.isin(_TRUE | _FALSE | {""}), _("cross_border must be true or false"))
        cross_border = cb_text.isin(_TRUE) | ((cb_text == "") & derived_cb)

    bad = np.zeros(n, dtype=bool)
    for _col, mask, _reason in problems:
        bad |= mask
    quarantined: list[dict[str, Any]] = []
    if bad.any():
        raw_cols = list(df.columns)
        bad_rows = np.flatnonzero(bad)
        raw = df.iloc[bad_rows]  # only the rejected rows as Python objects, not the whole chunk
        raw_values = raw.astype(object).where(raw.notna(), None).to_numpy()
        for j, i in enumerate(bad_rows):
            cols, reasons = [], []
            for col, mask, reason in problems:
                if mask[i]:
                    cols.append(col)
                    reasons.append(reason if isinstance(reason, str) else reason[i])
            quarantined.append({
                "source": source, "line": int(lines[i]), "column": cols[0],
                "reason": "; ".join(f"{c}: {r}" for c, r in zip(cols, reasons, strict=True)),
                "raw": {c: (None if v is None else str(v)) for c, v in zip(raw_cols, raw_values[j], strict=True)},
            })
    ok = ~bad
    accepted = _enrich(df[ok], ts[ok], txn_id[ok], account[ok], customer[ok], ctype[ok], direction[ok],
                       amount[ok], currency[ok], channel[ok], cp_country[ok], cross_border[ok], fx=fx, tz=tz)
    return Batch(accepted, quarantined)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _column_json(col: pd.Series) -> np.ndarray:
    """JSON of each value of ``col`` as ``to_dict("records")`` boxes it; each distinct value dumped once.

    Values are told apart exactly: floats by their bits (``0.0`` and ``-0.0`` dump differently), strings as
    strings. Missing values (``None``, ``NaN``, ``NaT`` dump differently) and object columns holding
    anything but strings (``1``, ``1.0`` and ``True`` are one key to a hash table) are dumped row by row.
    """
    name = col.name
    out = np.empty(len(col), dtype=object)
    na = col.isna().to_numpy()
    kind = col.dtype.kind
    by_value = kind in "iubfM" or (kind in "OSU" and pd.api.types.infer_dtype(col, skipna=True) == "string")
    vals = col[~na]
    codes = None  # none: every value dumped row by row
    if by_value and not na.all():
        if kind in "OSU":  # Arrow's codes, not pandas' (see _dictionary); none for a lone surrogate
            enc = _dictionary(vals)
            codes = None if enc is None else enc.indices.to_numpy(zero_copy_only=False)
        else:
            codes, _ = pd.factorize(np.asarray(vals, dtype=np.float64).view(np.int64) if kind == "f" else vals)
    if codes is not None:
        first = np.unique(codes, return_index=True)[1]  # codes are numbered in order of first appearance
        frag = np.array([_dumps(r[name]) for r in vals.iloc[first].to_frame().to_dict("records")], dtype=object)
        out[~na] = frag[codes]
    rest = na if codes is not None else np.ones(len(col), dtype=bool)
    if rest.any():
        out[rest] = [_dumps(r[name]) for r in col[rest].to_frame().to_dict("records")]
    return out


def attributes_json(extras: pd.DataFrame) -> list[str | None]:
    """Each row's extra columns as a JSON object, the text of ``json.dumps(row, ensure_ascii=False, default=str)``
    over ``to_dict("records")``.

    Built column by column from each column's distinct values and joined: dumping row by row took a third
    of ingest's time on a file with two extra columns (≈ 6 s of 21 per million rows under the profiler).
    """
    if extras.empty:
        return [None] * len(extras)
    if not extras.columns.is_unique:  # to_dict keeps one of the same-named columns: as it always did
        return [_dumps(r) for r in extras.to_dict("records")]
    text: np.ndarray | None = None
    for k, name in enumerate(extras.columns):
        part = ("{" if k == 0 else ", ") + _dumps(str(name)) + ": " + _column_json(extras[name])
        text = part if text is None else text + part
    assert text is not None
    return list(text + "}")


def _enrich(df: pd.DataFrame, ts: pd.Series, txn_id: pd.Series, account: pd.Series, customer: pd.Series,
            ctype: pd.Series, direction: pd.Series, amount: pd.Series, currency: pd.Series,
            channel: pd.Series, cp_country: pd.Series, cross_border: pd.Series, *, fx: FxTable,
            tz: str) -> pa.Table:
    local = ts.dt.tz_convert(tz).dt.tz_localize(None).to_numpy().astype("datetime64[D]")
    utc_naive = ts.dt.tz_localize(None).to_numpy()
    cny, usd = fx.convert(amount, currency, pd.Series(local))
    extras = [c for c in df.columns if c not in CANONICAL_COLUMNS]
    attrs: list[str | None] = attributes_json(df[extras]) if extras else [None] * len(df)

    def opt(col: str, values: pd.Series | None = None) -> list[str | None]:
        s = values if values is not None else _str(df, col)
        return s.where(s != "", None).tolist()

    arrays = {
        "txn_id": txn_id.tolist(),
        "ts": pa.array(utc_naive.astype("datetime64[us]"), type=pa.timestamp("us")).cast(
            pa.timestamp("us", tz="UTC")),
        "account_id": account.tolist(),
        "customer_id": customer.tolist(),
        "customer_type": ctype.tolist(),
        "direction": direction.tolist(),
        "amount": amount.to_numpy(dtype=np.float64),
        "currency": currency.tolist(),
        "channel": channel.tolist(),
        "counterparty_account_id": opt("counterparty_account_id"),
        "counterparty_bank": opt("counterparty_bank"),
        "counterparty_country": opt("counterparty_country", cp_country),
        "cross_border": cross_border.to_numpy(dtype=bool),
        "local_date": pa.array(local, type=pa.date32()),
        "epoch_s": utc_naive.astype("datetime64[s]").astype(np.int64),
        "amount_cny": np.round(cny, 6),
        "amount_usd": np.round(usd, 6),
        "attributes": attrs,
    }
    return pa.Table.from_pydict(arrays, schema=STORED_SCHEMA)
