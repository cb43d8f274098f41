"""Evaluation: account-level precision, recall and F1 of the model against AMLSim ``isFraud`` labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from finassure.engine.features import account_features
from finassure.engine.ingest import InputError
from finassure.engine.models import load, prf


def amlsim_features(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    tx, nodes = folder / "transactions.csv", folder / "nodes.csv"
    for f in (tx, nodes):
        if not f.exists():
            raise InputError(f"{f}: not found (an AMLSim folder holds nodes.csv and transactions.csv)")
    t = pd.read_csv(tx)
    n = pd.read_csv(nodes)
    missing = {"sourceNodeId", "targetNodeId", "value", "time"} - set(t.columns)
    if missing:
        raise InputError(f"{tx}: line 1: missing column(s) {sorted(missing)}")
    e = pd.DataFrame({"src": t["sourceNodeId"], "dst": t["targetNodeId"], "amount": t["value"], "step": t["time"]})
    f = account_features(e)
    y = n.set_index("nodeid")["isFraud"].reindex(f.index).fillna(0).astype(int)
    return f, y


def evaluate_amlsim(folder: str | Path, model: str | Path | None = None) -> dict[str, Any]:
    """Score every account of an AMLSim graph (accounts without transfers count as not flagged)."""
    booster, meta = load(model)
    x, y = amlsim_features(Path(folder))
    nodes = pd.read_csv(Path(folder) / "nodes.csv")
    labels = nodes.set_index("nodeid")["isFraud"].astype(int)
    pred = pd.Series(booster.predict(x[meta["features"]]) >= meta["threshold"], index=x.index).astype(int)
    pred = pred.reindex(labels.index).fillna(0).astype(int)
    m = prf(labels.to_numpy(), pred.to_numpy())
    return {**m, "accounts": len(labels), "positives": int(labels.sum()), "flagged": int(pred.sum()),
            "model": meta["version"]}
