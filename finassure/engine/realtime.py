"""Real-time scoring: ``score_transaction()`` with per-account state in memory or in Redis."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from finassure.engine.fx import FxTable, load_fx
from finassure.engine.i18n import _
from finassure.engine.rules import RuleSpec, load_rules
from finassure.engine.schema import DEFAULT_TIMEZONE, DOMESTIC_COUNTRY


class State(Protocol):
    def add_daily(self, key: str, cents: int) -> int: ...

    def recent(self, key: str, since: int) -> list[tuple[int, float]]: ...

    def push(self, key: str, epoch: int, amount: float, keep_s: int) -> None: ...

    def account_score(self, account_id: str) -> float | None: ...


@dataclass
class MemoryState:
    """Per-process state: daily sums and recent incoming amounts (bounded)."""

    daily: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    events: dict[str, deque] = field(default_factory=lambda: defaultdict(lambda: deque(maxlen=256)))
    scores: dict[str, float] = field(default_factory=dict)

    def add_daily(self, key: str, cents: int) -> int:
        self.daily[key] += cents
        return self.daily[key]

    def recent(self, key: str, since: int) -> list[tuple[int, float]]:
        return [(t, a) for t, a in self.events[key] if t >= since]

    def push(self, key: str, epoch: int, amount: float, keep_s: int) -> None:
        q = self.events[key]
        while q and q[0][0] < epoch - keep_s:
            q.popleft()
        q.append((epoch, amount))

    def account_score(self, account_id: str) -> float | None:
        return self.scores.get(account_id)


class RedisState:
    """The same state in Redis, shared by several scoring processes (keys expire after two days)."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", prefix: str = "finassure:rt:") -> None:
        import redis

        self.r = redis.Redis.from_url(url)
        self.p = prefix

    def add_daily(self, key: str, cents: int) -> int:
        pipe = self.r.pipeline()
        pipe.incrby(self.p + "d:" + key, cents)
        pipe.expire(self.p + "d:" + key, 172_800)
        return int(pipe.execute()[0])

    def recent(self, key: str, since: int) -> list[tuple[int, float]]:
        raw = self.r.zrangebyscore(self.p + "e:" + key, since, "+inf")
        return [(int(v[0]), float(v[1])) for v in (json.loads(item) for item in raw)]  # type: ignore[arg-type]

    def push(self, key: str, epoch: int, amount: float, keep_s: int) -> None:
        k = self.p + "e:" + key
        pipe = self.r.pipeline()
        pipe.zadd(k, {json.dumps([epoch, amount, id(amount)]): epoch})
        pipe.zremrangebyscore(k, "-inf", epoch - keep_s)
        pipe.expire(k, keep_s + 3600)
        pipe.execute()

    def account_score(self, account_id: str) -> float | None:
        v = self.r.hget(self.p + "scores", account_id)
        return float(v) if v is not None else None

    def clear(self) -> None:
        for k in self.r.scan_iter(self.p + "*"):
            self.r.delete(k)


@dataclass
class Scorer:
    """Per-transaction rules (large-value, structuring, high-risk geography, pass-through) plus the batch model score."""

    state: Any = field(default_factory=MemoryState)
    review_at: float = 0.5
    block_at: float = 0.9
    tz: str = DEFAULT_TIMEZONE
    fx: FxTable = field(default_factory=load_fx)
    rules: dict[str, RuleSpec] = field(default_factory=lambda: {r.id: r for r in load_rules()})

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.tz)
        self._usd_cache: dict[tuple[str, str], float] = {}

    def _usd(self, amount: float, currency: str, day: Any) -> tuple[float, float]:
        key = (currency, day.isoformat())
        rate = self._usd_cache.get(key)
        if rate is None:
            rate = self.fx.cny_per_unit(currency, day)
            self._usd_cache[key] = rate
            self._usd_cache[("USD", key[1])] = self.fx.cny_per_unit("USD", day)
        cny = amount * rate
        return cny, cny / self._usd_cache[("USD", key[1])]

    def score(self, txn: dict[str, Any]) -> dict[str, Any]:
        ts = txn["ts"] if isinstance(txn["ts"], datetime) else datetime.fromisoformat(txn["ts"])
        if ts.tzinfo is None:
            raise ValueError(_("ts: timestamp has no time zone"))
        day = ts.astimezone(self._zone).date()
        epoch = int(ts.timestamp())
        amount, currency = float(txn["amount"]), str(txn["currency"]).upper()
        if not amount > 0:
            raise ValueError(_("amount must be positive"))
        cny, usd = self._usd(amount, currency, day)
        channel, direction, ctype = txn["channel"], txn["direction"], txn["customer_type"]
        country = txn.get("counterparty_country") or ""
        cross = bool(txn["cross_border"]) if txn.get("cross_border") is not None else (
            country not in ("", DOMESTIC_COUNTRY))
        hits: list[dict[str, Any]] = []
        unit, measure = ("CNY", cny) if currency == "CNY" else ("USD", usd)
        for rid in ("pboc_lv_cash", "pboc_lv_entity_transfer", "pboc_lv_individual_domestic",
                    "pboc_lv_individual_crossborder"):
            r = self.rules.get(rid)
            if r is None or not r.enabled or channel not in r.params["channels"]:
                continue
            if r.params.get("customer_type") and r.params["customer_type"] != ctype:
                continue
            if r.params.get("cross_border") is not None and bool(r.params["cross_border"]) != cross:
                continue
            key = f"{rid}|{txn['customer_id']}|{day}|{direction}|{unit}"
            before = self.state.add_daily(key, int(round(measure * 100))) - int(round(measure * 100))
            limit = int(round(r.params["cny_threshold" if unit == "CNY" else "usd_threshold"] * 100))
            total = before + int(round(measure * 100))
            if total >= limit:
                hits.append({"rule_id": rid, "score": r.base_score, "first": before < limit, "total": total / 100})
        s = self.rules.get("structuring_cash")
        if s is not None and s.enabled and channel == "cash":
            lim = float(s.params["cny_threshold"])
            if lim * float(s.params["band"]) <= cny < lim:
                n = self.state.add_daily(f"near|{txn['customer_id']}|{day}|{direction}", 1)
                if n >= int(s.params["min_near"]):
                    hits.append({"rule_id": "structuring_cash", "score": s.base_score})
        g = self.rules.get("high_risk_geography")
        if g is not None and g.enabled and country in g.params["countries"]:
            hits.append({"rule_id": "high_risk_geography", "score": g.base_score})
        pt = self.rules.get("pass_through")
        if pt is not None and pt.enabled and cny >= float(pt.params["min_amount"]):
            keep = int(pt.params["hours"]) * 3600
            if direction == "in":
                self.state.push(f"in|{txn['account_id']}", epoch, cny, keep)
            else:
                tol = float(pt.params["tolerance"])
                if any(cny * 0.9999 <= a and cny >= a * (1 - tol)
                       for _, a in self.state.recent(f"in|{txn['account_id']}", epoch - keep)):
                    hits.append({"rule_id": "pass_through", "score": pt.base_score})
        model = self.state.account_score(str(txn["account_id"]))
        score = max([h["score"] for h in hits] + [model or 0.0])
        if len(hits) > 1:
            score = min(0.99, score + 0.1 * (len(hits) - 1))
        decision = "block" if score >= self.block_at else "review" if score >= self.review_at else "pass"
        return {"txn_id": txn.get("txn_id"), "score": round(score, 4), "decision": decision, "hits": hits,
                "model_score": model}


_DEFAULT: Scorer | None = None


def score_transaction(txn: dict[str, Any], scorer: Scorer | None = None) -> dict[str, Any]:
    """Score one canonical transaction (a dict); returns score, rule hits and pass / review / block."""
    global _DEFAULT
    if scorer is None:
        if _DEFAULT is None:
            _DEFAULT = Scorer()
        scorer = _DEFAULT
    return scorer.score(txn)
