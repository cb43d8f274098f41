"""Typology and behaviour rules on DuckDB: each fires on its pattern and names the right accounts."""

from __future__ import annotations

from pathlib import Path

from finassure.engine.run import run
from tests.engine.conftest import behaviour_rows, row, write_csv


def _cycle_rows() -> list[dict]:
    accts = ["K1", "K2", "K3"]
    rows = []
    for i, a in enumerate(accts):
        nxt = accts[(i + 1) % 3]
        rows.append(row(f"k{i}o", f"2026-02-0{i + 1}T10:00:00+08:00", a, 30000 - i * 100, account=a,
                        direction="out", channel="transfer", cp=nxt, country="CN"))
        rows.append(row(f"k{i}i", f"2026-02-0{i + 1}T10:00:00+08:00", nxt, 30000 - i * 100, account=nxt,
                        channel="transfer", cp=a, country="CN"))
    # not a cycle: K9 pays K8 back 19 days later, beyond the 240-hour gap between hops
    rows.append(row("x1", "2026-02-01T10:00:00+08:00", "K8", 5000, account="K8", direction="out",
                    channel="transfer", cp="K9", country="CN"))
    rows.append(row("x2", "2026-02-20T10:00:00+08:00", "K9", 5000, account="K9", direction="out",
                    channel="transfer", cp="K8", country="CN"))
    # a four-hop cycle whose amount shrinks a little at each hop (fees): found
    for i, (a, b, amt) in enumerate([("M1", "M2", 20000), ("M2", "M3", 19500), ("M3", "M4", 19000),
                                     ("M4", "M1", 18800)]):
        rows.append(row(f"m{i}", f"2026-03-0{i + 1}T10:00:00+08:00", a, amt, account=a, direction="out",
                        channel="transfer", cp=b, country="CN"))
    # not a cycle of the same money: the middle hop carries a sixth of the amount (beyond the ±25 % tolerance)
    for i, (a, b, amt) in enumerate([("L1", "L2", 30000), ("L2", "L3", 5000), ("L3", "L1", 5000)]):
        rows.append(row(f"l{i}", f"2026-03-0{i + 1}T10:00:00+08:00", a, amt, account=a, direction="out",
                        channel="transfer", cp=b, country="CN"))
    return rows


def test_typologies_fire_on_their_patterns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", behaviour_rows() + _cycle_rows())
    res = run(path, tmp_path / "out")
    by_rule: dict[str, set[str]] = {}
    for a in res.alerts.to_dict("records"):
        by_rule.setdefault(a["rule_id"], set()).add(a["account_id"])
    assert by_rule["cycles"] == {"K1", "K2", "K3", "M1", "M2", "M3", "M4"}
    assert by_rule["dormant_reactivated"] == {"A-DORM"}
    assert by_rule["round_amounts"] == {"A-ROUND"}
    assert by_rule["gather_scatter"] == {"A-HUB"}
    assert by_rule["scatter_gather"] == {"SGO", "SGB"}
    cyc = [a for a in res.alerts.to_dict("records") if a["rule_id"] == "cycles" and a["account_id"] == "K1"][0]
    assert cyc["txn_ids"] == ["k0o", "k1o", "k2o"] and "cycle" in cyc["explanation"]
    four = [a for a in res.alerts.to_dict("records") if a["rule_id"] == "cycles" and a["account_id"] == "M3"][0]
    assert four["txn_ids"] == ["m0", "m1", "m2", "m3"] and four["txn_count"] == 1


def test_pass_through_and_structuring(tmp_path: Path) -> None:
    rows = [row("p1", "2026-02-01T10:00:00+08:00", "PT", 100000, channel="transfer", cp="Q1", country="CN"),
            row("p2", "2026-02-01T20:00:00+08:00", "PT", 98000, direction="out", channel="transfer", cp="Q2",
                country="CN"),
            row("p3", "2026-02-03T10:00:00+08:00", "PT", 50000, channel="transfer", cp="Q1", country="CN"),
            row("p4", "2026-02-04T09:00:00+08:00", "PT", 49000, direction="out", channel="transfer", cp="Q3",
                country="CN"),
            row("p5", "2026-02-10T09:00:00+08:00", "SLOW", 50000, channel="transfer", cp="Q1", country="CN"),
            row("p6", "2026-02-20T09:00:00+08:00", "SLOW", 50000, direction="out", channel="transfer", cp="Q1",
                country="CN"),
            row("s1", "2026-02-01T09:00:00+08:00", "SMURF", 48000), row("s2", "2026-02-01T15:00:00+08:00", "SMURF", 47000),
            row("s3", "2026-02-01T09:00:00+08:00", "HONEST", 30000)]
    res = run(write_csv(tmp_path / "p.csv", rows), tmp_path / "out", rule_ids=["pass_through", "structuring_cash"])
    got = {(a["rule_id"], a["customer_id"]): a for a in res.alerts.to_dict("records")}
    assert set(got) == {("pass_through", "PT"), ("structuring_cash", "SMURF")}
    assert got[("pass_through", "PT")]["txn_ids"] == ["p1", "p2", "p3", "p4"]
    assert got[("structuring_cash", "SMURF")]["value"] == 95000.0


def test_fan_out_windows_are_whole_local_days(tmp_path: Path) -> None:
    # 2026-01-01 (a window's first day): 11 payments before 08:00 local (still 2025-12-31 in UTC) and 11 after.
    # Windows cut at UTC midnight made two windows both dated 2026-01-01 with the same alert id, and one was
    # dropped as a duplicate; windows of whole local days keep all 22 receivers in one alert.
    rows = [row(f"f{i}", f"2026-01-01T0{i % 8}:{i:02d}:00+08:00" if i < 11 else f"2026-01-01T1{i % 10}:00:00+08:00",
                "FO", 2000, account="FO", direction="out", channel="transfer", cp=f"R{i}", country="CN")
            for i in range(22)]
    # the next window (2026-01-08 to 01-14) is a second alert, dated by its first active day
    rows += [row(f"g{i}", "2026-01-09T10:00:00+08:00", "FO", 2000, account="FO", direction="out",
                 channel="transfer", cp=f"S{i}", country="CN") for i in range(10)]
    res = run(write_csv(tmp_path / "t.csv", rows), tmp_path / "out", rule_ids=["fan_out"])
    alerts = sorted((a["date"], a["value"], a["txn_count"]) for a in res.alerts.to_dict("records"))
    assert alerts == [("2026-01-01", 22.0, 22), ("2026-01-09", 10.0, 10)]
