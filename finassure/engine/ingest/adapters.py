"""Format adapters: AMLSim, IBM AMLworld, PaySim and column-mapping files, each to canonical frames."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from finassure.engine.i18n import _
from finassure.engine.ingest.validate import InputError

Transform = Callable[[pd.DataFrame], pd.DataFrame]
#: Day 0 of simulated data (AMLSim steps are days, PaySim steps are hours), Asia/Shanghai midnight.
SIM_EPOCH = pd.Timestamp("2026-01-01T00:00:00+08:00")

AMLWORLD_CURRENCIES = {
    "US Dollar": "USD", "Euro": "EUR", "Yuan": "CNY", "Yen": "JPY", "UK Pound": "GBP", "Rupee": "INR",
    "Ruble": "RUB", "Canadian Dollar": "CAD", "Australian Dollar": "AUD", "Swiss Franc": "CHF",
    "Mexican Peso": "MXN", "Brazil Real": "BRL", "Saudi Riyal": "SAR", "Shekel": "ILS", "Bitcoin": "XBT",
}
AMLWORLD_CHANNELS = {"Cash": "cash", "Wire": "transfer", "ACH": "transfer", "Credit Card": "card",
                     "Cheque": "other", "Reinvestment": "other", "Bitcoin": "other"}


def _iso(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%dT%H:%M:%S%z")


def _legs(src: pd.DataFrame, dst: pd.DataFrame) -> pd.DataFrame:
    """Interleave out legs and in legs of transfers, keeping the source row order."""
    both = pd.concat([src, dst], ignore_index=True)
    order = np.argsort(np.concatenate([np.arange(len(src)) * 2, np.arange(len(dst)) * 2 + 1]), kind="stable")
    return both.iloc[order].reset_index(drop=True)


def amlsim_transform(nodes_path: Path) -> Transform:
    """AMLSim ``transactions.csv`` (sourceNodeId,targetNodeId,value,time) → two legs per transfer."""
    nodes = pd.read_csv(nodes_path, dtype=str)
    labels = dict(zip(nodes["nodeid"], nodes.get("isFraud", pd.Series(["0"] * len(nodes))), strict=False))
    counter = {"row": 0}

    def transform(df: pd.DataFrame) -> pd.DataFrame:
        missing = {"sourceNodeId", "targetNodeId", "value", "time"} - set(df.columns)
        if missing:
            raise InputError(_("AMLSim transactions: line 1: missing column(s) {columns}").format(
                columns=", ".join(sorted(missing))))
        start = counter["row"]
        counter["row"] += len(df)
        idx = np.arange(start, start + len(df))
        steps = pd.to_numeric(df["time"], errors="coerce")
        ts = _iso(SIM_EPOCH + pd.to_timedelta(steps.fillna(0), unit="D") + pd.to_timedelta(idx % 86_400, unit="s"))
        ts = ts.where(steps.notna(), df["time"])
        common = {"ts": ts, "customer_type": "individual", "amount": df["value"], "currency": "USD",
                  "channel": "transfer", "counterparty_bank": "", "counterparty_country": "CN"}
        out = pd.DataFrame({"txn_id": [f"{i}-out" for i in idx], "account_id": df["sourceNodeId"],
                            "customer_id": df["sourceNodeId"], "direction": "out",
                            "counterparty_account_id": df["targetNodeId"], **common})
        inn = pd.DataFrame({"txn_id": [f"{i}-in" for i in idx], "account_id": df["targetNodeId"],
                            "customer_id": df["targetNodeId"], "direction": "in",
                            "counterparty_account_id": df["sourceNodeId"], **common})
        out["is_fraud"] = df["sourceNodeId"].map(labels).fillna("0").to_numpy()
        inn["is_fraud"] = df["targetNodeId"].map(labels).fillna("0").to_numpy()
        return _legs(out, inn)

    return transform


def amlworld_transform(tz: str = "UTC") -> Transform:
    """IBM AMLworld ``*_Trans.csv`` → out leg (amount paid) and in leg (amount received)."""
    counter = {"row": 0}

    def transform(df: pd.DataFrame) -> pd.DataFrame:
        cols = list(df.columns)
        need = ["Timestamp", "From Bank", "Account", "To Bank", "Amount Received", "Receiving Currency",
                "Amount Paid", "Payment Currency", "Payment Format"]
        missing = [c for c in need if c not in cols]
        if missing or len(cols) < 11:
            raise InputError(_("AMLworld file: line 1: missing column(s) {columns}").format(
                columns=", ".join(missing or cols)))
        from_acct, to_acct = df.iloc[:, 2], df.iloc[:, 4]
        start = counter["row"]
        counter["row"] += len(df)
        idx = np.arange(start, start + len(df))
        parsed = pd.to_datetime(df["Timestamp"], format="%Y/%m/%d %H:%M", errors="coerce")
        ts = _iso(parsed.dt.tz_localize(tz)).where(parsed.notna(), df["Timestamp"])
        channel = df["Payment Format"].map(AMLWORLD_CHANNELS).fillna("other")
        label = df.get("Is Laundering", pd.Series(["0"] * len(df), index=df.index))
        base = {"ts": ts, "customer_type": "entity", "channel": channel, "counterparty_country": "",
                "is_laundering": label}
        out = pd.DataFrame({"txn_id": [f"{i}-out" for i in idx], "account_id": df["From Bank"] + ":" + from_acct,
                            "customer_id": df["From Bank"] + ":" + from_acct, "direction": "out",
                            "amount": df["Amount Paid"],
                            "currency": df["Payment Currency"].map(AMLWORLD_CURRENCIES).fillna(
                                df["Payment Currency"]),
                            "counterparty_account_id": df["To Bank"] + ":" + to_acct,
                            "counterparty_bank": df["To Bank"], **base})
        inn = pd.DataFrame({"txn_id": [f"{i}-in" for i in idx], "account_id": df["To Bank"] + ":" + to_acct,
                            "customer_id": df["To Bank"] + ":" + to_acct, "direction": "in",
                            "amount": df["Amount Received"],
                            "currency": df["Receiving Currency"].map(AMLWORLD_CURRENCIES).fillna(
                                df["Receiving Currency"]),
                            "counterparty_account_id": df["From Bank"] + ":" + from_acct,
                            "counterparty_bank": df["From Bank"], **base})
        return _legs(out, inn)

    return transform


def paysim_transform(currency: str = "USD") -> Transform:
    """PaySim CSV (step,type,amount,nameOrig,…,nameDest,…,isFraud) → canonical rows (steps are hours)."""
    counter = {"row": 0}
    kinds = {"CASH_IN": ("in", "cash"), "CASH_OUT": ("out", "cash"), "TRANSFER": ("out", "transfer"),
             "PAYMENT": ("out", "card"), "DEBIT": ("out", "other")}

    def transform(df: pd.DataFrame) -> pd.DataFrame:
        missing = {"step", "type", "amount", "nameOrig", "nameDest"} - set(df.columns)
        if missing:
            raise InputError(_("PaySim file: line 1: missing column(s) {columns}").format(
                columns=", ".join(sorted(missing))))
        start = counter["row"]
        counter["row"] += len(df)
        steps = pd.to_numeric(df["step"], errors="coerce")
        ts = _iso(SIM_EPOCH + pd.to_timedelta(steps.fillna(0), unit="h")).where(steps.notna(), df["step"])
        kind = df["type"].map(kinds)
        cash = df["type"].isin(["CASH_IN", "CASH_OUT"])
        return pd.DataFrame({
            "txn_id": [str(i) for i in range(start, start + len(df))], "ts": ts,
            "account_id": df["nameOrig"], "customer_id": df["nameOrig"], "customer_type": "individual",
            "direction": kind.map(lambda k: k[0] if isinstance(k, tuple) else ""),
            "amount": df["amount"], "currency": currency,
            "channel": kind.map(lambda k: k[1] if isinstance(k, tuple) else ""),
            "counterparty_account_id": df["nameDest"].where(~cash, ""), "counterparty_bank": "",
            "counterparty_country": "CN", "is_fraud": df.get("isFraud", "")})

    return transform


def mapping_transform(mapping_path: Path) -> Transform:
    """A YAML mapping file for an institution's own extract.

    ``columns`` maps canonical name → source column; ``constants`` fills canonical columns with a fixed value;
    ``values`` maps canonical column → {source value: canonical value}.
    """
    spec: dict[str, Any] = yaml.safe_load(mapping_path.read_text("utf-8")) or {}
    columns: dict[str, str] = spec.get("columns", {})
    constants: dict[str, Any] = spec.get("constants", {})
    values: dict[str, dict[str, str]] = spec.get("values", {})

    def transform(df: pd.DataFrame) -> pd.DataFrame:
        missing = [src for src in columns.values() if src not in df.columns]
        if missing:
            raise InputError(_("{path}: source column(s) {columns} not in the file (line 1)").format(
                path=mapping_path, columns=", ".join(missing)))
        out = df.rename(columns={src: dst for dst, src in columns.items()})
        for col, value in constants.items():
            out[col] = str(value)
        for col, table in values.items():
            out[col] = out[col].map(lambda v, t=table: t.get(v, v))
        return out

    return transform
