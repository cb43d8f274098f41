"""Account risk models: LightGBM on graph features (trained on generated graphs), IsolationForest, a registry."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa

from finassure.engine.features import FEATURE_NAMES, FEATURES, account_features, edges_from_legs
from finassure.engine.generate import graph

PARAMS: dict[str, Any] = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 20,
                          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
                          "seed": 1, "num_threads": 2, "deterministic": True}


def graph_frame(seed: int, n_accounts: int, n_transfers: int, laundering: tuple[float, float],
                fraud_share: float) -> tuple[pd.DataFrame, pd.Series]:
    g = graph(n_accounts, n_transfers, seed=seed, laundering_range=laundering, fraud_share=fraud_share)
    e = pd.DataFrame({"src": g.src, "dst": g.dst, "amount": g.amount, "step": g.step})
    f = account_features(e)
    return f, pd.Series(g.fraud, index=np.arange(n_accounts)).reindex(f.index).fillna(0).astype(int)


def training_set(n_graphs: int, seed: int) -> tuple[pd.DataFrame, pd.Series, list[int]]:
    """Generated graphs of varied size, fraud share and laundering amounts (low, overlapping, same as normal)."""
    rng = np.random.default_rng(seed)
    xs, ys, groups = [], [], []
    ranges = [(10.0, 600.0), (100.0, 600.0), (10.0, 100.0), (50.0, 1000.0)]
    for i in range(n_graphs):
        n_acc = int(rng.integers(4000, 12000))
        f, y = graph_frame(seed * 100 + i, n_acc, n_acc * int(rng.integers(4, 8)), ranges[i % len(ranges)],
                           float(rng.uniform(0.02, 0.06)))
        xs.append(f)
        ys.append(y)
        groups += [i] * len(f)
    return pd.concat(xs, ignore_index=True), pd.concat(ys, ignore_index=True), groups


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, dict[str, float]]:
    best = (0.5, {"precision": 0.0, "recall": 0.0, "f1": 0.0})
    for thr in np.linspace(0.05, 0.95, 91):
        m = prf(y, p >= thr)
        if m["f1"] > best[1]["f1"]:
            best = (float(round(thr, 3)), m)
    return best


def prf(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = float(np.sum((pred == 1) & (y == 1)))
    p = tp / max(float(np.sum(pred)), 1.0)
    r = tp / max(float(np.sum(y)), 1.0)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-12), 4)}


def train(registry: str | Path, *, n_graphs: int = 6, seed: int = 11, x: pd.DataFrame | None = None,
          y: pd.Series | None = None, source: str = "generated") -> dict[str, Any]:
    """Train on all but the last graph, pick the threshold on the last (held out), save a new version."""
    if x is None or y is None:
        x, y, groups = training_set(n_graphs, seed)
    else:
        groups = list(np.arange(len(x)) * 5 // len(x))
    grp = np.asarray(groups)
    hold = grp == grp.max()
    booster = lgb.train(PARAMS, lgb.Dataset(x[~hold], y[~hold]), num_boost_round=300)
    thr, held = best_threshold(y[hold].to_numpy(), np.asarray(booster.predict(x[hold])))
    final = lgb.train(PARAMS, lgb.Dataset(x, y), num_boost_round=300)
    digest = hashlib.sha256(pd.util.hash_pandas_object(x, index=False).values.tobytes()
                            + y.to_numpy().tobytes()).hexdigest()
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]
    folder = Path(registry) / version
    folder.mkdir(parents=True, exist_ok=True)
    final.save_model(str(folder / "model.txt"))
    meta = {"version": version, "kind": "lightgbm-account", "features": FEATURES, "threshold": thr,
            "metrics": {"held_out": held}, "training_data_sha256": digest, "training_source": source,
            "rows": len(x), "positives": int(y.sum()), "params": PARAMS, "created": datetime.now(UTC).isoformat()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")
    return {**meta, "path": str(folder)}


def train_cli(args: Any) -> dict[str, Any]:
    if args.amlsim:
        from finassure.engine.evaluate import amlsim_features

        x, y = amlsim_features(Path(args.amlsim))
        return train(args.registry, x=x, y=y, source=f"amlsim:{args.amlsim}")
    return train(args.registry, n_graphs=args.graphs, seed=args.seed)


def load(path: str | Path | None = None) -> tuple[lgb.Booster, dict[str, Any]]:
    """A model version folder, a registry (newest version), or ``None`` for the model shipped with the engine."""
    if path is None:
        base = resources.files("finassure.engine").joinpath("data", "model")
        return lgb.Booster(model_str=base.joinpath("model.txt").read_text("utf-8")), json.loads(
            base.joinpath("meta.json").read_text("utf-8"))
    p = Path(path)
    if not (p / "model.txt").exists():
        versions = sorted(d for d in p.iterdir() if (d / "model.txt").exists())
        if not versions:
            raise FileNotFoundError(f"{p}: no model versions")
        p = versions[-1]
    return lgb.Booster(model_file=str(p / "model.txt")), json.loads((p / "meta.json").read_text("utf-8"))


def explain(booster: lgb.Booster, x: pd.DataFrame, top: int = 3) -> list[list[str]]:
    """Top contributing features per row, from LightGBM's own SHAP contributions, in words."""
    contrib = np.asarray(booster.predict(x, pred_contrib=True))[:, :-1]
    out = []
    for row, vals in zip(contrib, x.to_numpy(), strict=True):
        idx = np.argsort(-row)[:top]
        out.append([f"{FEATURE_NAMES[FEATURES[i]]} ({vals[i]:.2f}, +{row[i]:.2f})" for i in idx if row[i] > 0])
    return out


def anomaly_scores(x: pd.DataFrame, seed: int = 0) -> pd.Series:
    """IsolationForest anomaly score in [0, 1] (higher = stranger) for data without labels."""
    from sklearn.ensemble import IsolationForest

    iso = IsolationForest(n_estimators=200, random_state=seed, n_jobs=1).fit(x)
    s = -iso.score_samples(x)
    return pd.Series((s - s.min()) / max(s.max() - s.min(), 1e-12), index=x.index)


def score_accounts(table: pa.Table, model: str | Path | None) -> pd.DataFrame:
    """model_score, anomaly_score, flagged and explanation per account of a canonical table."""
    booster, meta = load(model)
    x = account_features(edges_from_legs(table))
    p = booster.predict(x[meta["features"]])
    res = pd.DataFrame({"model_score": p, "anomaly_score": anomaly_scores(x)}, index=x.index)
    res["flagged"] = res["model_score"] >= meta["threshold"]
    res["top_features"] = [[] for _ in range(len(res))]
    flagged = res.index[res["flagged"]]
    if len(flagged):
        res.loc[flagged, "top_features"] = pd.Series(explain(booster, x.loc[flagged, meta["features"]]),
                                                     index=flagged)
    return res


def score_run(table: pa.Table, alerts: pd.DataFrame, model: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Attach model scores to rule alerts and add one ``ml_account_risk`` alert per flagged account."""
    from finassure.engine.run import ALERT_FIELDS

    _, meta = load(None if str(model) == "default" else model)
    res = score_accounts(table, None if str(model) == "default" else model)
    alerts = alerts.copy()
    alerts["model_score"] = alerts["account_id"].map(res["model_score"].round(4)).astype(object)
    cust = dict(zip(table.column("account_id").to_pylist(), table.column("customer_id").to_pylist(), strict=True))
    new = []
    for acct, r in res[res["flagged"]].iterrows():
        if acct not in cust:
            continue
        words = "; ".join(r["top_features"])
        new.append({"alert_id": hashlib.sha256(f"ml_account_risk|{acct}".encode()).hexdigest()[:20],
                    "rule_id": "ml_account_risk", "rule_version": 1, "customer_id": cust[acct], "account_id": acct,
                    "date": None, "direction": None, "currency": None, "value": round(float(r["model_score"]), 4),
                    "threshold": meta["threshold"], "txn_count": 0, "txn_ids": [],
                    "score": round(float(r["model_score"]), 4), "severity": "high",
                    "model_score": round(float(r["model_score"]), 4),
                    "explanation": f"Model risk {r['model_score']:.2f} (model {meta['version']}): {words}.",
                    "explanation_zh": f"模型风险评分 {r['model_score']:.2f}（模型 {meta['version']}）：{words}。",
                    "top_features": list(r["top_features"])})
    if new:
        alerts = pd.concat([alerts, pd.DataFrame(new, columns=list(ALERT_FIELDS))], ignore_index=True)
    info = {"version": meta["version"], "threshold": meta["threshold"], "flagged_accounts": int(res["flagged"].sum()),
            "training_data_sha256": meta["training_data_sha256"]}
    return alerts, info
