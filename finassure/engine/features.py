"""Per-account features from money-flow edges: volumes, counterparties, repeats, flow-through, graph patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

FEATURE_NAMES: dict[str, str] = {
    "out_n": "number of outgoing transfers (relative to the graph median)",
    "in_n": "number of incoming transfers (relative to the graph median)",
    "out_cp": "distinct receivers (relative)",
    "in_cp": "distinct senders (relative)",
    "in_out_ratio": "balance between money in and money out",
    "flow_through": "share of incoming money passed on (flow-through)",
    "amt_rank_mean": "typical amount compared with the whole population",
    "amt_rank_min": "smallest amount compared with the whole population",
    "low_amount_share": "share of transfers with unusually small amounts",
    "repeat_share": "share of transfers repeating the same amount to the same counterparty",
    "max_pair_repeat": "most transfers to a single counterparty",
    "same_amount_relay": "incoming amounts sent on unchanged (or nearly) soon after",
    "burst": "most transfers in a single day",
    "active_days": "number of active days",
    "cycle_member": "part of a time-ordered circular flow (≤ 4 hops)",
    "sg_end": "end of a scatter-gather pattern (several intermediaries)",
    "fan_in_peak": "most distinct senders within one week (relative)",
    "fan_out_peak": "most distinct receivers within one week (relative)",
    "nbr_low_amount": "neighbours' share of unusually small amounts",
    "nbr_repeat": "neighbours' share of repeated amounts",
    "nbr_relay": "neighbours relaying amounts unchanged",
    "nbr_degree": "neighbours' activity (relative)",
}
FEATURES = list(FEATURE_NAMES)


def edges_from_legs(table: pa.Table) -> pd.DataFrame:
    """Edges (src, dst, amount, step) from canonical legs; steps are local days."""
    df = table.select(["account_id", "counterparty_account_id", "direction", "amount_cny", "local_date"]).to_pandas()
    df = df[df["counterparty_account_id"].notna()]
    own = set(df["account_id"].unique())
    out = df[df["direction"] == "out"]
    inn = df[(df["direction"] == "in") & ~df["counterparty_account_id"].isin(own)]
    step = pd.to_datetime(pd.concat([out["local_date"], inn["local_date"]])).values.astype("datetime64[D]").astype(
        np.int64)
    return pd.DataFrame({
        "src": np.concatenate([out["account_id"].to_numpy(), inn["counterparty_account_id"].to_numpy()]),
        "dst": np.concatenate([out["counterparty_account_id"].to_numpy(), inn["account_id"].to_numpy()]),
        "amount": np.concatenate([out["amount_cny"].to_numpy(), inn["amount_cny"].to_numpy()]),
        "step": step})


def _relay(e: pd.DataFrame, tol: float = 0.02, max_gap: int = 10) -> pd.Series:
    """Per account: outgoing transfers matching an earlier incoming amount within ``tol`` and ``max_gap`` days."""
    inn = e[["dst", "amount", "step"]].rename(columns={"dst": "acct", "step": "s_in"})
    out = e[["src", "amount", "step"]].rename(columns={"src": "acct", "step": "s_out", "amount": "a_out"})
    inn = inn.assign(key=np.round(np.log(inn["amount"]) / np.log1p(tol)).astype(np.int64))
    hits = []
    for shift in (-1, 0, 1):
        o = out.assign(key=np.round(np.log(out["a_out"]) / np.log1p(tol)).astype(np.int64) + shift)
        m = inn.merge(o, on=["acct", "key"])
        m = m[(m["s_out"] >= m["s_in"]) & (m["s_out"] <= m["s_in"] + max_gap)]
        hits.append(m[["acct", "s_out", "a_out"]])
    h = pd.concat(hits).drop_duplicates()
    return h.groupby("acct").size()


def _cycles(e: pd.DataFrame, max_gap: int = 10) -> set:
    """Accounts on time-ordered cycles of length 2–4 (first transfer per ordered pair)."""
    p = e.groupby(["src", "dst"], as_index=False)["step"].agg(["min", "max"]).reset_index()
    p = p[p["src"] != p["dst"]]
    a = p.rename(columns={"src": "a", "dst": "b", "min": "t1", "max": "T1"})
    members: set = set()
    path = a[["a", "b", "t1"]].rename(columns={"b": "cur", "t1": "t"})
    path["mids"] = [()] * len(path)
    for _ in range(3):
        nxt = p.rename(columns={"src": "cur", "dst": "nx", "min": "tn", "max": "Tn"})
        j = path.merge(nxt, on="cur")
        j = j[(j["Tn"] >= j["t"]) & (j["tn"] <= j["t"] + max_gap * 3)]
        closed = j[j["nx"] == j["a"]]
        for a0, cur, mids in zip(closed["a"], closed["cur"], closed["mids"], strict=True):
            members.update((a0, cur, *mids))
        j = j[(j["nx"] != j["a"]) & (j["nx"] != j["cur"])]
        if len(j) > 2_000_000:
            j = j.sample(2_000_000, random_state=0)
        path = pd.DataFrame({"a": j["a"].to_numpy(), "cur": j["nx"].to_numpy(),
                             "t": np.maximum(j["t"].to_numpy(), j["tn"].to_numpy()),
                             "mids": [(*m, c) for m, c in zip(j["mids"], j["cur"], strict=True)]})
    return members


def account_features(e: pd.DataFrame) -> pd.DataFrame:
    """One row per account (index) with :data:`FEATURES` columns; inputs are relative where they can be."""
    e = e[e["amount"] > 0].reset_index(drop=True)
    accts = pd.Index(pd.unique(np.concatenate([e["src"].to_numpy(), e["dst"].to_numpy()])))
    f = pd.DataFrame(index=accts)
    e = e.assign(rank=e["amount"].rank(pct=True))
    low = e["amount"] < e["amount"].quantile(0.05)
    e = e.assign(low=low.astype(float))
    pair = e.groupby(["src", "dst", "amount"])["step"].transform("size")
    e = e.assign(rep=(pair > 1).astype(float))
    legs = pd.concat([e[["src", "dst", "amount", "step", "rank", "low", "rep"]].rename(
        columns={"src": "acct", "dst": "cp"}).assign(out=1),
        e[["dst", "src", "amount", "step", "rank", "low", "rep"]].rename(
        columns={"dst": "acct", "src": "cp"}).assign(out=0)], ignore_index=True)
    g = legs.groupby("acct")
    out_l, in_l = legs[legs["out"] == 1].groupby("acct"), legs[legs["out"] == 0].groupby("acct")
    f["out_n"] = out_l.size()
    f["in_n"] = in_l.size()
    f["out_cp"] = out_l["cp"].nunique()
    f["in_cp"] = in_l["cp"].nunique()
    f = f.fillna(0)
    out_sum, in_sum = out_l["amount"].sum().reindex(accts, fill_value=0), in_l["amount"].sum().reindex(
        accts, fill_value=0)
    f["in_out_ratio"] = (in_sum + 1) / (in_sum + out_sum + 2)
    f["flow_through"] = np.minimum(in_sum, out_sum) / np.maximum(np.maximum(in_sum, out_sum), 1e-9)
    f["amt_rank_mean"] = g["rank"].mean()
    f["amt_rank_min"] = g["rank"].min()
    f["low_amount_share"] = g["low"].mean()
    f["repeat_share"] = g["rep"].mean()
    f["max_pair_repeat"] = legs.groupby(["acct", "cp"]).size().groupby(level=0).max()
    f["same_amount_relay"] = _relay(e).reindex(accts, fill_value=0)
    f["burst"] = legs.groupby(["acct", "step"]).size().groupby(level=0).max()
    f["active_days"] = g["step"].nunique()
    f["cycle_member"] = accts.isin(list(_cycles(e))).astype(float)
    wk = legs.assign(w=legs["step"] // 7)
    f["fan_in_peak"] = wk[wk["out"] == 0].groupby(["acct", "w"])["cp"].nunique().groupby(level=0).max()
    f["fan_out_peak"] = wk[wk["out"] == 1].groupby(["acct", "w"])["cp"].nunique().groupby(level=0).max()
    f["sg_end"] = _scatter_gather_ends(e).reindex(accts, fill_value=0)
    f = f.fillna(0)
    med = max(float((f["out_n"] + f["in_n"]).median()), 1.0)
    for col in ("out_n", "in_n", "out_cp", "in_cp", "max_pair_repeat", "burst", "active_days", "fan_in_peak",
                "fan_out_peak"):
        f[col] = f[col] / med
    nb = legs[["acct", "cp"]].drop_duplicates()
    for col, src in (("nbr_low_amount", "low_amount_share"), ("nbr_repeat", "repeat_share"),
                     ("nbr_relay", "same_amount_relay")):
        f[col] = nb.assign(v=nb["cp"].map(f[src])).groupby("acct")["v"].mean().reindex(accts, fill_value=0)
    f["nbr_degree"] = nb.assign(v=nb["cp"].map(f["out_n"] + f["in_n"])).groupby("acct")["v"].mean().reindex(
        accts, fill_value=0)
    return f[FEATURES].astype(np.float64)


def _scatter_gather_ends(e: pd.DataFrame, window: int = 10) -> pd.Series:
    p = e.groupby(["src", "dst"], as_index=False)["step"].min()
    j = p.merge(p, left_on="dst", right_on="src", suffixes=("1", "2"))
    j = j[(j["step2"] >= j["step1"]) & (j["step2"] <= j["step1"] + window) & (j["src1"] != j["dst2"])]
    n = j.groupby(["src1", "dst2"])["dst1"].nunique()
    n = n[n >= 3].reset_index()
    return pd.concat([n.groupby("src1")["dst1"].max(), n.groupby("dst2")["dst1"].max()]).groupby(level=0).max()
