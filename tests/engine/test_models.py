"""Generator, AMLSim adapter, features, model registry and explanations, eval, real-time scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from finassure.engine.cli import main
from finassure.engine.evaluate import amlsim_connection, evaluate_amlsim
from finassure.engine.explain import contributions, explain
from finassure.engine.features import ALL_NAMES, ALL_NAMES_ZH, FEATURES, STAGE2
from finassure.engine.generate import TYPOLOGIES, generate, graph
from finassure.engine.ingest import InputError, ingest
from finassure.engine.models import (
    load,
    ring_folds,
    train,
    training_set,
)
from finassure.engine.realtime import MemoryState, RedisState, Scorer
from finassure.engine.run import run

AMLSIM = Path(__file__).parent / "data" / "amlsim_small"


def test_generator_is_deterministic_and_labelled(tmp_path: Path) -> None:
    a = generate(tmp_path / "a.parquet", rows=20_000, seed=5)
    steps: list[str] = []  # the CLI's progress line
    generate(tmp_path / "b.parquet", rows=20_000, seed=5, status=steps.append)
    assert steps == ["drawing 10,000 transfers among 1,666 accounts", "writing b.parquet"]
    ta, tb = pq.read_table(tmp_path / "a.parquet"), pq.read_table(tmp_path / "b.parquet")
    assert a["rows"] == ta.num_rows and ta.equals(tb)
    typ = set(ta.column("typology").to_pylist())
    assert set(TYPOLOGIES) <= typ and {"structuring", "large_cash", "crossborder_large", "high_risk_geo"} <= typ
    lab = ta.column("is_laundering").to_numpy()
    assert 0 < lab.sum() < len(lab)
    g = graph(3000, 15000, seed=1, fraud_share=0.05)
    assert g.fraud.sum() > 0 and set(np.unique(g.typology[g.label == 1])) == set(range(len(TYPOLOGIES)))
    assert set(np.unique(g.account_typology[g.fraud == 1])) == set(range(len(TYPOLOGIES)))
    # AMLSim-like background: power-law activity (a few hubs), laundering members among busier accounts
    deg = np.bincount(np.concatenate([g.src, g.dst]), minlength=g.n_accounts)
    assert deg.max() > 10 * np.median(deg) and deg[g.fraud == 1].mean() > deg[g.fraud == 0].mean()


def test_amlsim_adapter_two_legs_and_labels(tmp_path: Path) -> None:
    report = ingest(AMLSIM, tmp_path / "store", fmt="amlsim")
    assert report.read == 2 * 6418 and report.quarantined == 0 and report.reconciles()


def test_shipped_model_eval_on_small_amlsim(capsys) -> None:
    res = evaluate_amlsim(AMLSIM)
    assert res["positives"] == 945 and res["accounts"] == 2850
    # IN-SAMPLE: this cut comes from the dev graph, which the shipped model trains on (with generated graphs).
    # A third of the cut is fraud (chance F1 ≈ 0.4), and about a third of its fraud accounts never carry a
    # laundering transfer (fraudStep -1), which caps recall near 0.7
    assert res["f1"] > 0.75 and res["precision"] > 0.95 and res["recall"] > 0.6
    assert main(["eval", "--amlsim", str(AMLSIM), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"precision", "recall", "f1"} and printed["f1"] == res["f1"]


GOOD_NODES = "nodeid,isFraud,init_balance,fraudStep\n1,0,10.0,-1\n2,1,10.0,3\n3,0,10.0,-1\n"
GOOD_TX = "sourceNodeId,targetNodeId,value,time\n1,2,10.0,1\n2,3,12.5,2\n"


@pytest.mark.parametrize(("nodes", "tx", "message"), [
    (GOOD_NODES, "sourceNodeId,targetNodeId,amount,time\n1,2,10.0,1\n",
     r"transactions.csv: line 1: missing column\(s\) value$"),
    ("nodeid,init_balance\n1,10\n", GOOD_TX, r"nodes.csv: line 1: missing column\(s\) isFraud$"),
    (GOOD_NODES, GOOD_TX + "3,1,ten,4\n", r"transactions.csv: line 4, column value: 'ten' is not a number"),
    (GOOD_NODES, GOOD_TX + "3,1,1.0,4.5\n", r"transactions.csv: line 4, column time: '4.5' is not a whole number"),
    (GOOD_NODES, GOOD_TX + "3,,1.0,4\n", r"transactions.csv: line 4, column targetNodeId: empty"),
    (GOOD_NODES + "2,0,10.0,-1\n", GOOD_TX, r"nodes.csv: line 5, column nodeid: '2' is listed twice"),
    (GOOD_NODES + "4,yes,10.0,-1\n", GOOD_TX, r"nodes.csv: line 5, column isFraud: 'yes' is not a whole number"),
    (GOOD_NODES + "4,2,10.0,-1\n", GOOD_TX, r"nodes.csv: line 5, column isFraud: '2' is not 0 or 1"),
    ("", GOOD_TX, r"nodes.csv: the file is empty"),
])
def test_eval_names_file_line_and_column_of_bad_amlsim_input(tmp_path: Path, capsys, nodes: str, tx: str,
                                                             message: str) -> None:
    (tmp_path / "nodes.csv").write_text(nodes)
    (tmp_path / "transactions.csv").write_text(tx)
    with pytest.raises(InputError, match=message):
        evaluate_amlsim(tmp_path)
    assert main(["eval", "--amlsim", str(tmp_path), "--json"]) != 0
    assert "line" in capsys.readouterr().err or "empty" in message


def test_eval_of_a_well_formed_tiny_graph(tmp_path: Path) -> None:
    (tmp_path / "nodes.csv").write_text(GOOD_NODES + "4,0,10.0,-1\n")  # 4 never transacts: counted, not flagged
    (tmp_path / "transactions.csv").write_text(GOOD_TX)
    res = evaluate_amlsim(tmp_path)
    assert res["accounts"] == 4 and res["positives"] == 1 and 0 <= res["flagged"] <= 3


def test_train_registry_versions_and_explanations(tmp_path: Path) -> None:
    steps: list[str] = []  # what the CLI's progress line shows
    info = train(tmp_path / "reg", graphs=training_set(2, 3, accounts=(600, 900), status=steps.append),
                 status=steps.append)
    assert steps == ["generating training graph 1/2", "generating training graph 2/2",
                     "choosing the threshold on held-out graphs", "fitting the model"]
    model, meta = load(tmp_path / "reg")
    assert meta["version"] == info["version"] and meta["features"] == FEATURES
    assert len(meta["training_data_sha256"]) == 64 and 0 < meta["threshold"] < 1
    assert {"precision", "recall", "f1", "min_graph_f1"} <= set(meta["metrics"]["held_out_graphs"])
    x, y, con = training_set(1, 5, accounts=(600, 700))[0]
    p, x2 = model.predict(con, x)
    words = explain(model.b2, x2.iloc[:3])
    assert len(p) == len(x) and all(isinstance(w, str) for ws in words for w in ws)


def test_contributions_per_decision_path_are_lightgbms_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grouped by decision path (one SHAP call per tree and path), the sums are LightGBM's full call."""
    import lightgbm as lgb
    import pandas as pd

    import finassure.engine.explain as explain_module

    con, x, _ = amlsim_connection(AMLSIM)
    model, _ = load(None)
    _, x2 = model.predict(con, x)
    con.close()
    x2 = x2.copy()
    x2.iloc[::7, 0] = 0.0  # zeros and missing values take their own branches (missing_type Zero / NaN)
    x2.iloc[::11, 1] = np.nan
    assert len(x2) >= explain_module.CONTRIB_GROUPED_MIN_ROWS
    full = model.b2.predict(x2, pred_contrib=True)
    with monkeypatch.context() as m:  # the grouped path, not the one full call
        m.setattr(explain_module, "predict_rows", lambda *a, **k: pytest.fail("grouped path not taken"))
        grouped = contributions(model.b2, x2)
    assert grouped.shape == full.shape and np.allclose(grouped, full, rtol=0, atol=1e-12)
    assert not np.allclose(grouped[:, :-1], 0)
    # a model with a categorical split is not grouped: one full call, the same values to the bit
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=3000), "c": rng.integers(0, 5, 3000)})
    yy = ((df["a"] > 0) ^ df["c"].isin([1, 3])).astype(int)
    cat = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 7, "min_data_per_group": 5,
                     "cat_smooth": 1}, lgb.Dataset(df, yy, categorical_feature=["c"]), 20)
    assert np.array_equal(contributions(cat, df), cat.predict(df, pred_contrib=True))


def test_stage2_odd_links_carry_a_counterpartys_score_ordinary_links_do_not() -> None:
    """nbr_odd_score_max: only links at an amount unlike the sender's usual one pass a first-pass score on."""
    import duckdb
    import pandas as pd

    from finassure.engine.models import stage2_features

    con = duckdb.connect()
    # H pays A, B, C its usual 100 and M an odd 15; X pays H its only (so usual) amount
    edges = pd.DataFrame({"src": ["H", "H", "H", "H", "X"], "dst": ["A", "B", "C", "M", "H"],
                          "amount": [100.0, 100.0, 100.0, 15.0, 50.0], "step": [1, 1, 2, 3, 4]})
    con.register("edges", edges)
    accts = ["A", "B", "C", "H", "M", "X"]
    x = pd.DataFrame(0.0, index=accts, columns=FEATURES)
    p1 = np.array([0.1, 0.1, 0.1, 0.9, 0.2, 0.1])
    x2 = stage2_features(con, x, p1)
    odd = x2["nbr_odd_score_max"].to_dict()
    assert odd == {"A": 0.0, "B": 0.0, "C": 0.0, "H": 0.2, "M": 0.9, "X": 0.0}
    # the plain neighbour score does not tell M from A or X: all three touch H
    assert x2.loc[["A", "M", "X"], "nbr_score_max"].tolist() == [0.9, 0.9, 0.9]


def test_training_is_reproducible_whatever_order_duckdb_returns_accounts(tmp_path: Path) -> None:
    """Same recipe, same training-data digest and the same trees (bagging draws rows by position)."""
    graphs = training_set(2, 3, accounts=(600, 900))
    assert all(x.index.is_monotonic_increasing for x, _, _ in graphs)
    con, x, _ = amlsim_connection(AMLSIM)
    con.close()
    assert x.index.is_monotonic_increasing
    first = train(tmp_path / "a", graphs=graphs)
    second = train(tmp_path / "b", graphs=[(x.sample(frac=1, random_state=0), y, c) for x, y, c in graphs])
    assert first["training_data_sha256"] != second["training_data_sha256"]  # shuffled rows: another digest
    again = train(tmp_path / "c", graphs=training_set(2, 3, accounts=(600, 900)))
    assert again["training_data_sha256"] == first["training_data_sha256"]
    model_text = [(Path(r["path"]) / "model2.txt").read_text("utf-8").split("parameters:")[0] for r in (first, again)]
    assert model_text[0] == model_text[1]


def test_train_with_amlsim_cross_validates_inside_it_by_ring(tmp_path: Path) -> None:
    con, x, y = amlsim_connection(AMLSIM)
    fold = ring_folds(con, x, y)
    pairs = con.execute("SELECT CAST(src AS VARCHAR) s, CAST(dst AS VARCHAR) d FROM edges WHERE amount < 100").df()
    at = dict(zip(x.index, fold, strict=True))
    lab = dict(zip(x.index, y, strict=True))
    ring = pairs[pairs["s"].map(lab).eq(1) & pairs["d"].map(lab).eq(1)]
    # laundering rings stay in one fold (all of them on the full dev graph; this cut keeps fewer transfers
    # per sender, so a few senders' "usual amount" is their laundering one)
    assert len(ring) and (ring["s"].map(at) == ring["d"].map(at)).mean() > 0.9
    assert set(fold) == set(range(5)) and min(np.bincount(fold[y.to_numpy() == 1])) > 0
    steps: list[str] = []
    info = train(tmp_path / "reg", graphs=training_set(2, 3, accounts=(600, 900)), amlsim=(x, y, con),
                 status=steps.append)
    assert steps == ["cross-validating on the labelled AMLSim graph", "fitting the model"]
    oof = info["metrics"]["amlsim_out_of_fold"]
    assert 0 < info["threshold"] < 1 and len(oof["fold_f1"]) == 5 and oof["f1"] > 0.5
    assert info["graphs"] == 3 and info["positives"] > int(y.sum()) and info["training_source"] == "generated"


def test_run_with_model_adds_explained_alerts(tmp_path: Path) -> None:
    generate(tmp_path / "g.parquet", rows=30_000, seed=2)
    res = run(tmp_path / "g.parquet", tmp_path / "out", rule_ids=["pboc_lv_cash"], model="default")
    ml = res.alerts[res.alerts["rule_id"] == "ml_account_risk"]
    assert res.manifest["model"]["version"] == load()[1]["version"]
    assert res.alerts["model_score"].notna().all()
    assert len(ml) > 0 and all(len(x) > 0 for x in ml["top_features"])
    first = ml.iloc[0]
    assert "Model risk" in first["explanation"] and first["top_features"][0] in first["explanation"]
    # the Chinese explanation names the same contributions in Chinese, not in English
    assert first["explanation_zh"].startswith("模型风险评分")
    assert not any(words in first["explanation_zh"] for words in ALL_NAMES.values())
    assert sum(words in first["explanation_zh"] for words in ALL_NAMES_ZH.values()) == len(first["top_features"])


def test_run_with_model_when_no_rule_fires(tmp_path: Path) -> None:
    """The model's alerts alone, with the dtypes they have beside rule alerts (no deprecated empty concat)."""
    import warnings

    generate(tmp_path / "g.parquet", rows=20_000, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        res = run(tmp_path / "g.parquet", tmp_path / "out", rule_ids=["round_amounts"], model="default")
    assert res.manifest["counts"]["by_rule"].get("round_amounts", 0) == 0
    assert len(res.alerts) > 0 and set(res.alerts["rule_id"]) == {"ml_account_risk"}
    assert res.alerts["score"].dtype == np.float64 and res.alerts["txn_count"].dtype == np.int64


def test_every_feature_has_words_in_both_languages() -> None:
    assert list(ALL_NAMES) == list(ALL_NAMES_ZH) == FEATURES + list(STAGE2)
    assert all(v and k not in v for k, v in ALL_NAMES_ZH.items())


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_score_transaction_decisions(backend: str) -> None:
    state = MemoryState() if backend == "memory" else RedisState(prefix="finassure:enginetest:")
    if isinstance(state, RedisState):
        state.clear()
    s = Scorer(state=state)
    base = {"ts": "2026-03-02T10:00:00+08:00", "account_id": "A", "customer_id": "C", "customer_type": "individual",
            "direction": "in", "currency": "CNY", "channel": "cash"}
    assert s.score({**base, "txn_id": "1", "amount": 30000})["decision"] == "pass"
    r = s.score({**base, "txn_id": "2", "amount": 20000})
    assert r["decision"] == "review" and [h["rule_id"] for h in r["hits"]] == ["pboc_lv_cash"]
    t = {**base, "channel": "transfer", "counterparty_country": "KP", "direction": "out", "amount": 480000}
    r = s.score({**t, "txn_id": "3"})
    assert {h["rule_id"] for h in r["hits"]} >= {"high_risk_geography"} and r["decision"] in {"review", "block"}
    with pytest.raises(ValueError, match="time zone"):
        s.score({**base, "ts": "2026-03-02T10:00:00", "amount": 1})
    if isinstance(state, RedisState):
        state.clear()


def test_anomaly_scores_without_labels_or_model(tmp_path: Path, capsys) -> None:
    """No labels, no model: `run --model none --anomaly` scores every account's strangeness, reproducibly."""
    data = tmp_path / "g.parquet"
    generate(data, rows=30_000, seed=4)
    run(data, tmp_path / "plain", rule_ids=["pboc_lv_cash", "fan_in"])
    assert main(["run", "--input", str(data), "--out", str(tmp_path / "a"), "--rules", "pboc_lv_cash,fan_in",
                 "--model", "none", "--anomaly"]) == 0
    assert "account scores →" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text("utf-8"))
    assert manifest["model"] is None and manifest["anomaly"]["method"] == "IsolationForest"
    acc = pq.read_table(tmp_path / "a" / "accounts.parquet").to_pandas()
    assert list(acc.columns) == ["account_id", "anomaly_score"] and acc["account_id"].is_unique
    assert manifest["anomaly"]["accounts"] == len(acc) and acc["anomaly_score"].between(0, 1).all()
    assert manifest["outputs_sha256"]["accounts.parquet"]
    # the rules' alerts are untouched by the anomaly score
    again = (tmp_path / "a" / "alerts.jsonl").read_text("utf-8")
    assert again == (tmp_path / "plain" / "alerts.jsonl").read_text("utf-8")
    # laundering accounts look stranger than the rest
    legs = pq.read_table(data, columns=["account_id", "is_laundering"]).to_pandas()
    bad = set(legs.loc[legs["is_laundering"] == 1, "account_id"])
    strange = acc.set_index("account_id")["anomaly_score"]
    assert strange[strange.index.isin(bad)].mean() > strange[~strange.index.isin(bad)].mean()
    # a second run gives the same scores, byte for byte
    assert main(["run", "--input", str(data), "--out", str(tmp_path / "b"), "--rules", "pboc_lv_cash,fan_in",
                 "--model", "none", "--anomaly", "--json"]) == 0
    assert (tmp_path / "b" / "accounts.parquet").read_bytes() == (tmp_path / "a" / "accounts.parquet").read_bytes()


def test_a_model_run_writes_every_accounts_score(tmp_path: Path) -> None:
    data = tmp_path / "g.parquet"
    generate(data, rows=20_000, seed=6)
    res = run(data, tmp_path / "o", rule_ids=["pboc_lv_cash"], model="default", anomaly=True)
    acc = pq.read_table(tmp_path / "o" / "accounts.parquet").to_pandas().set_index("account_id")
    assert list(acc.columns) == ["model_score", "flagged", "anomaly_score"]
    ml = res.alerts[res.alerts["rule_id"] == "ml_account_risk"]
    assert set(ml["account_id"]) <= set(acc.index[acc["flagged"]])
    assert (acc.loc[ml["account_id"], "model_score"].round(4).to_numpy() == ml["model_score"].astype(float)).all()


def test_a_model_version_trained_on_fewer_features_still_scores(tmp_path: Path, monkeypatch) -> None:
    """A registry keeps older versions (shadow comparisons load them): they predict on their own features."""
    from finassure.engine import models

    graphs = training_set(2, 3, accounts=(600, 900))
    older = FEATURES[:-2]
    monkeypatch.setattr(models, "FEATURES", older)
    monkeypatch.setattr(models, "ALL_NAMES", {k: v for k, v in ALL_NAMES.items() if k not in FEATURES[-2:]})
    train(tmp_path / "reg", graphs=graphs)
    monkeypatch.undo()
    model, meta = load(tmp_path / "reg")
    assert meta["features"] == older
    x, _, con = training_set(1, 5, accounts=(600, 700))[0]
    p, x2 = model.predict(con, x)
    assert len(p) == len(x) and list(x2.columns) == older + list(STAGE2)
    with pytest.raises(ValueError, match="needs feature"):
        model.predict(con, x.drop(columns=["relay"]))


def test_the_model_step_lets_the_run_drop_its_input_table(tmp_path: Path) -> None:
    """ScoringInput copies out what the model needs; neither it nor the rules' backend keeps the whole table."""
    import gc
    import weakref

    import pyarrow as pa

    from finassure.engine.backends.duckdb_backend import DuckDBBackend
    from finassure.engine.ingest import load_input
    from finassure.engine.models import ScoringInput, score_accounts

    generate(tmp_path / "g.parquet", rows=20_000, seed=6)
    table, _ = load_input(tmp_path / "g.parquet", as_run=True)
    expected = score_accounts(table, None, anomaly=False)
    be = DuckDBBackend()
    be.load(table)
    be.close()
    inp = ScoringInput(table)
    first = table.slice(0, 1).to_pylist()[0]
    # an account named with two customers keeps its last row's, as before the split
    twice = pa.concat_tables([table, table.slice(0, 1).set_column(
        table.schema.get_field_index("customer_id"), table.schema.field("customer_id"), pa.array(["C-LAST"]))])
    assert ScoringInput(twice).customers(pa.array([first["account_id"]])) == {first["account_id"]: "C-LAST"}
    gone = weakref.ref(table)
    del table, twice
    gc.collect()
    assert gone() is None, "the input table is still referenced"
    assert inp.customers(pa.array([first["account_id"]])) == {first["account_id"]: first["customer_id"]}
    got = score_accounts(inp, None, anomaly=False).sort_index()
    expected = expected.sort_index()
    assert got["model_score"].equals(expected["model_score"]) and got["flagged"].sum() > 0
    assert got["top_features"].equals(expected["top_features"])


def test_a_missing_model_folder_is_named_in_the_error(tmp_path: Path) -> None:
    from finassure.engine.models import load

    with pytest.raises(FileNotFoundError, match="nowhere: no model version folder or registry there"):
        load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="empty: no model versions"):
        load(tmp_path / "empty")
