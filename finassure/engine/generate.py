"""Deterministic synthetic transactions: AMLSim-like background, the eight AMLSim typologies and PBOC scenarios."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TYPOLOGIES = ("fan_in", "fan_out", "cycle", "bipartite", "stack", "random", "scatter_gather", "gather_scatter")
PBOC_SCENARIOS = ("large_cash", "structuring", "crossborder_large", "high_risk_geo")
EPOCH_S = 1_767_196_800  # 2026-01-01T00:00:00+08:00


@dataclass
class Graph:
    """Transfers between accounts (AMLSim shape) with transfer-level and account-level labels."""

    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    step: np.ndarray
    label: np.ndarray  # 1 for laundering transfers
    typology: np.ndarray  # index into TYPOLOGIES, -1 for normal
    n_accounts: int
    fraud: np.ndarray  # per-account 0/1
    account_typology: np.ndarray  # per-account typology index or -1


def _normal(rng: np.random.Generator, n_acc: int, n_tx: int, steps: int, lo: float, hi: float
            ) -> tuple[np.ndarray, ...]:
    """Background: each account pays a few fixed counterparties (AMLSim's normal models), a few hubs."""
    k = 6
    nbrs = rng.integers(0, n_acc, size=(n_acc, k))
    hubs = rng.choice(n_acc, size=max(n_acc // 500, 1), replace=False)
    hub_mask = rng.random((n_acc, k)) < 0.08
    nbrs[hub_mask] = rng.choice(hubs, size=int(hub_mask.sum()))
    activity = rng.gamma(2.0, 1.0, size=n_acc)
    src = rng.choice(n_acc, size=n_tx, p=activity / activity.sum())
    dst = nbrs[src, rng.integers(0, k, size=n_tx)]
    same = dst == src
    dst[same] = (dst[same] + 1) % n_acc
    amount = np.round(rng.uniform(lo, hi, size=n_tx), 2)
    step = rng.integers(1, steps + 1, size=n_tx)
    return src, dst, amount, step


def _typology(rng: np.random.Generator, kind: str, members: np.ndarray, steps: int, lo: float, hi: float
              ) -> list[tuple[int, int, float, int]]:
    """Transfers of one laundering instance; amounts shrink a little per hop, steps move forward."""
    amt = float(np.round(rng.uniform(lo, hi), 2))
    start = int(rng.integers(1, max(steps - 40, 2)))
    gap = int(rng.integers(1, 8))
    repeats = int(rng.integers(1, 4))
    out: list[tuple[int, int, float, int]] = []

    def hop(a: int, b: int, amount: float, s: int) -> None:
        for r in range(repeats):
            out.append((int(a), int(b), round(amount * (1 - 0.01 * r), 2), min(s + r * gap, steps)))

    m = list(members)
    if kind == "fan_in":
        for i, a in enumerate(m[1:]):
            hop(a, m[0], amt * rng.uniform(0.8, 1.0), start + i % 3)
    elif kind == "fan_out":
        for i, b in enumerate(m[1:]):
            hop(m[0], b, amt * rng.uniform(0.8, 1.0), start + i % 3)
    elif kind == "cycle":
        for i in range(len(m)):
            hop(m[i], m[(i + 1) % len(m)], amt * (0.97 ** i), start + i * gap)
    elif kind == "bipartite":
        half = len(m) // 2
        for a in m[:half]:
            for b in m[half:]:
                hop(a, b, amt * rng.uniform(0.5, 1.0), start + int(rng.integers(0, 3)))
    elif kind == "stack":
        third = max(len(m) // 3, 1)
        layers = [m[:third], m[third:2 * third], m[2 * third:]]
        for li in range(2):
            for a in layers[li]:
                for b in layers[li + 1]:
                    hop(a, b, amt * (0.95 ** li), start + li * gap)
    elif kind == "random":
        cur = m[0]
        for i in range(len(m) * 2):
            nxt = m[int(rng.integers(0, len(m)))]
            if nxt != cur:
                hop(cur, nxt, amt * (0.98 ** i), start + i)
                cur = nxt
    elif kind == "scatter_gather":
        o, b, mids = m[0], m[1], m[2:]
        for mid in mids:
            share = amt / len(mids) * rng.uniform(0.9, 1.1)
            hop(o, mid, share, start)
            hop(mid, b, share * 0.97, start + gap)
    elif kind == "gather_scatter":
        h = m[0]
        half = (len(m) - 1) // 2
        for a in m[1:1 + half]:
            hop(a, h, amt * rng.uniform(0.8, 1.0), start)
        for b in m[1 + half:]:
            hop(h, b, amt * rng.uniform(0.6, 0.9), start + gap)
    return out


def graph(n_accounts: int = 5000, n_transfers: int = 30000, *, seed: int = 7, steps: int = 150,
          fraud_share: float = 0.04, normal_range: tuple[float, float] = (100.0, 600.0),
          laundering_range: tuple[float, float] = (10.0, 600.0), typologies: tuple[str, ...] = TYPOLOGIES
          ) -> Graph:
    """An AMLSim-like labelled graph: background transfers plus injected typology instances."""
    rng = np.random.default_rng(seed)
    src, dst, amount, step = _normal(rng, n_accounts, n_transfers, steps, *normal_range)
    fraud = np.zeros(n_accounts, dtype=np.int8)
    acc_typ = np.full(n_accounts, -1, dtype=np.int16)
    free = rng.permutation(n_accounts)
    pos, target = 0, int(n_accounts * fraud_share)
    extra: list[tuple[int, int, float, int, int]] = []
    i = 0
    while fraud.sum() < target and pos < n_accounts - 30:
        kind = typologies[i % len(typologies)]
        i += 1
        size = int(rng.integers(4, 12)) if kind not in ("bipartite", "stack") else int(rng.integers(6, 10))
        members = free[pos:pos + size]
        pos += size
        fraud[members] = 1
        acc_typ[members] = TYPOLOGIES.index(kind)
        extra += [(a, b, x, s, TYPOLOGIES.index(kind)) for a, b, x, s in
                  _typology(rng, kind, members, steps, *laundering_range)]
    e = np.array(extra, dtype=np.float64).reshape(-1, 5)
    label = np.concatenate([np.zeros(len(src), dtype=np.int8), np.ones(len(e), dtype=np.int8)])
    typ = np.concatenate([np.full(len(src), -1, dtype=np.int16), e[:, 4].astype(np.int16)])
    g_src = np.concatenate([src, e[:, 0].astype(np.int64)])
    g_dst = np.concatenate([dst, e[:, 1].astype(np.int64)])
    g_amt = np.concatenate([amount, e[:, 2]])
    g_step = np.concatenate([step, e[:, 3].astype(np.int64)])
    order = np.lexsort((rng.random(len(g_src)), g_step))
    return Graph(g_src[order], g_dst[order], g_amt[order], g_step[order], label[order], typ[order],
                 n_accounts, fraud, acc_typ)


def write_amlsim(g: Graph, folder: Path) -> None:
    """nodes.csv (nodeid,isFraud,init_balance,fraudStep) and transactions.csv like the AMLSim samples."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"nodeid": np.arange(g.n_accounts), "isFraud": g.fraud,
                  "init_balance": np.round(np.linspace(100, 600, g.n_accounts), 2),
                  "fraudStep": np.where(g.fraud == 1, 1, -1)}).to_csv(folder / "nodes.csv", index=False)
    pd.DataFrame({"sourceNodeId": g.src, "targetNodeId": g.dst, "value": g.amount,
                  "time": g.step}).to_csv(folder / "transactions.csv", index=False)


def _ids(prefix: str, values: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")


def canonical(g: Graph, *, seed: int = 7, scale: float = 100.0, entity_share: float = 0.1) -> pa.Table:
    """Canonical legs of the graph (two per transfer) plus labelled PBOC scenarios; amounts × ``scale`` CNY."""
    rng = np.random.default_rng(seed + 1)
    n = len(g.src)
    secs = rng.integers(0, 86_400, size=n)
    epoch = EPOCH_S + (g.step.astype(np.int64) - 1) * 86_400 + secs
    channel_pick = rng.random(n)
    channel = np.where(g.label == 1, "transfer", np.where(channel_pick < 0.7, "transfer",
                                                          np.where(channel_pick < 0.9, "card", "other")))
    is_entity = rng.random(g.n_accounts) < entity_share
    country = np.where((rng.random(n) < 0.02) & (g.label == 0), "HK", "CN")
    parts = {
        "txn_id": [_ids("T", np.arange(n)) for _ in range(1)][0],
        "src": g.src, "dst": g.dst, "amount": np.round(g.amount * scale, 2), "epoch": epoch,
        "channel": channel, "country": country, "label": g.label, "typology": g.typology,
    }
    out_leg = _legs(parts, "out", is_entity)
    in_leg = _legs(parts, "in", is_entity)
    scen = _pboc(rng, g, is_entity)
    return pa.concat_tables([out_leg, in_leg, scen]).combine_chunks()


def _legs(p: dict[str, Any], side: str, is_entity: np.ndarray) -> pa.Table:
    me, other = (p["src"], p["dst"]) if side == "out" else (p["dst"], p["src"])
    typ_names = np.array(["", *TYPOLOGIES])
    return _table(pc.binary_join_element_wise(p["txn_id"], "-" + side, ""), p["epoch"], me, other, side,
                  p["amount"], p["channel"], p["country"], is_entity, p["label"], typ_names[p["typology"] + 1])


def _table(txn_id: pa.Array, epoch: np.ndarray, acct: np.ndarray, cp: np.ndarray | None, side: Any,
           amount: np.ndarray, channel: Any, country: Any, is_entity: np.ndarray, label: np.ndarray,
           typology: Any, currency: Any = "CNY") -> pa.Table:
    n = len(epoch)

    def col(v: Any) -> pa.Array:
        return pa.array(np.broadcast_to(np.asarray(v, dtype=object), (n,)).astype(str) if np.ndim(v) == 0 else v,
                        type=pa.string())

    acct_ids = _ids("A", acct)
    return pa.table({
        "txn_id": txn_id,
        "ts": pa.array(epoch * 1_000_000, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "account_id": acct_ids, "customer_id": _ids("C", acct),
        "customer_type": col(np.where(is_entity[acct], "entity", "individual")),
        "direction": col(side), "amount": pa.array(amount, type=pa.float64()), "currency": col(currency),
        "channel": col(channel),
        "counterparty_account_id": _ids("A", cp) if cp is not None else pa.nulls(n, pa.string()),
        "counterparty_bank": pa.nulls(n, pa.string()) if cp is None else col("FINASSURE"),
        "counterparty_country": col(country) if cp is not None else pa.nulls(n, pa.string()),
        "cross_border": pa.array(np.asarray(country) != "CN") if cp is not None else pa.array(np.zeros(n, bool)),
        "is_laundering": pa.array(label.astype(np.int8)), "typology": col(typology),
    })


def _pboc(rng: np.random.Generator, g: Graph, is_entity: np.ndarray) -> pa.Table:
    """Large cash, structuring (just below 50,000), large cross-border and high-risk-geography events."""
    k = max(g.n_accounts // 200, 4)
    rows: list[tuple[int, int, float, str, str, str, int]] = []  # acct, epoch, amount, side, channel, country, kind
    steps = int(g.step.max()) if len(g.step) else 30
    for kind in PBOC_SCENARIOS:
        for a in rng.choice(g.n_accounts, size=k, replace=False):
            day = EPOCH_S + int(rng.integers(0, steps)) * 86_400 + 3600
            if kind == "large_cash":
                rows.append((a, day, float(rng.integers(50_000, 120_000)), "in", "cash", "", 0))
            elif kind == "structuring":
                for j in range(int(rng.integers(2, 4))):
                    rows.append((a, day + j * 3600, float(rng.integers(45_000, 49_990)), "in", "cash", "", 1))
            elif kind == "crossborder_large":
                rows.append((a, day, float(rng.integers(200_000, 600_000)), "out", "transfer", "US", 2))
            else:
                rows.append((a, day, float(rng.integers(5_000, 50_000)), "out", "transfer", "KP", 3))
    acct = np.array([r[0] for r in rows], dtype=np.int64)
    n0 = len(g.src)
    cash = np.array([r[4] == "cash" for r in rows])
    t = _table(_ids("P", np.arange(n0, n0 + len(rows))), np.array([r[1] for r in rows], dtype=np.int64), acct,
               np.full(len(rows), 10**9), np.array([r[3] for r in rows]), np.array([r[2] for r in rows]),
               np.array([r[4] for r in rows]), np.array([r[5] or "CN" for r in rows]), is_entity,
               np.ones(len(rows), np.int8), np.array([PBOC_SCENARIOS[r[6]] for r in rows]))
    cp = pc.if_else(pa.array(cash), pa.nulls(len(rows), pa.string()), t.column("counterparty_account_id"))
    country = pc.if_else(pa.array(cash), pa.nulls(len(rows), pa.string()), t.column("counterparty_country"))
    t = t.set_column(t.schema.get_field_index("counterparty_account_id"), "counterparty_account_id", cp)
    t = t.set_column(t.schema.get_field_index("counterparty_country"), "counterparty_country", country)
    return t.set_column(t.schema.get_field_index("counterparty_bank"), "counterparty_bank",
                        pc.if_else(pa.array(cash), pa.nulls(len(rows), pa.string()), t.column("counterparty_bank")))


def generate(out: str | Path, *, rows: int = 100_000, seed: int = 7, accounts: int | None = None,
             fmt: str = "parquet") -> dict[str, Any]:
    """Write ``rows`` canonical rows (Parquet or CSV) or an AMLSim folder; labels ride along as columns."""
    out = Path(out)
    transfers = max(rows // 2, 10)
    n_acc = accounts or max(transfers // 6, 200)
    g = graph(n_acc, transfers, seed=seed, steps=150 if fmt == "amlsim" else 90)
    if fmt == "amlsim":
        write_amlsim(g, out)
        return {"path": str(out), "rows": len(g.src), "accounts": n_acc, "fraud_accounts": int(g.fraud.sum())}
    table = canonical(g, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        import pyarrow.csv as pacsv

        table = table.set_column(1, "ts", pc.strftime(table.column("ts"), format="%Y-%m-%dT%H:%M:%SZ"))
        pacsv.write_csv(table, out)
    else:
        pq.write_table(table, out, compression="zstd")
    labels = out.with_suffix(".accounts.json")
    labels.write_text(json.dumps({"fraud_accounts": [f"A{i}" for i in np.flatnonzero(g.fraud)]}), "utf-8")
    return {"path": str(out), "rows": table.num_rows, "accounts": n_acc, "fraud_accounts": int(g.fraud.sum())}
