"""Account features: one SQL definition, identical on DuckDB and Spark; they separate laundering accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from finassure.engine.features import FEATURES, account_features, features_spark, legs_features
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
    np.testing.assert_allclose(duck.to_numpy(), sprk.to_numpy(), rtol=1e-9, atol=1e-12)


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
