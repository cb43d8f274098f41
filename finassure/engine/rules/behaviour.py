"""Behavioural scenarios as ibis expressions: dormancy, round amounts, high-risk geography, spikes, peers."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from finassure.engine.rules.common import cents, day_bucket, ids_of_groups, standard


def _daily(t: ir.Table) -> ir.Table:
    """Per account and day: totals and times, without the ids (see :func:`_with_ids`)."""
    return t.group_by(["account_id", "local_date"]).aggregate(
        cust=t.customer_id.min(), total=cents(t.amount_cny).sum(), n=t.count(), first_s=t.epoch_s.min(),
        last_s=t.epoch_s.max())


def _with_ids(d: ir.Table, t: ir.Table) -> ir.Table:
    """The account-days left in ``d`` with their transaction ids (:func:`ids_of_groups`)."""
    return ids_of_groups(d, t, {"account_id": "account_id", "local_date": "local_date"}, name="ids")


def dormant(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """An account silent for ``min_idle_days`` that moves at least ``min_amount`` CNY on waking."""
    d = _daily(t)
    w = ibis.window(group_by=d.account_id, order_by=[d.local_date])
    d = d.mutate(prev_last=d.last_s.lag().over(w))
    idle = (d.first_s - d.prev_last) // 86400
    d = d.mutate(idle_days=idle.cast("int64"))
    d = d.filter(d.prev_last.notnull() & (d.idle_days >= int(p["min_idle_days"]))
                 & (d.total >= int(round(float(p["min_amount"]) * 100))))
    d = _with_ids(d, t)
    return standard(d, customer_id=d.cust, date=d.local_date, currency=ibis.literal("CNY"),
                    value=d.total / 100.0, threshold=ibis.literal(float(p["min_amount"])), txn_count=d.n,
                    txn_ids=d.ids)


def round_amounts(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Many large round-number amounts (multiples of ``unit`` CNY) in a window."""
    f = t.filter((t.amount_cny >= float(p["min_amount"])) & (t.currency == "CNY"))
    f = f.filter(cents(f.amount) % int(round(float(p["unit"]) * 100)) == 0)
    f = f.mutate(win=day_bucket(f.local_date, int(p["window_days"])))
    g = f.group_by(["account_id", "win"]).aggregate(
        cust=f.customer_id.min(), n=f.count(), total=cents(f.amount_cny).sum(), ids=f.txn_id.collect(),
        day=f.local_date.min())
    g = g.filter(g.n >= int(p["min_count"]))
    return standard(g, customer_id=g.cust, date=g.day, currency=ibis.literal("CNY"),
                    value=g.n.cast("float64"), threshold=ibis.literal(float(p["min_count"])), txn_count=g.n,
                    txn_ids=g.ids)


def high_risk_geography(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Flows with counterparties in listed high-risk jurisdictions, per customer, day and side."""
    f = t.filter(t.counterparty_country.isin(list(p["countries"])))
    g = f.group_by(["customer_id", "local_date", "direction"]).aggregate(
        total=cents(f.amount_cny).sum(), txn_count=f.count(), txn_ids=f.txn_id.collect(),
        account_id=f.account_id.min())
    g = g.filter(g.total >= int(round(float(p["min_amount"]) * 100)))
    return standard(g, date=g.local_date, currency=ibis.literal("CNY"), value=g.total / 100.0,
                    threshold=ibis.literal(float(p["min_amount"])))


def velocity_spike(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """A day whose amount or count is ``factor``× the account's own average over its previous active days."""
    d = _daily(t)
    hist = int(p["history_days"])
    w = ibis.window(group_by=d.account_id, order_by=[d.local_date], rows=(-hist, -1))
    d = d.mutate(avg_total=d.total.mean().over(w), avg_n=d.n.mean().over(w), n_hist=d.n.count().over(w))
    factor = float(p["factor"])
    d = d.filter((d.n_hist >= int(p["min_history"])) & (d.total >= int(round(float(p["min_amount"]) * 100)))
                 & ((d.total >= d.avg_total * factor) | (d.n >= d.avg_n * factor)))
    d = _with_ids(d, t)
    return standard(d, customer_id=d.cust, date=d.local_date, currency=ibis.literal("CNY"),
                    value=d.total / 100.0, threshold=(d.avg_total * factor / 100.0).round(2), txn_count=d.n,
                    txn_ids=d.ids)


def peer_deviation(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Monthly outflow far above the account's peer group (same customer type): mean + z·sd."""
    f = t.filter(t.direction == "out").mutate(win=day_bucket(t.local_date, int(p["window_days"])))
    g = f.group_by(["account_id", "win"]).aggregate(
        cust=f.customer_id.min(), ctype=f.customer_type.min(), total=cents(f.amount_cny).sum(), n=f.count(),
        day=f.local_date.min())
    w = ibis.window(group_by=[g.ctype, g.win])
    g = g.mutate(mu=g.total.mean().over(w), sd=g.total.std(how="pop").over(w), peers=g.count().over(w))
    bar = (g.mu + float(p["z"]) * g.sd).round(0)
    g = g.mutate(bar=bar).filter(lambda x: (x.peers >= int(p["min_peers"])) & (x.total > x.bar)
                                 & (x.total >= int(round(float(p["min_amount"]) * 100))))
    g = ids_of_groups(g, f, {"account_id": "account_id", "win": "win"}, name="ids")  # only those over the bar
    return standard(g, customer_id=g.cust, date=g.day, direction=ibis.literal("out"), currency=ibis.literal("CNY"),
                    value=g.total / 100.0, threshold=g.bar / 100.0, txn_count=g.n, txn_ids=g.ids)


IMPLEMENTATIONS: dict[str, Any] = {
    "dormant": dormant, "round_amounts": round_amounts, "high_risk_geography": high_risk_geography,
    "velocity_spike": velocity_spike, "peer_deviation": peer_deviation,
}
