"""Engine test fixtures: no Django, no database; one SparkSession per test run."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finassure.engine.schema import CANONICAL_COLUMNS

DATA = Path(__file__).parent / "data"


def row(txn_id: str, ts: str, customer: str, amount: float | str, *, account: str | None = None,
        ctype: str = "individual", direction: str = "in", currency: str = "CNY", channel: str = "cash",
        cp: str = "", country: str = "", cross_border: str = "") -> dict[str, Any]:
    return {"txn_id": txn_id, "ts": ts, "account_id": account or f"A-{customer}", "customer_id": customer,
            "customer_type": ctype, "direction": direction, "amount": amount, "currency": currency,
            "channel": channel, "counterparty_account_id": cp, "counterparty_bank": "", "counterparty_country": country,
            "cross_border": cross_border}


def write_csv(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = CANONICAL_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def large_value_rows() -> list[dict[str, Any]]:
    """Hand-made cases for the four PBOC criteria, each with a hit, a near miss and a trap."""
    d = "2026-03-02"
    return [
        # cash: two deposits summing to exactly 50,000 on the same local day (16:30Z is 00:30 on 03-03 local)
        row("c1", "2026-03-02T16:30:00Z", "CASH1", 30000), row("c2", "2026-03-03T09:00:00+08:00", "CASH1", 20000),
        # cash: 49,999.99 → no alert; a withdrawal on the same day is the other side
        row("c3", f"{d}T10:00:00+08:00", "CASH2", 49999.99),
        row("c4", f"{d}T11:00:00+08:00", "CASH2", 40000, direction="out"),
        row("c5", f"{d}T12:00:00+08:00", "CASH2", 10000, direction="out"),
        # cash in USD: 10,000 USD hits the USD threshold; UTC day differs from local day
        row("c6", f"{d}T20:00:00-05:00", "CASH3", 10000, currency="USD"),
        # entity transfers: 2,000,000 CNY out in two payments; 1,999,999 in → no alert
        row("e1", f"{d}T09:00:00+08:00", "ENT1", 1500000, ctype="entity", direction="out", channel="transfer",
            cp="X1", country="CN"),
        row("e2", f"{d}T15:00:00+08:00", "ENT1", 500000, ctype="entity", direction="out", channel="transfer",
            cp="X2", country="CN"),
        row("e3", f"{d}T15:00:00+08:00", "ENT1", 1999999, ctype="entity", direction="in", channel="transfer",
            cp="X3", country="CN"),
        # individual domestic: 500,000 in → hit; individual cross-border: 200,000 CNY out to HK → hit
        row("i1", f"{d}T09:00:00+08:00", "IND1", 500000, channel="transfer", cp="Y1", country="CN"),
        row("i2", f"{d}T09:00:00+08:00", "IND2", 200000, direction="out", channel="transfer", cp="Y2", country="HK"),
        # cross-border in USD: 9,999 USD → miss; 10,000 EUR (≈ 11,549 USD) → hit via the USD equivalent
        row("i3", f"{d}T10:00:00+08:00", "IND3", 9999, direction="out", currency="USD", channel="transfer",
            cp="Y3", country="US"),
        row("i4", f"{d}T10:00:00+08:00", "IND4", 10000, direction="out", currency="EUR", channel="transfer",
            cp="Y4", country="DE"),
        # explicit cross_border flag wins over an empty country
        row("i5", f"{d}T10:00:00+08:00", "IND5", 250000, channel="card", cross_border="true"),
    ]


@pytest.fixture
def lv_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "lv.csv", large_value_rows())


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    import logging

    from finassure.engine.backends.spark_backend import make_session

    logging.getLogger("py4j").setLevel(logging.ERROR)
    session = make_session("local[2]", app="finassure-engine-tests")
    yield session
    session.stop()


def behaviour_rows() -> list[dict[str, Any]]:
    """Dormancy, round amounts and a gather-scatter hub, which random data rarely produces."""
    rows = [row("d1", "2025-06-01T10:00:00+08:00", "DORM", 100, channel="transfer", cp="Z0", country="CN"),
            row("d2", "2026-02-01T10:00:00+08:00", "DORM", 80000, channel="transfer", cp="Z0", country="CN")]
    rows += [row(f"r{i}", f"2026-02-02T1{i}:00:00+08:00", "ROUND", 20000, direction="out",
                 channel="transfer", cp=f"Z{i}", country="CN") for i in range(5)]
    rows += [row(f"g{i}", "2026-02-10T10:00:00+08:00", "HUB", 5000, channel="transfer", cp=f"S{i}", country="CN")
             for i in range(6)]
    rows += [row(f"h{i}", "2026-02-10T15:00:00+08:00", "HUB", 4500, direction="out", channel="transfer",
                 cp=f"R{i}", country="CN") for i in range(6)]
    for i in range(3):  # scatter-gather: SGO pays three intermediaries, each pays SGB the next day
        rows.append(row(f"s{i}", "2026-02-20T10:00:00+08:00", f"SGM{i}", 9000, account=f"SGM{i}",
                        channel="transfer", cp="SGO", country="CN"))
        rows.append(row(f"t{i}", "2026-02-21T10:00:00+08:00", f"SGM{i}", 8800, account=f"SGM{i}",
                        direction="out", channel="transfer", cp="SGB", country="CN"))
    return rows


@pytest.fixture(scope="session")
def conformance_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hand-made cases plus a small generated dataset: every rule fires at least once."""
    import pandas as pd

    from finassure.engine.generate import canonical, graph

    folder = tmp_path_factory.mktemp("conformance")
    gen = canonical(graph(1500, 9000, seed=3, steps=60), seed=3).to_pandas()
    gen["ts"] = gen["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    gen = gen[list(CANONICAL_COLUMNS)].astype(object).where(gen[list(CANONICAL_COLUMNS)].notna(), "")
    hand = pd.DataFrame(large_value_rows() + behaviour_rows())
    path = folder / "conformance.csv"
    pd.concat([hand, gen], ignore_index=True).to_csv(path, index=False)
    return path
