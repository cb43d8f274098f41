"""Evaluation: account-level precision, recall and F1 of the model against AMLSim ``isFraud`` labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from finassure.engine.features import features_duckdb
from finassure.engine.ingest import InputError
from finassure.engine.models import load, prf


def amlsim_connection(folder: Path) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame, pd.Series]:
    """A DuckDB connection holding the folder's transfers as ``edges``, their features, and the labels."""
    tx, nodes = folder / "transactions.csv", folder / "nodes.csv"
    for f in (tx, nodes):
        if not f.exists():
            raise InputError(f"{f}: not found (an AMLSim folder holds nodes.csv and transactions.csv)")
    t = pd.read_csv(tx)
    n = pd.read_csv(nodes)
    missing = {"sourceNodeId", "targetNodeId", "value", "time"} - set(t.columns)
    if missing:
        raise InputError(f"{tx}: line 1: missing column(s) {sorted(missing)}")
    e = pd.DataFrame({"src": t["sourceNodeId"].astype(str), "dst": t["targetNodeId"].astype(str),
                      "amount": t["value"].astype(float), "step": t["time"].astype("int64")})
    con = duckdb.connect(config={"threads": 2})
    con.register("edges_in", e)
    con.execute("CREATE TEMP TABLE edges AS SELECT * FROM edges_in")
    con.unregister("edges_in")
    # sorted: DuckDB returns accounts in no fixed order, and training on them (bagging draws rows by
    # position) gave a different model and training-data digest on every run of the same recipe
    x = features_duckdb(con).sort_index()
    y = n.set_index(n["nodeid"].astype(str))["isFraud"].reindex(x.index).fillna(0).astype(int)
    return con, x, y


def amlsim_features(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    con, x, y = amlsim_connection(folder)
    con.close()
    return x, y


def evaluate_amlsim(folder: str | Path, model: str | Path | None = None) -> dict[str, Any]:
    """Score every account of an AMLSim graph (accounts without transfers count as not flagged)."""
    mdl, meta = load(model)
    con, x, _ = amlsim_connection(Path(folder))
    try:
        p, _ = mdl.predict(con, x)
    finally:
        con.close()
    nodes = pd.read_csv(Path(folder) / "nodes.csv")
    labels = nodes.set_index(nodes["nodeid"].astype(str))["isFraud"].astype(int)
    pred = pd.Series(p >= meta["threshold"], index=x.index).astype(int)
    pred = pred.reindex(labels.index).fillna(0).astype(int)
    m = prf(labels.to_numpy(), pred.to_numpy())
    return {**m, "accounts": len(labels), "positives": int(labels.sum()), "flagged": int(pred.sum()),
            "model": meta["version"]}
