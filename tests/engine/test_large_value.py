"""The four PBOC large-value criteria on DuckDB: thresholds (≥), sides, currencies, local days."""

from __future__ import annotations

from pathlib import Path

import pytest

from finassure.engine.rules import RuleError, load_rules, select
from finassure.engine.run import run

LV = ["pboc_lv_cash", "pboc_lv_entity_transfer", "pboc_lv_individual_domestic", "pboc_lv_individual_crossborder"]


@pytest.fixture
def alerts(lv_csv: Path, tmp_path: Path) -> list[dict]:
    res = run(lv_csv, tmp_path / "out", rule_ids=LV)
    return res.alerts.to_dict("records")


def keyed(alerts: list[dict]) -> dict[tuple, dict]:
    return {(a["rule_id"], a["customer_id"], a["date"], a["direction"], a["currency"]): a for a in alerts}


def test_exact_alert_set(alerts: list[dict]) -> None:
    assert set(keyed(alerts)) == {
        ("pboc_lv_cash", "CASH1", "2026-03-03", "in", "CNY"),
        ("pboc_lv_cash", "CASH2", "2026-03-02", "out", "CNY"),
        ("pboc_lv_cash", "CASH3", "2026-03-03", "in", "USD"),
        ("pboc_lv_entity_transfer", "ENT1", "2026-03-02", "out", "CNY"),
        ("pboc_lv_individual_domestic", "IND1", "2026-03-02", "in", "CNY"),
        ("pboc_lv_individual_crossborder", "IND2", "2026-03-02", "out", "CNY"),
        ("pboc_lv_individual_crossborder", "IND4", "2026-03-02", "out", "USD"),
        ("pboc_lv_individual_crossborder", "IND5", "2026-03-02", "in", "CNY"),
    }


def test_alert_content(alerts: list[dict]) -> None:
    k = keyed(alerts)
    cash = k[("pboc_lv_cash", "CASH1", "2026-03-03", "in", "CNY")]
    assert cash["value"] == 50000.0 and cash["threshold"] == 50000.0 and cash["txn_ids"] == ["c1", "c2"]
    assert cash["account_id"] == "A-CASH1" and 0 < cash["score"] < 1
    assert "50,000.00 CNY" in cash["explanation"] and "现金收入" in cash["explanation_zh"]
    out = k[("pboc_lv_cash", "CASH2", "2026-03-02", "out", "CNY")]
    assert out["txn_ids"] == ["c4", "c5"] and out["value"] == 50000.0
    eur = k[("pboc_lv_individual_crossborder", "IND4", "2026-03-02", "out", "USD")]
    assert eur["value"] == pytest.approx(11549.30, abs=0.01) and eur["threshold"] == 10000.0


def test_reparameterised_without_code(lv_csv: Path, tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    text = (Path(__file__).parents[2] / "finassure/engine/rules/scenarios.yaml").read_text("utf-8")
    rules_file.write_text(text.replace("cny_threshold: 50000", "cny_threshold: 40000"), "utf-8")
    res = run(lv_csv, tmp_path / "out", rule_ids=["pboc_lv_cash"], rules_file=rules_file)
    customers = {(a["customer_id"], a["direction"]) for a in res.alerts.to_dict("records")}
    assert ("CASH2", "in") in customers  # 49,999.99 now over 40,000
    assert res.manifest["rules"][0]["params"]["cny_threshold"] == 40000


def test_disabled_rules_do_not_run_and_unknown_ids_fail() -> None:
    rules = load_rules(overrides={"pboc_lv_cash": {"enabled": False}})
    assert "pboc_lv_cash" not in [r.id for r in select(rules, None)]
    with pytest.raises(RuleError, match="unknown rule id"):
        select(rules, ["nope"])


def test_hand_written_baseline_finds_the_same_days_and_ids(lv_csv: Path, tmp_path: Path) -> None:
    """The benchmark's hand-written SQL (the 1.5× baseline) computes the same four criteria as the rules."""
    from finassure.engine.backends.duckdb_backend import DuckDBBackend
    from finassure.engine.bench import HAND_SQL
    from finassure.engine.ingest import load_input

    rules = {(a["rule_id"], a["customer_id"], a["date"], a["direction"], a["currency"]): (a["value"], a["txn_ids"])
             for a in run(lv_csv, tmp_path / "out", rule_ids=LV).alerts.to_dict("records")}
    table, _ = load_input(lv_csv)
    be = DuckDBBackend()
    try:
        be.load(table)
        hand = {(r["rule_id"], r["customer_id"], str(r["local_date"])[:10], r["direction"], r["unit"]):
                (r["total"] / 100, sorted(r["ids"])) for r in be.query(HAND_SQL).to_dict("records")}
    finally:
        be.close()
    assert len(rules) == 8 and hand == rules
