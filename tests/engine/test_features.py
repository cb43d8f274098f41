"""Account features: one SQL definition, identical on DuckDB and Spark; they separate laundering accounts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from finassure.engine.backends.duckdb_backend import (
    DuckDBBackend,
    connect,
    spill_directory,
    staged_statements,
)
from finassure.engine.features import (
    FEATURE_DECIMALS,
    FEATURE_SQL,
    FEATURES,
    account_features,
    features_spark,
    legs_features,
)
from finassure.engine.generate import canonical, graph


def _edges(seed: int = 4, n: int = 1200) -> tuple[pd.DataFrame, np.ndarray]:
    g = graph(n, 6 * n, seed=seed)
    e = pd.DataFrame({"src": g.src.astype(str), "dst": g.dst.astype(str), "amount": g.amount, "step": g.step})
    return e, g.fraud


@pytest.mark.spark
def test_features_identical_on_duckdb_and_spark(spark: Any, tmp_path: Path) -> None:
    e, _ = _edges(n=400)
    duck = account_features(e).sort_index()
    sprk = features_spark(spark, spark.createDataFrame(e)).sort_index()
    assert list(duck.index) == list(sprk.index) and list(duck.columns) == FEATURES
    # both are rounded to FEATURE_DECIMALS: a last-bit difference next to a rounding step moves one 1e-9 unit
    np.testing.assert_allclose(duck.to_numpy(), sprk.to_numpy(), rtol=1e-9, atol=2 * 10.0 ** -FEATURE_DECIMALS)


def test_features_separate_laundering_accounts() -> None:
    e, fraud = _edges(seed=6)
    f = account_features(e)
    y = pd.Series(fraud, index=np.arange(len(fraud)).astype(str)).reindex(f.index)
    odd = (f["multi_share"] > 0) | (f["out_off_habit"] > 0.05)
    # the laundering members that transacted stand out; ordinary accounts rarely look odd
    assert odd[y == 1].mean() > 0.3 and odd[y == 0].mean() < 0.2
    assert f.shape[1] == len(FEATURES) and not f.isna().any().any()


def test_features_from_canonical_legs_match_edges() -> None:
    g = graph(800, 4000, seed=2, steps=60)
    t = canonical(g, seed=2)
    import pyarrow.compute as pc

    from finassure.engine.ingest import load_input  # noqa: F401  (the canonical table needs cny/local_date)

    t = t.append_column("amount_cny", t.column("amount")).append_column(
        "local_date", pc.cast(t.column("ts"), "date32"))
    f = legs_features(t)
    assert {f"A{i}" for i in np.flatnonzero(g.fraud)} & set(f.index)
    assert f.shape[1] == len(FEATURES)


def test_staged_statements_rename_table_references_only() -> None:
    sql = """WITH a AS (SELECT src, COUNT(*) AS n FROM edges GROUP BY src),
b AS (SELECT a.src, x.n FROM a JOIN a x ON x.src = a.src WHERE a.n > (SELECT MIN(n) FROM a)),
c AS (SELECT src FROM b AS bb UNION SELECT src FROM b)
SELECT c.src, med.m FROM c CROSS JOIN (SELECT 1 AS m) med"""
    stmts, final = staged_statements(sql, "_t_")
    assert [n for n, _, _ in stmts] == ["a", "b", "c"]
    assert stmts[0][1] == ("CREATE OR REPLACE TEMP TABLE _t_a AS SELECT src, COUNT(*) AS n FROM edges GROUP BY src")
    # an unaliased reference keeps its CTE name as alias; an aliased one keeps its alias; columns are untouched
    assert "FROM _t_a AS a JOIN _t_a x ON x.src = a.src" in stmts[1][1] and "MIN(n) FROM _t_a AS a" in stmts[1][1]
    assert "FROM _t_b AS bb UNION SELECT src FROM _t_b AS b" in stmts[2][1]
    assert final == "SELECT c.src, med.m FROM _t_c AS c CROSS JOIN (SELECT 1 AS m) med"
    # each staged table is dropped after its last reader: a after b, b after c
    assert [d for _, _, d in stmts] == [[], ["_t_a"], ["_t_b"]]


@pytest.mark.parametrize("sql", ["SELECT 1", "WITH a AS (SELECT (1) SELECT 1", "WITH SELECT 1"])
def test_staged_statements_refuse_what_they_cannot_split(sql: str) -> None:
    with pytest.raises(ValueError):
        staged_statements(sql, "_t_")


def test_staged_features_equal_the_single_statement() -> None:
    e, _ = _edges(seed=5, n=1500)
    con = duckdb.connect()
    con.register("edges", e)
    single = con.execute(FEATURE_SQL).df().set_index("acct").sort_index()[FEATURES]
    staged = account_features(e).sort_index()
    assert list(single.index) == list(staged.index)
    np.testing.assert_allclose(staged.to_numpy(), single.to_numpy(), rtol=1e-12, atol=2 * 10.0 ** -FEATURE_DECIMALS)
    # rounded, so that parallel float sums adding up in another order cannot move a score between runs
    assert (staged.to_numpy() == np.round(staged.to_numpy(), FEATURE_DECIMALS)).all()
    assert not (single.to_numpy() == np.round(single.to_numpy(), FEATURE_DECIMALS)).all()
    # nothing staged is left behind in the connection
    assert not con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_fs\\_%' ESCAPE '\\'").fetchall()


def test_features_spill_under_a_small_memory_limit(tmp_path, monkeypatch) -> None:
    # 1M transfers at 200 MB: as one statement (the shared CTEs and several join build sides in memory together)
    # DuckDB ran out of memory at 150 MB here; staged into temp tables every step spills. The staged query
    # needs ≈ 110–130 MB (at 110 MB one run in three failed), so 150 MB failed once in CI (2026-12-06):
    # 200 MB leaves a margin. The spill goes to the connection's own folder under FINASSURE_DUCKDB_TEMP, not to
    # DuckDB's default ./.tmp in the working directory (which the xdist workers shared)
    monkeypatch.setenv("FINASSURE_DUCKDB_TEMP", str(tmp_path / "spill"))
    (tmp_path / "spill").mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    rng = np.random.default_rng(0)
    n = 1_000_000
    e = pd.DataFrame({"src": "A" + pd.Series(rng.integers(0, n // 10, n)).astype(str),
                      "dst": "A" + pd.Series(rng.integers(0, n // 10, n)).astype(str),
                      "amount": np.round(rng.lognormal(6, 1.5, n), 2), "step": rng.integers(0, 150, n)})
    con = connect(memory_limit="200MB")
    f = account_features(e, con)
    assert len(f) == pd.concat([e["src"], e["dst"]]).nunique() and not f.isna().any().any()
    assert (f["amt_rank_min"] >= 0).all() and (f["amt_rank_mean"] <= 1).all()
    # DuckDB made the connection's spill folder, so it did spill (not so at 2 GB); nothing in the working directory
    (own,) = (tmp_path / "spill").iterdir()
    assert own.name.startswith("finassure-duckdb-") and any(own.iterdir())
    assert list((tmp_path / "cwd").iterdir()) == []
    con.close()
    assert list((tmp_path / "spill").iterdir()) == []  # DuckDB removes the folder it made


def test_each_connection_spills_to_its_own_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FINASSURE_DUCKDB_TEMP", str(tmp_path))
    backend = DuckDBBackend()
    con = connect()
    folders = [Path(c.execute("SELECT current_setting('temp_directory')").fetchone()[0]) for c in (backend.con, con)]
    assert folders[0] != folders[1] and {f.parent for f in folders} == {tmp_path}
    backend.close()
    con.close()
    monkeypatch.delenv("FINASSURE_DUCKDB_TEMP")
    assert spill_directory().parent == Path(tempfile.gettempdir())


def test_two_way_and_three_account_cycle_features() -> None:
    """Counted on distinct pairs, time ignored; a cycle is not counted through a hub in the account's next step."""
    pairs = [("a", "b"), ("b", "a"), ("a", "c"), ("c", "d"), ("d", "a")]
    f = account_features(pd.DataFrame({"src": [s for s, _ in pairs], "dst": [d for _, d in pairs],
                                       "amount": 100.0, "step": 1}))
    # a: counterparties b, c, d; two-way with b; one cycle a→c→d→a
    assert f.loc["a", "two_way_share"] == round(1 / 3, FEATURE_DECIMALS)
    assert f.loc["a", "cycle3"] == round(1 / 3, FEATURE_DECIMALS)
    assert f.loc["b", "two_way_share"] == 1.0 and f.loc["b", "cycle3"] == 0.0
    assert f.loc["c", "cycle3"] == 0.5 and f.loc["c", "two_way_share"] == 0.0
    # x → h → y → x where h pays 12 others: the median account has one counterparty, so h (14) is a hub
    hub = [("x", "h"), ("h", "y"), ("y", "x")] + [("h", f"l{i}") for i in range(12)]
    f = account_features(pd.DataFrame({"src": [s for s, _ in hub], "dst": [d for _, d in hub],
                                       "amount": 100.0, "step": 1}))
    assert f.loc["x", "cycle3"] == 0.0  # its cycle runs through the hub next
    assert f.loc["y", "cycle3"] == 0.5 and f.loc["h", "cycle3"] == round(1 / 14, FEATURE_DECIMALS)
