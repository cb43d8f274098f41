"""Evaluation: account-level precision, recall and F1 of the model against AMLSim ``isFraud`` labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from finassure.engine.backends.duckdb_backend import connect
from finassure.engine.features import features_duckdb
from finassure.engine.i18n import _
from finassure.engine.ingest import InputError
from finassure.engine.models import load, prf


def _csv(path: Path, need: tuple[str, ...]) -> pd.DataFrame:
    """A CSV of the AMLSim folder as text, with its ``need`` columns checked (clear errors, not pandas' own)."""
    if not path.exists():
        raise InputError(_("{path}: not found (an AMLSim folder holds nodes.csv and transactions.csv)").format(path=path))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise InputError(_("{path}: the file is empty (no header line)").format(path=path)) from None
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(_("{path}: line 1: missing column(s) {columns}").format(path=path, columns=", ".join(missing)))
    return df


def _numbers(path: Path, df: pd.DataFrame, col: str, whole: bool = False) -> pd.Series:
    """``df[col]`` as numbers; the first value that is not one (or not a whole one) is an error naming its line."""
    v = pd.to_numeric(df[col].str.strip(), errors="coerce")
    bad = v.isna() | ~np.isfinite(v)
    if whole:
        bad |= (v % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        message = (_("{path}: line {line}, column {column}: {value!r} is not a whole number") if whole else
                   _("{path}: line {line}, column {column}: {value!r} is not a number"))
        raise InputError(message.format(path=path, line=i + 2, column=col, value=df[col].iloc[i]))
    return v


def read_amlsim(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    """The folder's transfers (src, dst, amount, step) and its ``isFraud`` label per node id, checked.

    Every value must parse: an amount that is not a number, a step that is not a whole number, a label
    other than 0 or 1, a node listed twice — each is an error naming the file, line and column; no row is
    dropped. (Amounts of zero or below are kept; the features ignore them, as they ignore self-transfers.)
    """
    tx, nodes = folder / "transactions.csv", folder / "nodes.csv"
    t = _csv(tx, ("sourceNodeId", "targetNodeId", "value", "time"))
    n = _csv(nodes, ("nodeid", "isFraud"))
    for col in ("sourceNodeId", "targetNodeId"):
        empty = t[col].str.strip() == ""
        if empty.any():
            raise InputError(_("{path}: line {line}, column {column}: empty").format(
                path=tx, line=int(np.flatnonzero(empty.to_numpy())[0]) + 2, column=col))
    e = pd.DataFrame({"src": t["sourceNodeId"].str.strip(), "dst": t["targetNodeId"].str.strip(),
                      "amount": _numbers(tx, t, "value").astype(float),
                      "step": _numbers(tx, t, "time", whole=True).astype("int64")})
    ids = n["nodeid"].str.strip()
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(_("{path}: line {line}, column nodeid: {value!r} is listed twice").format(
            path=nodes, line=i + 2, value=ids.iloc[i]))
    label = _numbers(nodes, n, "isFraud", whole=True)
    if not label.isin([0, 1]).all():
        i = int(np.flatnonzero(~label.isin([0, 1]).to_numpy())[0])
        raise InputError(_("{path}: line {line}, column isFraud: {value!r} is not 0 or 1").format(
            path=nodes, line=i + 2, value=n["isFraud"].iloc[i]))
    return e, pd.Series(label.astype(int).to_numpy(), index=ids.to_numpy())


def amlsim_connection(folder: Path) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame, pd.Series]:
    """A DuckDB connection holding the folder's transfers as ``edges``, their features, and the labels."""
    return _connect(*read_amlsim(folder))


def _connect(e: pd.DataFrame, labels: pd.Series) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame, pd.Series]:
    con = connect()
    con.register("edges_in", e)
    con.execute("CREATE TEMP TABLE edges AS SELECT * FROM edges_in")
    con.unregister("edges_in")
    # sorted: DuckDB returns accounts in no fixed order, and training on them (bagging draws rows by
    # position) gave a different model and training-data digest on every run of the same recipe
    x = features_duckdb(con).sort_index()
    y = labels.reindex(x.index).fillna(0).astype(int)
    return con, x, y


def amlsim_features(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    con, x, y = amlsim_connection(folder)
    con.close()
    return x, y


def evaluate_amlsim(folder: str | Path, model: str | Path | None = None) -> dict[str, Any]:
    """Score every account of an AMLSim graph (accounts without transfers count as not flagged)."""
    mdl, meta = load(model)
    e, labels = read_amlsim(Path(folder))
    con, x, _y = _connect(e, labels)
    try:
        p, _contrib = mdl.predict(con, x)
    finally:
        con.close()
    pred = pd.Series(p >= meta["threshold"], index=x.index).astype(int)
    pred = pred.reindex(labels.index).fillna(0).astype(int)
    m = prf(labels.to_numpy(), pred.to_numpy())
    return {**m, "accounts": len(labels), "positives": int(labels.sum()), "flagged": int(pred.sum()),
            "model": meta["version"]}
