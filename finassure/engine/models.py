"""Account risk models: LightGBM on graph features (trained on generated graphs), IsolationForest, a registry."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from finassure.engine.features import EDGES_SQL, FEATURE_NAMES, FEATURES, features_duckdb
from finassure.engine.generate import TYPOLOGIES, graph

PARAMS: dict[str, Any] = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 15, "min_data_in_leaf": 40,
                          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
                          "seed": 1, "num_threads": 1, "deterministic": True}
ROUNDS = 150


STAGE2: dict[str, str] = {
    "nbr_score_max": "riskiest counterparty's first-pass score",
    "nbr_score_mean": "counterparties' mean first-pass score",
    "nbr_risky_count": "counterparties scored risky in the first pass (relative)",
    "nbr_risky_share": "share of counterparties scored risky in the first pass",
}
ALL_NAMES = {**FEATURE_NAMES, **STAGE2}

NEIGHBOUR_SQL = """
WITH nb AS (SELECT DISTINCT CAST(src AS VARCHAR) AS acct, CAST(dst AS VARCHAR) AS cp FROM edges
            WHERE amount > 0 AND src <> dst
            UNION SELECT DISTINCT CAST(dst AS VARCHAR), CAST(src AS VARCHAR) FROM edges
            WHERE amount > 0 AND src <> dst)
SELECT nb.acct, MAX(s.p) AS nbr_score_max, AVG(s.p) AS nbr_score_mean,
       SUM(CASE WHEN s.p >= 0.5 THEN 1.0 ELSE 0.0 END) AS nbr_risky_count,
       AVG(CASE WHEN s.p >= 0.5 THEN 1.0 ELSE 0.0 END) AS nbr_risky_share
FROM nb JOIN stage1 s ON s.acct = nb.cp GROUP BY nb.acct
"""


def stage2_features(con: duckdb.DuckDBPyConnection, x: pd.DataFrame, p1: np.ndarray) -> pd.DataFrame:
    """First-pass scores of each account's counterparties (a cheap two-hop message pass), joined to ``x``."""
    con.register("stage1", pd.DataFrame({"acct": x.index.astype(str), "p": p1}))
    agg = con.execute(NEIGHBOUR_SQL).df().set_index("acct")
    agg.index.name = None
    out = x.join(agg.reindex(x.index).fillna(0.0))
    return out[list(ALL_NAMES)].astype(np.float64)


def graph_frame(seed: int, n_accounts: int, n_transfers: int, typologies: tuple[str, ...] = TYPOLOGIES
                ) -> tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection]:
    """Features and labels of one generated graph; the connection keeps its ``edges`` for the second pass."""
    g = graph(n_accounts, n_transfers, seed=seed, typologies=typologies)
    e = pd.DataFrame({"src": g.src.astype(str), "dst": g.dst.astype(str), "amount": g.amount, "step": g.step})
    con = duckdb.connect(config={"threads": 2})
    con.register("edges_in", e)
    con.execute("CREATE TEMP TABLE edges AS SELECT * FROM edges_in")
    f = features_duckdb(con)
    y = pd.Series(g.fraud, index=np.arange(n_accounts).astype(str)).reindex(f.index).fillna(0).astype(int)
    return f, y, con


def training_set(n_graphs: int, seed: int, typologies: tuple[str, ...] = TYPOLOGIES,
                 accounts: tuple[int, int] = (4000, 12000)
                 ) -> list[tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection]]:
    """Generated AMLSim-like graphs of varied size; each seed draws its own background and laundering regime."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_graphs):
        n_acc = int(rng.integers(*accounts))
        out.append(graph_frame(seed * 1000 + i, n_acc, n_acc * int(rng.integers(4, 8)), typologies))
    return out


def fit_two_stage(graphs: list[tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection]], rounds: int = ROUNDS
                  ) -> tuple[lgb.Booster, lgb.Booster, pd.DataFrame, pd.Series]:
    """Stage 1 on FEATURES; stage 2 adds counterparties' stage-1 scores, out-of-fold (by graph) in training."""
    x = pd.concat([g[0] for g in graphs], ignore_index=True)
    y = pd.concat([g[1] for g in graphs], ignore_index=True)
    grp = np.concatenate([[i] * len(g[0]) for i, g in enumerate(graphs)])
    b1 = lgb.train(PARAMS, lgb.Dataset(x[FEATURES], y), num_boost_round=rounds)
    folds = min(len(graphs), 4)
    oof = np.asarray(b1.predict(x[FEATURES])) if folds < 2 else np.zeros(len(x))
    for k in range(folds if folds >= 2 else 0):
        te = grp % folds == k
        bk = lgb.train(PARAMS, lgb.Dataset(x.loc[~te, FEATURES], y[~te]), num_boost_round=rounds)
        oof[te] = bk.predict(x.loc[te, FEATURES])
    x2 = pd.concat([stage2_features(g[2], g[0], oof[grp == i]) for i, g in enumerate(graphs)], ignore_index=True)
    b2 = lgb.train(PARAMS, lgb.Dataset(x2, y), num_boost_round=rounds)
    return b1, b2, x2, y


#: threads for scoring (LightGBM itself trains and predicts on one thread, for reproducible training)
PREDICT_THREADS = 2


def predict_rows(booster: lgb.Booster, x: pd.DataFrame, **kwargs: Any) -> np.ndarray:
    """``booster.predict(x, **kwargs)`` with the rows split over :data:`PREDICT_THREADS` threads.

    Each row's prediction (and SHAP contribution) depends on that row alone, so the result is identical
    to one call; LightGBM releases the GIL while it predicts, so the halves run in parallel.
    """
    n = min(PREDICT_THREADS, len(x) // 2000)
    if n < 2:
        return np.asarray(booster.predict(x, **kwargs))
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, len(x), n + 1).astype(int)
    with ThreadPoolExecutor(n) as pool:
        parts = list(pool.map(lambda i: np.asarray(booster.predict(x.iloc[bounds[i]:bounds[i + 1]], **kwargs)),
                              range(n)))
    return np.concatenate(parts)


def predict_two_stage(b1: lgb.Booster, b2: lgb.Booster, con: duckdb.DuckDBPyConnection, x: pd.DataFrame
                      ) -> tuple[np.ndarray, pd.DataFrame]:
    x2 = stage2_features(con, x, predict_rows(b1, x[FEATURES]))
    return predict_rows(b2, x2), x2


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, dict[str, float]]:
    best = (0.5, {"precision": 0.0, "recall": 0.0, "f1": 0.0})
    for thr in np.linspace(0.02, 0.98, 97):
        m = prf(y, p >= thr)
        if m["f1"] > best[1]["f1"]:
            best = (float(round(thr, 3)), m)
    return best


def prf(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = float(np.sum((pred == 1) & (y == 1)))
    p = tp / max(float(np.sum(pred)), 1.0)
    r = tp / max(float(np.sum(y)), 1.0)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(p + r, 1e-12), 4)}


class TwoStage:
    """Stage 1 scores accounts on FEATURES; stage 2 adds their counterparties' stage-1 scores."""

    def __init__(self, b1: lgb.Booster, b2: lgb.Booster) -> None:
        self.b1, self.b2 = b1, b2

    def predict(self, con: duckdb.DuckDBPyConnection, x: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        return predict_two_stage(self.b1, self.b2, con, x)


def _digest(x: pd.DataFrame, y: pd.Series) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(x, index=False).values.tobytes()
                          + y.to_numpy().tobytes()).hexdigest()


def oof_threshold(graphs: list, folds: int = 4) -> tuple[float, dict[str, float]]:
    """Threshold maximising the mean per-graph F1 of out-of-fold predictions (folds by graph, never in-sample)."""
    folds = min(folds, len(graphs))
    per: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(folds):
        train_g = [g for i, g in enumerate(graphs) if i % folds != k]
        b1, b2, _, _ = fit_two_stage(train_g)
        for x, y, con in (g for i, g in enumerate(graphs) if i % folds == k):
            per.append((y.to_numpy(), predict_two_stage(b1, b2, con, x)[0]))
    grid = np.linspace(0.02, 0.98, 49)
    mean_f1 = [np.mean([prf(y, (p >= t).astype(int))["f1"] for y, p in per]) for t in grid]
    thr = float(round(grid[int(np.argmax(mean_f1))], 3))
    pooled = prf(np.concatenate([y for y, _ in per]), np.concatenate([(p >= thr).astype(int) for _, p in per]))
    return thr, {**pooled, "mean_graph_f1": round(float(max(mean_f1)), 4),
                 "min_graph_f1": round(min(prf(y, (p >= thr).astype(int))["f1"] for y, p in per), 4)}


def train(registry: str | Path, *, n_graphs: int = 12, seed: int = 11, graphs: list | None = None,
          source: str = "generated") -> dict[str, Any]:
    """Train on generated graphs; the threshold comes from out-of-fold predictions on held-out generated graphs."""
    graphs = graphs if graphs is not None else training_set(n_graphs, seed)
    thr, held = oof_threshold(graphs) if len(graphs) > 1 else (0.5, {})
    b1, b2, x2, y = fit_two_stage(graphs)
    digest = _digest(x2, y)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]
    folder = Path(registry) / version
    folder.mkdir(parents=True, exist_ok=True)
    b1.save_model(str(folder / "model.txt"))
    b2.save_model(str(folder / "model2.txt"))
    meta = {"version": version, "kind": "lightgbm-account-two-stage", "features": FEATURES,
            "features_stage2": list(ALL_NAMES), "threshold": thr, "metrics": {"held_out_graphs": held},
            "training_data_sha256": digest, "training_source": source, "graphs": len(graphs),
            "rows": len(x2), "positives": int(y.sum()), "params": PARAMS, "rounds": ROUNDS,
            "created": datetime.now(UTC).isoformat()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")
    return {**meta, "path": str(folder)}


def train_cli(args: Any) -> dict[str, Any]:
    if args.amlsim:
        from finassure.engine.evaluate import amlsim_connection

        con, x, y = amlsim_connection(Path(args.amlsim))
        return train(args.registry, graphs=[(x, y, con)] * 2, source=f"amlsim:{args.amlsim}")
    return train(args.registry, n_graphs=args.graphs, seed=args.seed)


def load(path: str | Path | None = None) -> tuple[TwoStage, dict[str, Any]]:
    """A model version folder, a registry (newest version), or ``None`` for the model shipped with the engine."""
    if path is None:
        base = resources.files("finassure.engine").joinpath("data", "model")
        return TwoStage(lgb.Booster(model_str=base.joinpath("model.txt").read_text("utf-8")),
                        lgb.Booster(model_str=base.joinpath("model2.txt").read_text("utf-8"))), json.loads(
            base.joinpath("meta.json").read_text("utf-8"))
    p = Path(path)
    if not (p / "model.txt").exists():
        versions = sorted(d for d in p.iterdir() if (d / "model.txt").exists())
        if not versions:
            raise FileNotFoundError(f"{p}: no model versions")
        p = versions[-1]
    return TwoStage(lgb.Booster(model_file=str(p / "model.txt")), lgb.Booster(model_file=str(p / "model2.txt"))), \
        json.loads((p / "meta.json").read_text("utf-8"))


def explain(booster: lgb.Booster, x: pd.DataFrame, top: int = 3) -> list[list[str]]:
    """Top contributing features per row, from LightGBM's own SHAP contributions, in words."""
    names = list(x.columns)
    contrib = predict_rows(booster, x, pred_contrib=True)[:, :-1]
    out = []
    for row, vals in zip(contrib, x.to_numpy(), strict=True):
        idx = np.argsort(-row)[:top]
        out.append([f"{ALL_NAMES[names[i]]} ({vals[i]:.2f}, +{row[i]:.2f})" for i in idx if row[i] > 0])
    return out


def anomaly_scores(x: pd.DataFrame, seed: int = 0) -> pd.Series:
    """IsolationForest anomaly score in [0, 1] (higher = stranger) for data without labels."""
    from sklearn.ensemble import IsolationForest

    fit = x.sample(min(len(x), 50_000), random_state=seed)
    iso = IsolationForest(n_estimators=100, random_state=seed, n_jobs=1).fit(fit)
    s = -iso.score_samples(x)
    return pd.Series((s - s.min()) / max(s.max() - s.min(), 1e-12), index=x.index)


def score_accounts(table: pa.Table, model: str | Path | None, *, anomaly: bool = True,
                   loaded: tuple[TwoStage, dict[str, Any]] | None = None) -> pd.DataFrame:
    """model_score, anomaly_score, flagged and explanation per account of a canonical table (features in DuckDB).

    ``anomaly=False`` leaves out the IsolationForest score (a run's alerts do not use it; it costs seconds
    per 100k accounts); ``loaded`` passes a model already loaded with :func:`load`.
    """
    mdl, meta = loaded or load(model)
    from finassure.engine.backends.duckdb_backend import MEMORY_LIMIT

    con = duckdb.connect(config={"threads": 2, "memory_limit": MEMORY_LIMIT})
    try:
        con.register("legs", table)
        con.execute(f"CREATE TEMP TABLE edges AS {EDGES_SQL}")
        x = features_duckdb(con)
        p, x2 = mdl.predict(con, x)
    finally:
        con.close()
    res = pd.DataFrame({"model_score": p}, index=x.index)
    if anomaly:
        res["anomaly_score"] = anomaly_scores(x)
    res["flagged"] = res["model_score"] >= meta["threshold"]
    res["top_features"] = [[] for _ in range(len(res))]
    flagged = res.index[res["flagged"]]
    if len(flagged):
        res.loc[flagged, "top_features"] = pd.Series(explain(mdl.b2, x2.loc[flagged]), index=flagged)
    return res


def score_run(table: pa.Table, alerts: pd.DataFrame, model: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Attach model scores to rule alerts and add one ``ml_account_risk`` alert per flagged account."""
    from finassure.engine.run import ALERT_FIELDS

    loaded = load(None if str(model) == "default" else model)
    meta = loaded[1]
    res = score_accounts(table, None, anomaly=False, loaded=loaded)
    alerts = alerts.copy()
    alerts["model_score"] = alerts["account_id"].map(res["model_score"].round(4)).astype(object)
    flagged_ids = pa.array(res.index[res["flagged"]].astype(str), type=pa.string())
    own = table.select(["account_id", "customer_id"]).filter(pc.is_in(table.column("account_id"), flagged_ids))
    cust = dict(zip(own.column("account_id").to_pylist(), own.column("customer_id").to_pylist(), strict=True))
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
