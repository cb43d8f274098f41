"""Suspicious-flow typologies as ibis expressions: structuring, pass-through, fan-in/out, scatter/gather, cycles."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from finassure.engine.i18n import _
from finassure.engine.rules import behaviour
from finassure.engine.rules.common import cents, customers, day_bucket, edges, ids_of_groups, standard


def structuring(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Cash just below the large-value line: several near-threshold amounts, or a day total just below it."""
    limit, low = float(p["cny_threshold"]), float(p["cny_threshold"]) * float(p["band"])
    f = t.filter(t.channel.isin(list(p["channels"])))
    f = f.mutate(near=((f.amount_cny >= low) & (f.amount_cny < limit)).cast("int64"))
    g = f.group_by(["customer_id", "local_date", "direction"]).aggregate(
        total=cents(f.amount_cny).sum(), n_near=f.near.sum(), txn_count=f.count(),
        txn_ids=f.txn_id.collect(), account_id=f.account_id.min())
    lim = int(round(limit * 100))
    g = g.filter(((g.n_near >= int(p["min_near"])) & (g.total < lim * int(p["max_multiple"])))
                 | ((g.total >= int(round(low * 100))) & (g.total < lim) & (g.txn_count >= 2)))
    return standard(g, date=g.local_date, currency=ibis.literal("CNY"), value=g.total / 100.0,
                    threshold=ibis.literal(limit))


def _time_buckets(x: ir.Table, ts: str, window: int) -> ir.Table:
    """``x`` twice, with ``bk`` = the ``window``-second bucket of ``ts`` and the one after it.

    A later time within ``window`` seconds of ``ts`` lies in one of the two, so a join on equal buckets (plus
    the exact time test) finds each pair exactly once while comparing only times that are close, instead of
    every pair sharing the join key.
    """
    bk = (x[ts] // window).cast("int64")
    return x.mutate(bk=bk).union(x.mutate(bk=bk + 1))


def pass_through(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Money in, then a similar amount out of the same account within ``hours``."""
    big = t.filter(t.amount_cny >= float(p["min_amount"]))
    i = big.filter(big.direction == "in").select(acct=big.account_id, cust=big.customer_id, t_in=big.epoch_s,
                                                  a_in=big.amount_cny, id_in=big.txn_id)
    o = big.filter(big.direction == "out").select(acct_o=big.account_id, t_out=big.epoch_s, a_out=big.amount_cny,
                                                   id_out=big.txn_id)
    span = int(p["hours"]) * 3600
    # time buckets (see _time_buckets): a hub's payments are compared only with receipts up to one span earlier
    i = _time_buckets(i, "t_in", span)
    o = o.mutate(bk_o=(o.t_out // span).cast("int64"))
    j = i.join(o, [i.acct == o.acct_o, i.bk == o.bk_o, o.t_out >= i.t_in, o.t_out <= i.t_in + span,
                   o.a_out >= i.a_in * (1 - float(p["tolerance"])), o.a_out <= i.a_in * 1.0001])
    g = j.group_by(["acct", "cust"]).aggregate(
        pairs=j.count(), total=cents(j.a_out).sum(), ids_in=j.id_in.collect(), ids_out=j.id_out.collect(),
        day=j.t_in.min())
    g = g.filter(g.pairs >= int(p["min_pairs"]))
    return standard(g, account_id=g.acct, customer_id=g.cust, currency=ibis.literal("CNY"),
                    value=g.total / 100.0, threshold=ibis.literal(float(p["min_pairs"])),
                    txn_count=g.pairs, txn_ids=g.ids_in.concat(g.ids_out))


def _windows(t: ir.Table, p: dict[str, Any], side: str, k: int) -> ir.Table:
    """Per account and ``window_days`` window with at least ``k`` distinct counterparties on ``side`` ("in" or
    "out"): their number, total, count, transaction ids and first day.

    The windows are counted first and the ids collected only for those that qualify, by a join back to their
    edges: collecting ids for all 1.7 M account-windows of 5M rows, to keep a few thousand, cost 2 of every
    3 s. Fan-in/out and gather-scatter count the same way, so with the same window and minimum amount ibis
    emits the counting once in a batch (a CTE) and DuckDB groups once.
    """
    e = edges(t)
    e = e.filter(e.amount_cny >= float(p.get("min_amount", 0)))
    me, other = ("dst", "src") if side == "in" else ("src", "dst")
    e = e.mutate(acct=e[me], cp=e[other], win=day_bucket(e.local_date, int(p["window_days"])))
    g = e.group_by(["acct", "win"]).aggregate(n_cp=e.cp.nunique(), total=cents(e.amount_cny).sum(),
                                              txn_count=e.count(), day=e.local_date.min())
    return ids_of_groups(g.filter(g.n_cp >= k), e, {"acct": "acct", "win": "win"})


def _fan(t: ir.Table, p: dict[str, Any], side: str) -> ir.Table:
    g = _windows(t, p, side, int(p["min_counterparties"]))
    c = customers(t)
    g = g.left_join(c, g.acct == c.account_id)
    return standard(g, account_id=g.acct, customer_id=g.cust.fill_null(g.acct), date=g.day,
                    direction=ibis.literal(side), currency=ibis.literal("CNY"), value=g.n_cp.cast("float64"),
                    threshold=ibis.literal(float(p["min_counterparties"])))


def fan_in(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Many distinct senders into one account within a window."""
    return _fan(t, p, "in")


def fan_out(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """One account paying many distinct receivers within a window."""
    return _fan(t, p, "out")


def gather_scatter(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Many senders in and many receivers out of the same account in the same window (a hub)."""
    k = int(p["min_counterparties"])
    wi, wo = _windows(t, p, "in", k), _windows(t, p, "out", k)
    fin = wi.select(dst=wi.acct, win=wi.win, n_in=wi.n_cp, ids_in=wi.txn_ids, d_in=wi.day)
    fout = wo.select(src=wo.acct, win2=wo.win, n_out=wo.n_cp, ids_out=wo.txn_ids, d_out=wo.day)
    j = fin.join(fout, [fin.dst == fout.src, fin.win == fout.win2])
    c = customers(t)
    j = j.left_join(c, j.dst == c.account_id)
    ids = j.ids_in.concat(j.ids_out)
    return standard(j, account_id=j.dst, customer_id=j.cust.fill_null(j.dst), date=j.d_in,
                    currency=ibis.literal("CNY"), value=(j.n_in + j.n_out).cast("float64"),
                    threshold=ibis.literal(float(k)), txn_count=ids.length().cast("int64"), txn_ids=ids)


def scatter_gather(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """An origin pays several intermediaries who each pay the same beneficiary soon after.

    Origins that pay fewer than ``min_intermediaries`` accounts and beneficiaries paid by fewer are dropped
    before any join (they cannot qualify). The two-hop paths of a large graph are many (≈ 12 M at 5M rows,
    nearly every (origin, beneficiary) pair on one intermediary only), so they are joined first with
    account ids and times alone and only grouped once per pair — path count and smallest and largest
    intermediary, a necessary condition for enough distinct ones. Only the candidate pairs' paths are then
    joined again with their transactions, counted exactly and collected. The first join also matches time
    buckets (:func:`_time_buckets`), so it compares only transfers at most one window apart: at 5M rows the
    join went from 5.5 to 1.5 s for the same 12.0 M paths.
    """
    e = edges(t)
    e = e.filter(e.amount_cny >= float(p.get("min_amount", 0)))
    k = int(p["min_intermediaries"])
    window = int(p["window_days"]) * 86400
    big_out = e.group_by(o_=e.src).aggregate(n_=e.dst.nunique()).filter(lambda x: x.n_ >= k)
    big_in = e.group_by(b_=e.dst).aggregate(n_=e.src.nunique()).filter(lambda x: x.n_ >= k)
    # filters (not semi-joins): DuckDB applies them to the edges, not to the joined paths
    a = e.filter(e.src.isin(big_out.o_))
    a = a.select(o=a.src, m=a.dst, t1=a.epoch_s, id1=a.txn_id)
    b = e.filter(e.dst.isin(big_in.b_))
    b = b.select(m2=b.src, b=b.dst, t2=b.epoch_s, id2=b.txn_id, day=b.local_date)
    an, bn = _time_buckets(a.select("o", "m", "t1"), "t1", window), b.select("m2", "b", "t2")
    bn = bn.mutate(bk2=(bn.t2 // window).cast("int64"))
    j1 = an.join(bn, [an.m == bn.m2, an.bk == bn.bk2, bn.t2 >= an.t1, bn.t2 <= an.t1 + window])
    j1 = j1.filter(j1.o != j1.b)
    cand = j1.group_by(["o", "b"]).aggregate(n_path=j1.count(), m_lo=j1.m.min(), m_hi=j1.m.max())
    cand = cand.filter(cand.n_path >= k, *([cand.m_lo != cand.m_hi] if k >= 2 else []))
    cand = cand.select(co=cand.o, cb=cand.b)
    a2 = a.filter(a.o.isin(cand.co))
    b2 = b.filter(b.b.isin(cand.cb))
    j = a2.join(b2, [a2.m == b2.m2, b2.t2 >= a2.t1, b2.t2 <= a2.t1 + window])
    j = j.join(cand, [j.o == cand.co, j.b == cand.cb])
    pairs = j.group_by(["o", "b"]).aggregate(n_mid=j.m.nunique()).filter(lambda x: x.n_mid >= k)
    pairs = pairs.select(po=pairs.o, pb=pairs.b, n_mid=pairs.n_mid)
    q = j.join(pairs, [j.o == pairs.po, j.b == pairs.pb])
    g = q.group_by(["o", "b"]).aggregate(n_mid=q.n_mid.max(), ids=q.id1.collect().concat(q.id2.collect()),
                                         day=q.day.min(), n=q.count())
    ends = g.select(acct=g.o, n_mid=g.n_mid, ids=g.ids, day=g.day, n=g.n).union(
        g.select(acct=g.b, n_mid=g.n_mid, ids=g.ids, day=g.day, n=g.n))
    ends = ends.group_by("acct").aggregate(n_mid=ends.n_mid.max(), ids=ends.ids.collect().flatten(),
                                           day=ends.day.min(), n=ends.n.sum())
    c = customers(t)
    ends = ends.left_join(c, ends.acct == c.account_id)
    return standard(ends, account_id=ends.acct, customer_id=ends.cust.fill_null(ends.acct), date=ends.day,
                    currency=ibis.literal("CNY"), value=ends.n_mid.cast("float64"),
                    threshold=ibis.literal(float(p["min_intermediaries"])), txn_count=ends.n,
                    txn_ids=ends.ids.unique())


def cycles(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Time-ordered cycles of length 2..``max_length`` (≤ 4): money returns to where it started.

    With ``amount_tolerance`` set, each transfer must be within that fraction of the one before it (the
    money going round stays similar); without it any amounts chain, which grows with hub degrees squared.
    Every transfer after the first follows the one before within ``max_gap_hours``; the accounts reached
    after the second and third transfers differ from the start.

    Bounded so that it scales: an edge can only lie on a cycle if its sender also receives and its receiver
    also sends, so other edges are dropped first. Cycles are met in the middle: the chained two-transfer
    paths are built once, and a cycle of 3 closes one with a transfer back to its start, a cycle of 4 joins
    two of them end to end — keyed on both end accounts, so only paths that close are ever paired. (Growing
    three-transfer paths first and closing those cost 1.4 M open paths at 5M rows and ≈ 40 % more time.)
    Path members travel as plain columns, built into arrays only for closed cycles.
    """
    max_len = int(p["max_length"])
    if not 2 <= max_len <= 4:
        raise ValueError(_("cycles: max_length must be 2, 3 or 4, not {value}").format(value=max_len))
    e = edges(t)
    e = e.filter(e.amount_cny >= float(p.get("min_amount", 0))).select("src", "dst", "epoch_s", "txn_id", "amount_cny")
    tol = p.get("amount_tolerance")
    senders = e.select(acct_s=e.src).distinct().view()
    receivers = e.select(acct_r=e.dst).distinct().view()
    # as a filter (not a semi-join chain) the pruned edges are one relation, emitted once and computed once
    e = e.filter(e.src.isin(receivers.acct_r), e.dst.isin(senders.acct_s))
    gap = int(p["max_gap_hours"]) * 3600

    def follows(t_next: ir.Column, m_next: ir.Column, t_prev: ir.Column, m_prev: ir.Column
                ) -> list[ir.BooleanValue]:
        ok = [t_next >= t_prev, t_next <= t_prev + gap]
        if tol is not None:  # the money passed on stays similar from hop to hop (fees and splits aside)
            ok += [m_next >= m_prev * (1 - float(tol)), m_next <= m_prev * (1 + float(tol))]
        return ok

    # Every relation's columns get their own names: ibis flattens chained joins into one, and a name
    # repeated across them would be resolved to the wrong side's column.
    def hop(n: int) -> ir.Table:
        return e.select(**{f"s{n}": e.src, f"d{n}": e.dst, f"t{n}": e.epoch_s, f"m{n}": e.amount_cny,
                           f"id{n}": e.txn_id}).view()

    h1, h2 = hop(1), hop(2)
    found = []
    closed2 = h1.join(h2, [h1.d1 == h2.s2, h1.s1 == h2.d2, *follows(h2.t2, h2.m2, h1.t1, h1.m1)])
    found.append(closed2.select(ids=ibis.array([closed2.id1, closed2.id2]),
                                accts=ibis.array([closed2.s1, closed2.s2])))
    if max_len >= 3:
        # chained two-transfer paths a → b → c with c ≠ a; read through views, ibis emits them once (a CTE)
        j = h1.join(h2, [h1.d1 == h2.s2, *follows(h2.t2, h2.m2, h1.t1, h1.m1)])
        two = j.select(pa_=j.s1, pb_=j.s2, pc_=j.d2, pt1=j.t1, pm1=j.m1, pt2=j.t2, pm2=j.m2, pid1=j.id1,
                       pid2=j.id2)
        two = two.filter(two.pc_ != two.pa_)
        p3, h3 = two.view(), hop(3)
        closed3 = p3.join(h3, [p3.pc_ == h3.s3, p3.pa_ == h3.d3, *follows(h3.t3, h3.m3, p3.pt2, p3.pm2)])
        found.append(closed3.select(ids=ibis.array([closed3.pid1, closed3.pid2, closed3.id3]),
                                    accts=ibis.array([closed3.pa_, closed3.pb_, closed3.pc_])))
        if max_len >= 4:
            # a → b → c and c → d → a, the second after the first, d ≠ a
            p4 = two.view()
            q = two.select(qa_=two.pa_, qb_=two.pb_, qc_=two.pc_, qt1=two.pt1, qm1=two.pm1, qid1=two.pid1,
                           qid2=two.pid2).view()
            closed4 = p4.join(q, [p4.pc_ == q.qa_, p4.pa_ == q.qc_, q.qb_ != p4.pa_,
                                  *follows(q.qt1, q.qm1, p4.pt2, p4.pm2)])
            found.append(closed4.select(ids=ibis.array([closed4.pid1, closed4.pid2, closed4.qid1, closed4.qid2]),
                                        accts=ibis.array([closed4.pa_, closed4.pb_, closed4.qa_, closed4.qb_])))
    allc = found[0]
    for f in found[1:]:
        allc = allc.union(f)
    members = allc.select(acct=allc.accts.unnest(), ids=allc.ids)
    g = members.group_by("acct").aggregate(n_cycles=members.count(), ids=members.ids.collect().flatten())
    c = customers(t)
    g = g.left_join(c, g.acct == c.account_id)
    return standard(g, account_id=g.acct, customer_id=g.cust.fill_null(g.acct), currency=ibis.literal("CNY"),
                    value=g.n_cycles.cast("float64"), threshold=ibis.literal(1.0), txn_count=g.n_cycles,
                    txn_ids=g.ids.unique())


IMPLEMENTATIONS: dict[str, Any] = {
    "structuring": structuring, "pass_through": pass_through, "fan_in": fan_in, "fan_out": fan_out,
    "gather_scatter": gather_scatter, "scatter_gather": scatter_gather, "cycles": cycles,
    **behaviour.IMPLEMENTATIONS,
}
