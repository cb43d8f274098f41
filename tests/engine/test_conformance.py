"""Conformance: every rule gives identical alerts on DuckDB and on Spark local[2]; SQL snapshots hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finassure.engine.rules import load_rules
from finassure.engine.rules.snapshots import stale
from finassure.engine.run import run

COLS = ["alert_id", "rule_id", "customer_id", "account_id", "date", "direction", "currency", "value",
        "threshold", "txn_count", "txn_ids", "score", "explanation"]


def test_sql_snapshots_are_current() -> None:
    assert stale() == [], "rule SQL changed: review and run python -m finassure.engine.rules.snapshots"


@pytest.mark.spark
def test_every_rule_identical_on_duckdb_and_spark(conformance_input: Path, tmp_path: Path, spark: Any) -> None:
    ids = [r.id for r in load_rules()]
    duck = run(conformance_input, tmp_path / "duck", rule_ids=ids, backend="duckdb")
    sprk = run(conformance_input, tmp_path / "spark", rule_ids=ids, backend="spark", spark_session=spark)
    d = duck.alerts[COLS].to_dict("records")
    s = sprk.alerts[COLS].to_dict("records")
    for rid in ids:
        assert [a for a in d if a["rule_id"] == rid] == [a for a in s if a["rule_id"] == rid], rid
    fired = {a["rule_id"] for a in d}
    assert fired == set(ids), f"rules without any alert in the conformance data: {set(ids) - fired}"
    assert sprk.manifest["backend"] == "spark"
