"""Account risk models: LightGBM on graph features (trained on generated graphs), IsolationForest, a registry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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

from finassure.engine.backends.duckdb_backend import connect
from finassure.engine.explain import explain_both, predict_rows
from finassure.engine.features import (
    ALL_NAMES,
    EDGES_SQL,
    FEATURE_DECIMALS,
    FEATURE_NAMES,
    FEATURES,
    STAGE2,
    features_duckdb,
)
from finassure.engine.gcpause import gc_paused
from finassure.engine.generate import TYPOLOGIES, graph
from finassure.engine.i18n import _

PARAMS: dict[str, Any] = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 15, "min_data_in_leaf": 40,
                          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "verbose": -1,
                          "seed": 1, "num_threads": 1, "deterministic": True}
ROUNDS = 150

#: the links on which money moved at an amount unlike the sender's usual one — the amount it pays the most
#: counterparties (ties: the larger) — as ``odd(s, d)``, one row per such transfer; shared by NEIGHBOUR_SQL and
#: RING_SQL. In AMLSim every ordinary transfer carries the sender's one amount, so its laundering stands out.
_ODD_LINKS_SQL = """e AS (SELECT CAST(src AS VARCHAR) AS s, CAST(dst AS VARCHAR) AS d, amount FROM edges
           WHERE amount > 0 AND src <> dst),
hab AS (SELECT s, amount, COUNT(DISTINCT d) AS n FROM e GROUP BY s, amount),
usual AS (SELECT s, arg_max(amount, n * 1e12 + amount) AS usual FROM hab GROUP BY s),
odd AS (SELECT e.s, e.d FROM e JOIN usual u ON u.s = e.s WHERE abs(ln(e.amount / u.usual)) > 0.05)"""

# Stage 2: each account's counterparties' first-pass scores. ``nbr_odd_score_max`` keeps only the odd links:
# a normal account that pays or is paid a launderer its ordinary amounts does not inherit the launderer's
# score, a fan-out member paid an odd amount by a flagged hub does.
NEIGHBOUR_SQL = "WITH " + _ODD_LINKS_SQL + """,
nb AS (SELECT s AS acct, d AS cp FROM e UNION SELECT d, s FROM e),
agg AS (
  SELECT nb.acct, MAX(st.p) AS nbr_score_max, AVG(st.p) AS nbr_score_mean,
         SUM(CASE WHEN st.p >= 0.5 THEN 1.0 ELSE 0.0 END) AS nbr_risky_count,
         AVG(CASE WHEN st.p >= 0.5 THEN 1.0 ELSE 0.0 END) AS nbr_risky_share
  FROM nb JOIN stage1 st ON st.acct = nb.cp GROUP BY nb.acct
),
oa AS (SELECT acct, MAX(p) AS nbr_odd_score_max FROM (
         SELECT o.s AS acct, st.p FROM odd o JOIN stage1 st ON st.acct = o.d
         UNION ALL SELECT o.d AS acct, st.p FROM odd o JOIN stage1 st ON st.acct = o.s) t GROUP BY acct)
SELECT agg.*, oa.nbr_odd_score_max FROM agg LEFT JOIN oa ON oa.acct = agg.acct
"""  # noqa: S608 - built from constants only


def stage2_features(con: duckdb.DuckDBPyConnection, x: pd.DataFrame, p1: np.ndarray) -> pd.DataFrame:
    """First-pass scores of each account's counterparties (a cheap two-hop message pass), joined to ``x``."""
    acct = pd.Index(x.index.astype(str))
    con.register("stage1", pd.DataFrame({"acct": acct, "p": p1}))
    agg = con.execute(NEIGHBOUR_SQL).df()
    # placed by position (an account without counterparties keeps 0): a pandas join on 400k string keys took
    # longer than the query
    pos = acct.get_indexer(agg["acct"].astype(str))
    keep = pos >= 0
    vals = np.zeros((len(x), len(STAGE2)))
    vals[pos[keep]] = agg[list(STAGE2)].to_numpy(dtype=np.float64)[keep].round(FEATURE_DECIMALS)  # float noise
    vals[np.isnan(vals)] = 0.0
    out = pd.concat([x[list(FEATURE_NAMES)].astype(np.float64),
                     pd.DataFrame(vals, index=x.index, columns=list(STAGE2))], axis=1)
    return out[list(ALL_NAMES)]


def graph_frame(seed: int, n_accounts: int, n_transfers: int, typologies: tuple[str, ...] = TYPOLOGIES
                ) -> tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection]:
    """Features and labels of one generated graph; the connection keeps its ``edges`` for the second pass."""
    g = graph(n_accounts, n_transfers, seed=seed, typologies=typologies)
    e = pd.DataFrame({"src": g.src.astype(str), "dst": g.dst.astype(str), "amount": g.amount, "step": g.step})
    con = connect()
    con.register("edges_in", e)
    con.execute("CREATE TEMP TABLE edges AS SELECT * FROM edges_in")
    f = features_duckdb(con).sort_index()  # a fixed row order: bagging draws rows by position
    y = pd.Series(g.fraud, index=np.arange(n_accounts).astype(str)).reindex(f.index).fillna(0).astype(int)
    return f, y, con


def training_set(n_graphs: int, seed: int, typologies: tuple[str, ...] = TYPOLOGIES,
                 accounts: tuple[int, int] = (4000, 12000), status: Callable[[str], None] | None = None
                 ) -> list[tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection]]:
    """Generated AMLSim-like graphs of varied size; each seed draws its own background and laundering regime."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_graphs):
        if status:
            status(_("generating training graph {i}/{n}").format(i=i + 1, n=n_graphs))
        n_acc = int(rng.integers(*accounts))
        out.append(graph_frame(seed * 1000 + i, n_acc, n_acc * int(rng.integers(4, 8)), typologies))
    return out


def fit_two_stage(graphs: list[tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection]], rounds: int = ROUNDS,
                  fold_of: list[np.ndarray] | None = None, weight: list[float] | None = None
                  ) -> tuple[lgb.Booster, lgb.Booster, pd.DataFrame, pd.Series]:
    """Stage 1 on FEATURES; stage 2 adds counterparties' stage-1 scores, out-of-fold in training.

    Folds are by graph (graph ``i`` in fold ``i % 4``) unless ``fold_of`` gives each graph's rows their own
    fold numbers (0–3; an AMLSim graph split inside itself). ``weight`` weighs each graph's rows.
    """
    x = pd.concat([g[0] for g in graphs], ignore_index=True)
    y = pd.concat([g[1] for g in graphs], ignore_index=True)
    grp = np.concatenate([[i] * len(g[0]) for i, g in enumerate(graphs)])
    folds = 4 if fold_of is not None else min(len(graphs), 4)
    fid = np.concatenate(fold_of) % folds if fold_of is not None else grp % max(folds, 1)
    w = np.concatenate([[weight[i]] * len(g[0]) for i, g in enumerate(graphs)]) if weight else None
    b1 = lgb.train(PARAMS, lgb.Dataset(x[FEATURES], y, weight=w), num_boost_round=rounds)
    oof = np.asarray(b1.predict(x[FEATURES])) if folds < 2 else np.zeros(len(x))
    for k in range(folds if folds >= 2 else 0):
        te = fid == k
        bk = lgb.train(PARAMS, lgb.Dataset(x.loc[~te, FEATURES], y[~te], weight=None if w is None else w[~te]),
                       num_boost_round=rounds)
        oof[te] = bk.predict(x.loc[te, FEATURES])
    x2 = pd.concat([stage2_features(g[2], g[0], oof[grp == i]) for i, g in enumerate(graphs)], ignore_index=True)
    b2 = lgb.train(PARAMS, lgb.Dataset(x2, y, weight=w), num_boost_round=rounds)
    return b1, b2, x2, y


def _inputs(booster: lgb.Booster, x: pd.DataFrame, stage: str) -> pd.DataFrame:
    """The columns ``booster`` was trained on, in its order: an older model version may use fewer features."""
    names = booster.feature_name()
    missing = [n for n in names if n not in x.columns]
    if missing:
        raise ValueError(f"the {stage} model needs feature(s) {', '.join(missing)} that this engine does not compute")
    return x[names]


def predict_two_stage(b1: lgb.Booster, b2: lgb.Booster, con: duckdb.DuckDBPyConnection, x: pd.DataFrame
                      ) -> tuple[np.ndarray, pd.DataFrame]:
    x2 = _inputs(b2, stage2_features(con, x, predict_rows(b1, _inputs(b1, x, "stage-1"))), "stage-2")
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
        b1, b2, _x2, _y = fit_two_stage(train_g)
        for x, y, con in (g for i, g in enumerate(graphs) if i % folds == k):
            per.append((y.to_numpy(), predict_two_stage(b1, b2, con, x)[0]))
    grid = np.linspace(0.02, 0.98, 49)
    mean_f1 = [np.mean([prf(y, (p >= t).astype(int))["f1"] for y, p in per]) for t in grid]
    thr = float(round(grid[int(np.argmax(mean_f1))], 3))
    pooled = prf(np.concatenate([y for y, _ in per]), np.concatenate([(p >= thr).astype(int) for _, p in per]))
    return thr, {**pooled, "mean_graph_f1": round(float(max(mean_f1)), 4),
                 "min_graph_f1": round(min(prf(y, (p >= thr).astype(int))["f1"] for y, p in per), 4)}


RING_SQL = "WITH " + _ODD_LINKS_SQL + """
SELECT DISTINCT s, d FROM odd WHERE s IN (SELECT acct FROM pos) AND d IN (SELECT acct FROM pos)
"""  # noqa: S608 - built from constants only


def ring_folds(con: duckdb.DuckDBPyConnection, x: pd.DataFrame, y: pd.Series, k: int = 5, seed: int = 0
               ) -> np.ndarray:
    """Fold (0..k-1) per account of one labelled graph, for cross-validation inside it.

    Labelled accounts joined by a transfer off the sender's usual amount (the amount it pays to the most
    receivers; AMLSim's background pays the sender's own amount) — a laundering ring — stay in one fold, so no ring is split between training and
    test; every other account is placed at random. Labels decide the folds only, never a feature.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    con.register("pos", pd.DataFrame({"acct": x.index[y.to_numpy() == 1].astype(str)}))
    pairs = con.execute(RING_SQL).df()
    con.unregister("pos")
    at = {a: i for i, a in enumerate(x.index.astype(str))}
    s = pairs["s"].map(at).to_numpy(dtype=np.int64)
    d = pairs["d"].map(at).to_numpy(dtype=np.int64)
    _count, comp = connected_components(coo_matrix((np.ones(len(s)), (s, d)), shape=(len(x), len(x))), directed=False)
    # number components by their first account in sorted id order: the folds do not depend on row order
    first = np.full(int(comp.max()) + 1, len(x))
    np.minimum.at(first, comp, np.argsort(np.argsort(x.index.astype(str).to_numpy())))
    rank = np.argsort(np.argsort(first))
    rng = np.random.default_rng(seed)
    return (rng.permutation(len(first)) % k)[rank[comp]]


def fit_fold(gen: list, dev: tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection], train_mask: np.ndarray,
             inner_fold: np.ndarray, rounds: int = ROUNDS) -> tuple[lgb.Booster, lgb.Booster, np.ndarray]:
    """Two-stage fit on generated graphs + the rows of one labelled graph (``dev``) in ``train_mask``.

    Stage 2 learns from out-of-fold stage-1 scores (generated graph ``i`` in fold ``i % 4``, dev rows by
    ``inner_fold``). Also returns the dev graph's stage-1 scores for scoring its held-out rows: every
    training row out-of-fold, held-out rows from the full stage-1 model — no counterparty score is in-sample.
    """
    dx, dy, dcon = dev
    x = pd.concat([g[0][FEATURES] for g in gen] + [dx.loc[train_mask, FEATURES]], ignore_index=True)
    y = np.concatenate([g[1].to_numpy() for g in gen] + [dy.to_numpy()[train_mask]])
    fid = np.concatenate([np.full(len(g[0]), i % 4) for i, g in enumerate(gen)] + [inner_fold[train_mask] % 4])
    held = ~train_mask
    b1 = lgb.train(PARAMS, lgb.Dataset(x, y), num_boost_round=rounds)
    oof, p_held = np.zeros(len(x)), np.zeros(int(held.sum()))
    for j in range(4):
        bj = lgb.train(PARAMS, lgb.Dataset(x[fid != j], y[fid != j]), num_boost_round=rounds)
        oof[fid == j] = bj.predict(x[fid == j])
        if held.any():
            p_held += np.asarray(bj.predict(dx.loc[held, FEATURES])) / 4
    n_gen = len(x) - int(train_mask.sum())
    p_dev = np.zeros(len(dx))
    p_dev[train_mask], p_dev[held] = oof[n_gen:], p_held
    parts, off = [], 0
    for g in gen:
        parts.append(stage2_features(g[2], g[0], oof[off:off + len(g[0])]))
        off += len(g[0])
    parts.append(stage2_features(dcon, dx, p_dev).loc[train_mask])
    b2 = lgb.train(PARAMS, lgb.Dataset(pd.concat(parts, ignore_index=True), y), num_boost_round=rounds)
    if held.any():
        p_dev[held] = b1.predict(dx.loc[held, FEATURES])
    return b1, b2, p_dev


def dev_cv(gen: list, dev: tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection], fold: np.ndarray
           ) -> np.ndarray:
    """Out-of-fold final scores of every dev-graph account; generated graphs are always in training."""
    out = np.zeros(len(fold))
    for k in np.unique(fold):
        te = fold == k
        inner = np.where(fold < k, fold, fold - 1)
        _b1, b2, p1 = fit_fold(gen, dev, ~te, inner)
        out[te] = b2.predict(stage2_features(dev[2], dev[0], p1).loc[te])
    return out


def gen_oof(gen: list, dev: tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection], fold: np.ndarray,
            folds: int = 4) -> list[tuple[np.ndarray, np.ndarray]]:
    """(labels, scores) of each generated graph, held out by graph, with the whole AMLSim graph in training."""
    out = []
    everything = np.ones(len(fold), dtype=bool)
    for k in range(min(folds, len(gen))):
        b1, b2, _p1 = fit_fold([g for i, g in enumerate(gen) if i % folds != k], dev, everything, fold % 4)
        for x, y, con in (g for i, g in enumerate(gen) if i % folds == k):
            out.append((y.to_numpy(), predict_two_stage(b1, b2, con, x)[0]))
    return out


def cv_summary(y: np.ndarray, p: np.ndarray, fold: np.ndarray) -> dict[str, Any]:
    """Out-of-fold precision/recall/F1, each fold at the threshold that is best on the OTHER folds."""
    pred = np.zeros(len(y), dtype=int)
    thr: dict[str, float] = {}
    for k in np.unique(fold):
        t, _f1 = best_threshold(y[fold != k], p[fold != k])
        thr[str(int(k))] = t
        pred[fold == k] = (p[fold == k] >= t).astype(int)
    return {**prf(y, pred), "fold_thresholds": thr,
            "fold_f1": [prf(y[fold == k], pred[fold == k])["f1"] for k in np.unique(fold)]}


def train(registry: str | Path, *, n_graphs: int = 12, seed: int = 11, graphs: list | None = None,
          source: str = "generated", amlsim: tuple[pd.DataFrame, pd.Series, duckdb.DuckDBPyConnection] | None = None,
          status: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train on generated graphs, plus one labelled AMLSim graph when ``amlsim`` is given.

    Generated only: the threshold comes from out-of-fold predictions on held-out generated graphs.
    With an AMLSim graph: 5-fold cross-validation inside it by laundering ring (:func:`ring_folds`), the
    generated graphs always in training; the threshold is the best on those pooled out-of-fold scores and
    the metrics are the out-of-fold ones (each fold at the threshold chosen on the other folds).
    ``status`` is called with a line saying which step is running.
    """
    say = status or (lambda _text: None)
    graphs = graphs if graphs is not None else training_set(n_graphs, seed, status=status)
    if amlsim is None:
        say(_("choosing the threshold on held-out graphs"))
        thr, held = oof_threshold(graphs) if len(graphs) > 1 else (0.5, {})
        metrics: dict[str, Any] = {"held_out_graphs": held}
        say(_("fitting the model"))
        b1, b2, x2, y = fit_two_stage(graphs)
    else:
        say(_("cross-validating on the labelled AMLSim graph"))
        fold = ring_folds(amlsim[2], amlsim[0], amlsim[1])
        yd = amlsim[1].to_numpy()
        p = dev_cv(graphs, amlsim, fold)
        per = gen_oof(graphs, amlsim, fold)
        grid = np.linspace(0.02, 0.98, 49)
        dev_f1 = np.array([prf(yd, (p >= t).astype(int))["f1"] for t in grid])
        gen_f1 = np.array([np.mean([prf(yg, (pg >= t).astype(int))["f1"] for yg, pg in per]) for t in grid])
        best = int(np.argmax(dev_f1 + gen_f1))
        thr = float(round(grid[best], 3))
        metrics = {"amlsim_out_of_fold": {**cv_summary(yd, p, fold), "at_threshold": prf(yd, p >= thr),
                                          "folds": "5, by laundering ring"},
                   "held_out_graphs": {**prf(np.concatenate([yg for yg, _ in per]),
                                             np.concatenate([(pg >= thr).astype(int) for _, pg in per])),
                                       "mean_graph_f1": round(float(gen_f1[best]), 4),
                                       "min_graph_f1": min(prf(yg, (pg >= thr).astype(int))["f1"] for yg, pg in per)},
                   "threshold_rule": "max of (AMLSim out-of-fold F1 + mean held-out generated-graph F1)"}
        say(_("fitting the model"))
        b1, b2, x2, y = fit_two_stage([*graphs, amlsim],
                                      fold_of=[np.full(len(g[0]), i % 4) for i, g in enumerate(graphs)] + [fold % 4])
    digest = _digest(x2, y)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]
    folder = Path(registry) / version
    folder.mkdir(parents=True, exist_ok=True)
    b1.save_model(str(folder / "model.txt"))
    b2.save_model(str(folder / "model2.txt"))
    meta = {"version": version, "kind": "lightgbm-account-two-stage", "features": FEATURES,
            "features_stage2": list(ALL_NAMES), "threshold": thr, "metrics": metrics,
            "training_data_sha256": digest, "training_source": source, "graphs": len(graphs) + (amlsim is not None),
            "rows": len(x2), "positives": int(y.sum()), "params": PARAMS, "rounds": ROUNDS,
            "created": datetime.now(UTC).isoformat()}
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")
    return {**meta, "path": str(folder)}


def train_cli(args: Any, status: Callable[[str], None] | None = None) -> dict[str, Any]:
    if args.amlsim:
        from finassure.engine.evaluate import amlsim_connection

        if status:
            status(_("reading {name}").format(name=Path(args.amlsim).name))
        con, x, y = amlsim_connection(Path(args.amlsim))
        if args.graphs == 0:
            # the labelled folder alone (an institution's own case labels, as the feedback loop exports them)
            return train(args.registry, graphs=[(x, y, con)] * 2, source=f"amlsim:{args.amlsim}", status=status)
        return train(args.registry, n_graphs=args.graphs, seed=args.seed, amlsim=(x, y, con), status=status,
                     source=f"generated:{args.graphs} graphs, seed {args.seed} + amlsim:{Path(args.amlsim).name}")
    return train(args.registry, n_graphs=args.graphs, seed=args.seed, status=status)


def load(path: str | Path | None = None) -> tuple[TwoStage, dict[str, Any]]:
    """A model version folder, a registry (newest version), or ``None`` for the model shipped with the engine."""
    if path is None:
        base = resources.files("finassure.engine").joinpath("data", "model")
        return TwoStage(lgb.Booster(model_str=base.joinpath("model.txt").read_text("utf-8")),
                        lgb.Booster(model_str=base.joinpath("model2.txt").read_text("utf-8"))), json.loads(
            base.joinpath("meta.json").read_text("utf-8"))
    p = Path(path)
    if not p.is_dir():
        raise FileNotFoundError(_("{path}: no model version folder or registry there").format(path=p))
    if not (p / "model.txt").exists():
        versions = sorted(d for d in p.iterdir() if (d / "model.txt").exists())
        if not versions:
            raise FileNotFoundError(_("{path}: no model versions").format(path=p))
        p = versions[-1]
    return TwoStage(lgb.Booster(model_file=str(p / "model.txt")), lgb.Booster(model_file=str(p / "model2.txt"))), \
        json.loads((p / "meta.json").read_text("utf-8"))


#: the IsolationForest behind :func:`anomaly_scores`, as a run's manifest records it
ANOMALY_FIT_ACCOUNTS = 50_000
ANOMALY = {"method": "IsolationForest", "trees": 100, "fit_accounts_max": ANOMALY_FIT_ACCOUNTS, "seed": 0,
           "features": "the model's stage-1 features", "scale": "0 (most usual) to 1 (strangest account of the run)"}


def anomaly_scores(x: pd.DataFrame, seed: int = 0) -> pd.Series:
    """IsolationForest anomaly score in [0, 1] (higher = stranger) for data without labels."""
    from sklearn.ensemble import IsolationForest

    if len(x) == 0:
        return pd.Series(dtype=np.float64, index=x.index)
    # sorted first: the feature query returns accounts in no fixed order, and the sample must not depend on it
    fit = x.sort_index().sample(min(len(x), ANOMALY_FIT_ACCOUNTS), random_state=seed)
    iso = IsolationForest(n_estimators=100, random_state=seed, n_jobs=1).fit(fit)
    s = -iso.score_samples(x)
    return pd.Series((s - s.min()) / max(s.max() - s.min(), 1e-12), index=x.index)


class ScoringInput:
    """A run's input as the model step reads it: its edges in a DuckDB connection, and who owns each account.

    Built from the input's Arrow table, which the caller can then drop: the model step needs only these, and
    at 20M rows the rest of the table is ≈ 2.5 GB. ``owners`` keeps the table's own ``account_id`` and
    ``customer_id`` buffers (no copy); :meth:`close` closes the connection, ``owners`` stays readable.
    Or built from stored-schema Parquet ``files`` (a run whose input DuckDB holds): DuckDB reads them, so
    nothing is held in Python but one owner per account.
    """

    def __init__(self, table: pa.Table | None = None, *, files: list[Path] | None = None) -> None:
        from finassure.engine.backends.duckdb_backend import MEMORY_LIMIT

        if (table is None) == (files is None):
            raise ValueError("ScoringInput needs exactly one of a table or files")
        self.con = connect(memory_limit=MEMORY_LIMIT)
        try:
            if table is not None:
                self.owners = table.select(["account_id", "customer_id"])
                self.con.register("legs", table)
            else:
                assert files is not None
                self.con.read_parquet([str(f) for f in files], filename=True, file_row_number=True
                                      ).create_view("legs")
                # the last row's customer in file then row order, as the Arrow table's last row
                self.owners = self.con.sql(
                    "SELECT account_id, arg_max(customer_id, (filename, file_row_number)) AS customer_id "
                    "FROM legs GROUP BY account_id").to_arrow_table()
            self.con.execute(f"CREATE TEMP TABLE edges AS {EDGES_SQL}")
            if table is not None:
                self.con.unregister("legs")
            else:
                self.con.execute("DROP VIEW legs")
        except BaseException:
            self.con.close()
            raise

    def customers(self, accounts: pa.Array) -> dict[str, str]:
        """account → customer for ``accounts``; an account named with several customers keeps its last row's."""
        own = self.owners.filter(pc.is_in(self.owners.column("account_id"), accounts))
        return dict(zip(own.column("account_id").to_pylist(), own.column("customer_id").to_pylist(), strict=True))

    def close(self) -> None:
        self.con.close()


def score_accounts(source: pa.Table | ScoringInput, model: str | Path | None, *, anomaly: bool = True,
                   loaded: tuple[TwoStage, dict[str, Any]] | None = None, scored: bool = True) -> pd.DataFrame:
    """model_score, anomaly_score, flagged and explanation per account of a canonical table (features in DuckDB).

    ``source`` is the table or a :class:`ScoringInput` made from it (closed here, after the predictions).
    ``anomaly=False`` leaves out the IsolationForest score (a run's alerts do not use it; it costs seconds
    per 100k accounts); ``loaded`` passes a model already loaded with :func:`load`. ``scored=False`` is for
    data without labels or model: the anomaly score alone, no model score.
    """
    mdl, meta = (loaded or load(model)) if scored else (None, {})
    inp = source if isinstance(source, ScoringInput) else ScoringInput(source)
    try:
        x = features_duckdb(inp.con)
        if mdl is not None:
            p, x2 = mdl.predict(inp.con, x)
    finally:
        inp.close()
    res = pd.DataFrame(index=x.index)
    if anomaly:
        res["anomaly_score"] = anomaly_scores(x)
    if mdl is None:
        return res
    res.insert(0, "model_score", p)
    res["flagged"] = res["model_score"] >= meta["threshold"]
    res["top_features"] = [[] for _ in range(len(res))]
    res["top_features_zh"] = [[] for _ in range(len(res))]
    flagged = res.index[res["flagged"]]
    if len(flagged):
        en, zh = explain_both(mdl.b2, x2.loc[flagged])
        res.loc[flagged, "top_features"] = pd.Series(en, index=flagged)
        res.loc[flagged, "top_features_zh"] = pd.Series(zh, index=flagged)
    return res


def score_run(source: pa.Table | ScoringInput, alerts: pd.DataFrame, model: str | Path | None, *,
              anomaly: bool = False) -> tuple[pd.DataFrame, dict[str, Any] | None, pd.DataFrame]:
    """Attach model scores to rule alerts and add one ``ml_account_risk`` alert per flagged account.

    ``source`` is the run's input table or a :class:`ScoringInput` made from it (so the caller could drop the
    table). Returns the alerts, the model's manifest entry (``None`` without a model) and the scores per
    account (``model_score`` and ``flagged`` with a model, ``anomaly_score`` with ``anomaly``).
    """
    from finassure.engine.run import ALERT_FIELDS

    inp = source if isinstance(source, ScoringInput) else ScoringInput(source)
    if model is None:
        return alerts, None, score_accounts(inp, None, anomaly=anomaly, scored=False)
    loaded = load(None if str(model) == "default" else model)
    meta = loaded[1]
    res = score_accounts(inp, None, anomaly=anomaly, loaded=loaded)
    alerts = alerts.copy()
    alerts["model_score"] = alerts["account_id"].map(res["model_score"].round(4)).astype(object)
    cust = inp.customers(pa.array(res.index[res["flagged"]].astype(str), type=pa.string()))
    new: list[dict[str, Any]] = []
    flagged = res[res["flagged"]]
    # plain columns, not iterrows(): a Series per row cost ≈ 70 µs (1.4 s for 20k flagged accounts at 5M rows)
    with gc_paused():
        for acct, score, top, top_zh in zip(flagged.index, flagged["model_score"].astype(float),
                                            flagged["top_features"], flagged["top_features_zh"], strict=True):
            if acct not in cust:
                continue
            words = "; ".join(top)
            new.append({"alert_id": hashlib.sha256(f"ml_account_risk|{acct}".encode()).hexdigest()[:20],
                        "rule_id": "ml_account_risk", "rule_version": 1, "customer_id": cust[acct], "account_id": acct,
                        "date": None, "direction": None, "currency": None, "value": round(float(score), 4),
                        "threshold": meta["threshold"], "txn_count": 0, "txn_ids": [],
                        "score": round(float(score), 4), "severity": "high",
                        "model_score": round(float(score), 4),
                        "explanation": f"Model risk {score:.2f} (model {meta['version']}): {words}.",
                        "explanation_zh": f"模型风险评分 {score:.2f}（模型 {meta['version']}）：{'；'.join(top_zh)}。",
                        "top_features": list(top), "top_features_zh": list(top_zh)})
    if new:
        # no rule alert (a run of rules that found nothing): the model's alerts alone, as concat gives them now
        # (concatenating an empty frame is deprecated in pandas and would change the columns' dtypes later)
        frame = pd.DataFrame(new, columns=list(ALERT_FIELDS))
        alerts = pd.concat([alerts, frame], ignore_index=True) if len(alerts) else frame
    info = {"version": meta["version"], "threshold": meta["threshold"], "flagged_accounts": int(res["flagged"].sum()),
            "training_data_sha256": meta["training_data_sha256"]}
    return alerts, info, res
