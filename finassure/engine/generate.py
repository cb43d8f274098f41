"""Deterministic synthetic transactions: AMLSim-like background, the eight AMLSim typologies and PBOC scenarios."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from finassure.engine.i18n import _

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
    balance: np.ndarray  # per-account initial balance (AMLSim's init_balance)


def _weights(rng: np.random.Generator, n: int, alpha: float) -> np.ndarray:
    """Power-law activity weights (AMLSim builds its background from a scale-free degree sequence)."""
    return (rng.pareto(alpha, size=n) + 1.0) * rng.uniform(0.5, 1.5, size=n)


def _normal(rng: np.random.Generator, n_acc: int, n_tx: int, steps: int, balance: np.ndarray,
            w_out: np.ndarray, w_in: np.ndarray, varied: bool) -> tuple[np.ndarray, ...]:
    """Background like AMLSim's normal models: power-law degrees, one transfer per edge of the sender's usual amount.

    ``varied`` graphs (newer AMLSim, other simulators) instead vary the amount per transfer and repeat some edges.
    """
    src = rng.choice(n_acc, size=n_tx, p=w_out / w_out.sum())
    dst = rng.choice(n_acc, size=n_tx, p=w_in / w_in.sum())
    same = dst == src
    dst[same] = (dst[same] + 1) % n_acc
    step = rng.integers(1, steps + 1, size=n_tx)
    if not varied:
        return src, dst, balance[src].copy(), step
    amount = np.round(balance[src] * rng.uniform(0.3, 1.7, size=n_tx), 2)
    rep = rng.random(n_tx) < 0.25  # a quarter of the edges are regular payments (same pair, several days)
    k = int(rep.sum())
    src2, dst2 = src[rep], dst[rep]
    amt2 = np.where(rng.random(k) < 0.5, amount[rep], np.round(balance[src2] * rng.uniform(0.3, 1.7, size=k), 2))
    step2 = np.minimum(step[rep] + rng.integers(1, 31, size=k), steps)
    keep = n_tx - k
    return (np.concatenate([src[:keep], src2])[:n_tx], np.concatenate([dst[:keep], dst2])[:n_tx],
            np.concatenate([amount[:keep], amt2])[:n_tx], np.concatenate([step[:keep], step2])[:n_tx])


def _pattern_edges(rng: np.random.Generator, kind: str, m: list[int]) -> list[tuple[int, int, int]]:
    """(sender, receiver, hop) edges of one typology instance over its members; hop orders the transfers."""
    if kind == "fan_in":
        return [(a, m[0], 0) for a in m[1:]]
    if kind == "fan_out":
        return [(m[0], b, 0) for b in m[1:]]
    if kind == "cycle":
        return [(m[i], m[(i + 1) % len(m)], i) for i in range(len(m))]
    if kind == "bipartite":
        half = max(len(m) // 2, 1)
        return [(a, b, 0) for a in m[:half] for b in m[half:]]
    if kind == "stack":
        third = max(len(m) // 3, 1)
        layers = [m[:third], m[third:2 * third], m[2 * third:]]
        return [(a, b, li) for li in range(2) for a in layers[li] for b in layers[li + 1]]
    if kind == "random":
        out, cur = [], m[0]
        for i in range(len(m) * 2):
            nxt = m[int(rng.integers(0, len(m)))]
            if nxt != cur:
                out.append((cur, nxt, i))
                cur = nxt
        return out
    if kind == "scatter_gather":
        return [(m[0], mid, 0) for mid in m[2:]] + [(mid, m[1], 1) for mid in m[2:]]
    h, half = m[0], (len(m) - 1) // 2  # gather_scatter
    return [(a, h, 0) for a in m[1:1 + half]] + [(h, b, 1) for b in m[1 + half:]]


@dataclass
class _Regime:
    """Per-graph laundering parameters, drawn from the seed so that graphs differ the way AMLSim configs do."""

    amount: tuple[float, float]  # laundering amount range as a multiple of the median balance
    repeats: tuple[int, int]  # transfers per pattern edge
    same_step: float  # chance that the repeats of an edge fall on one step
    execute: float  # chance that a pattern edge transacts at all (the rest leave members silent but labelled)
    club: float  # extra ordinary edges among alert members (AMLSim picks members among connected hubs)
    decay: float  # amount change per hop
    size: tuple[int, int]  # members per instance


def _regime(rng: np.random.Generator, laundering_range: tuple[float, float] | None, median: float) -> _Regime:
    kind = rng.choice(["low", "overlap", "high", "mixed"], p=[0.35, 0.3, 0.1, 0.25])
    amt = {"low": (0.02, 0.2), "overlap": (0.3, 1.6), "high": (1.5, 4.0), "mixed": (0.02, 2.0)}[str(kind)]
    if laundering_range is not None:
        amt = (laundering_range[0] / median, laundering_range[1] / median)
    lo_rep = int(rng.integers(1, 4))
    return _Regime(amount=amt, repeats=(lo_rep, lo_rep + int(rng.integers(0, 6))), same_step=float(rng.uniform(0, 1)),
                   execute=float(rng.uniform(0.55, 1.0)), club=float(rng.uniform(0.0, 3.0)),
                   decay=float(rng.uniform(0.0, 0.1)), size=(3, int(rng.integers(6, 16))))


def graph(n_accounts: int = 5000, n_transfers: int = 30000, *, seed: int = 7, steps: int = 150,
          fraud_share: float | None = None, normal_range: tuple[float, float] = (100.0, 600.0),
          laundering_range: tuple[float, float] | None = None, typologies: tuple[str, ...] = TYPOLOGIES,
          varied: bool | None = None) -> Graph:
    """An AMLSim-like labelled graph: power-law background plus typology instances among well-connected accounts.

    Everything not given is drawn from ``seed``: background style (AMLSim's fixed per-account amount, or
    varied amounts), laundering amounts (below, inside or above the background range), repeats per edge,
    timing, how many members stay silent, how densely members know each other.
    """
    rng = np.random.default_rng(seed)
    balance = np.round(rng.uniform(*normal_range, size=n_accounts), 2)
    alpha = float(rng.uniform(1.6, 2.6))
    w_out = _weights(rng, n_accounts, alpha)
    w_in = w_out * rng.lognormal(0, 0.5, size=n_accounts)
    if varied is None:
        varied = bool(rng.random() < 0.35)
    if fraud_share is None:
        fraud_share = float(rng.uniform(0.02, 0.07))
    reg = _regime(rng, laundering_range, float(np.median(balance)))
    n_bg = max(n_transfers - int(n_accounts * fraud_share * 8), n_transfers // 2)
    src, dst, amount, step = _normal(rng, n_accounts, n_bg, steps, balance, w_out, w_in, varied)
    fraud = np.zeros(n_accounts, dtype=np.int8)
    acc_typ = np.full(n_accounts, -1, dtype=np.int16)
    target = max(int(n_accounts * fraud_share), 3)
    pick = w_out + w_in
    pool = rng.choice(n_accounts, size=min(n_accounts, target * 3), replace=False, p=pick / pick.sum())
    extra: list[tuple[int, int, float, int, int]] = []
    ordinary: list[tuple[int, int, float, int]] = []
    pos, i, med = 0, 0, float(np.median(balance))
    n_fraud = 0
    while n_fraud < target and pos < len(pool) - reg.size[1]:
        kind = typologies[i % len(typologies)]
        i += 1
        size = int(rng.integers(reg.size[0], reg.size[1] + 1))
        if kind in ("scatter_gather", "gather_scatter", "stack"):
            size = max(size, 5)
        members = [int(x) for x in pool[pos:pos + size]]
        pos += size
        fraud[members] = 1
        n_fraud += len(members)  # pool entries are distinct accounts
        acc_typ[members] = TYPOLOGIES.index(kind)
        base = float(rng.uniform(*reg.amount)) * med
        start = int(rng.integers(1, max(steps - 30, 2)))
        gap = int(rng.integers(1, 10))
        reps = int(rng.integers(reg.repeats[0], reg.repeats[1] + 1))
        for a, b, hop in _pattern_edges(rng, kind, members):
            ordinary.append((a, b, float(balance[a]), int(rng.integers(1, steps + 1))))  # the edge is also ordinary
            if rng.random() > reg.execute:
                continue
            amt = round(max(base * (1 - reg.decay) ** hop * rng.uniform(0.97, 1.03), 0.01), 2)
            s0 = min(start + hop * gap, steps)
            for _r in range(reps):
                s = s0 if rng.random() < reg.same_step else min(s0 + int(rng.integers(0, 4)), steps)
                extra.append((a, b, amt if rng.random() < 0.8 else round(amt * rng.uniform(0.9, 1.1), 2), s,
                              TYPOLOGIES.index(kind)))
    members_all = np.flatnonzero(fraud)
    n_club = int(len(members_all) * reg.club)
    if n_club and len(members_all) > 1:
        ca = rng.choice(members_all, size=n_club)
        cb = rng.choice(members_all, size=n_club)
        ok = ca != cb
        ordinary += [(int(x), int(y), float(balance[x]), int(s)) for x, y, s in
                     zip(ca[ok], cb[ok], rng.integers(1, steps + 1, size=int(ok.sum())), strict=True)]
    o = np.array(ordinary, dtype=np.float64).reshape(-1, 4)
    if varied and len(o):
        o[:, 2] = np.round(o[:, 2] * rng.uniform(0.3, 1.7, size=len(o)), 2)
    e = np.array(extra, dtype=np.float64).reshape(-1, 5)
    label = np.concatenate([np.zeros(len(src) + len(o), dtype=np.int8), np.ones(len(e), dtype=np.int8)])
    typ = np.concatenate([np.full(len(src) + len(o), -1, dtype=np.int16), e[:, 4].astype(np.int16)])
    g_src = np.concatenate([src, o[:, 0].astype(np.int64), e[:, 0].astype(np.int64)])
    g_dst = np.concatenate([dst, o[:, 1].astype(np.int64), e[:, 1].astype(np.int64)])
    g_amt = np.concatenate([amount, o[:, 2], e[:, 2]])
    g_step = np.concatenate([step, o[:, 3].astype(np.int64), e[:, 3].astype(np.int64)])
    order = np.lexsort((rng.random(len(g_src)), g_step))
    return Graph(g_src[order], g_dst[order], g_amt[order], g_step[order], label[order], typ[order],
                 n_accounts, fraud, acc_typ, balance)


def write_amlsim(g: Graph, folder: Path) -> None:
    """nodes.csv (nodeid,isFraud,init_balance,fraudStep) and transactions.csv like the AMLSim samples."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"nodeid": np.arange(g.n_accounts), "isFraud": g.fraud,
                  "init_balance": g.balance,
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
             fmt: str = "parquet", status: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write ``rows`` canonical rows (Parquet or CSV) or an AMLSim folder; labels ride along as columns.

    ``status`` is called with a line saying which step is running.
    """
    say = status or (lambda _text: None)
    out = Path(out)
    transfers = max(rows // 2, 10)
    n_acc = accounts or max(transfers // 6, 200)
    say(_("drawing {transfers:,} transfers among {accounts:,} accounts").format(transfers=transfers, accounts=n_acc))
    g = graph(n_acc, transfers, seed=seed, steps=150 if fmt == "amlsim" else 90)
    say(_("writing {name}").format(name=out.name))
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
