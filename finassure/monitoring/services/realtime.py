"""Real-time scoring: the engine's scorer per org unit with the approved rule changes, the stored result (a repeated transaction id answers the first result), an alert for high-severity decisions and a fraud incident for suspected fraud."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.monitoring import deadlines, perms
from finassure.monitoring.models import (
    SEVERITY_RANK,
    Alert,
    ScoreResult,
    Severity,
)
from finassure.monitoring.services._common import TransactionRefused
from finassure.monitoring.services.runs import _customer_units
from finassure.platform import audit
from finassure.platform.errors import ApplicationError

log = logging.getLogger(__name__)


def transaction_score(*, actor: Any, txn: dict[str, Any]) -> tuple[ScoreResult, bool]:
    """Score one transaction with the engine's real-time scorer; a repeated transaction id gets its first result.

    The hot path of the scoring API (benchmarks/monitoring/RESULTS.md): one indexed look-up of the id, the
    engine's in-memory (or Redis) scorer, one INSERT; a transaction only when a blocked decision opens an alert.
    """
    access.require(actor, perms.SCORE)
    if _score_known(txn["txn_id"]):
        return ScoreResult.objects.get(txn_id=txn["txn_id"]), False
    from finassure.engine.i18n import normalize, override

    try:
        scorer, rule_changes = realtime_scorer_for(actor.org_unit_id)
        with override(normalize(get_language())):  # the engine's refusal in the request's language
            result = scorer.score(dict(txn))
        if rule_changes:
            result["rule_changes"] = rule_changes  # kept in the stored result: which approved changes applied
    except (KeyError, ValueError) as exc:
        raise TransactionRefused(
            _("The transaction cannot be scored: %(reason)s") % {"reason": exc},
            fields={"request": [str(exc)]},
        ) from None
    stored = ScoreResult(
        org_unit_id=actor.org_unit_id,
        txn_id=txn["txn_id"],
        requested_by=actor,
        request=json.loads(json.dumps(txn, default=str)),
        result=json.loads(json.dumps(result, default=str)),
    )
    blocked = result["decision"] == "block"
    # Outside a transaction a pass/review is one INSERT in autocommit (no BEGIN/COMMIT round trips on the
    # common path); inside one (or when an alert is opened too) a savepoint keeps a lost race harmless.
    atomic: Any = (
        transaction.atomic() if blocked or transaction.get_connection().in_atomic_block else nullcontext()
    )
    try:
        with atomic:
            stored.save(force_insert=True)
            if blocked:
                stored.alert = _realtime_alert(txn, result, default_unit_id=actor.org_unit_id)
                if txn.get("suspected_fraud"):
                    reference = _fraud_incident(actor=actor, txn=txn, alert=stored.alert)
                    if reference:
                        stored.result = {**stored.result, "incident": reference}
                stored.save(update_fields=["alert", "result"])
    except IntegrityError:  # the same id scored concurrently: the first one stored wins
        return ScoreResult.objects.get(txn_id=txn["txn_id"]), False
    return stored, True


def _score_known(txn_id: str) -> bool:
    """Whether a transaction id was scored before: one primary-key probe on the unique index, no ORM compile."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {ScoreResult._meta.db_table} WHERE txn_id = %s", [txn_id])  # noqa: S608
        return cursor.fetchone() is not None


_SCORER: Any = None


def realtime_scorer() -> Any:
    """The engine's real-time scorer, built once per process (rules and FX table loaded once).

    Its running state (daily totals, recent incoming amounts) lives in this process unless
    FINASSURE_REALTIME_REDIS_URL is set; with several server processes set it, or each process keeps its own
    totals and a large-value split across processes is missed.
    """
    global _SCORER
    if _SCORER is None:
        from finassure.engine.realtime import MemoryState, RedisState, Scorer

        url = getattr(settings, "FINASSURE_REALTIME_REDIS_URL", None) or os.environ.get(
            "FINASSURE_REALTIME_REDIS_URL"
        )
        _SCORER = Scorer(state=RedisState(url) if url else MemoryState())
    return _SCORER


REALTIME_RULES_REFRESH_S = 30.0


_SCORERS: dict[
    str, Any
] = {}  # changes (as JSON) -> scorer applying them, sharing the state of the base scorer


def realtime_scorer_for(org_unit_id: int) -> tuple[Any, str]:
    """The scorer for callers of `org_unit_id`: the engine's rules with the approved changes in force there.

    The changes in force are looked up at most every REALTIME_RULES_REFRESH_S seconds per unit (an approval
    in this process forgets them at once; other server processes see it within that delay). All variants
    share the base scorer's state and FX table. Returns the scorer and the signature of the applied changes
    ("rule_id:change_id,…", empty when only built-in rules apply).
    """
    import time as _time

    from finassure.monitoring import rulebook

    now = _time.monotonic()
    cached = rulebook.REALTIME_RULES.get(org_unit_id)
    if cached is None or now - cached[0] > REALTIME_RULES_REFRESH_S:
        unit = OrgUnit.objects.filter(pk=org_unit_id).only("id", "path").first()
        in_force = rulebook.rules_in_force(org_unit=unit) if unit is not None else {}
        signature = ",".join(f"{rid}:{c.pk}" for rid, c in sorted(in_force.items()))
        overrides = {rid: {"enabled": c.enabled, "params": c.params} for rid, c in in_force.items()}
        key = json.dumps(overrides, sort_keys=True, default=str)
        if signature and key not in _SCORERS:
            from finassure.engine.realtime import Scorer
            from finassure.engine.rules import load_rules

            base = realtime_scorer()
            _SCORERS[key] = Scorer(
                state=base.state, fx=base.fx, rules={r.id: r for r in load_rules(overrides=overrides)}
            )
        cached = (now, signature, key)
        rulebook.REALTIME_RULES[org_unit_id] = cached
    _checked, signature, key = cached
    return (_SCORERS[key] if signature else realtime_scorer()), signature


def _realtime_alert(txn: dict[str, Any], result: dict[str, Any], *, default_unit_id: int) -> Alert:
    """A blocked transaction opens a high-severity alert at once, in its customer's unit."""
    ranked = sorted(result.get("hits", []), key=lambda h: -float(h.get("score", 0)))
    hits = [h["rule_id"] for h in ranked]  # the strongest hit names the alert
    unit_id = _customer_units({txn["customer_id"]}).get(txn["customer_id"], default_unit_id)
    ts = txn["ts"] if isinstance(txn["ts"], dt.datetime) else dt.datetime.fromisoformat(str(txn["ts"]))
    day = timezone.localtime(ts).date()
    rules = ", ".join(hits) or "model"
    alert = Alert.objects.create(
        alert_id="rt-" + hashlib.sha256(str(txn["txn_id"]).encode()).hexdigest()[:20],
        run=None,
        org_unit_id=unit_id,
        rule_id=f"realtime:{hits[0] if hits else 'model'}"[:64],
        rule_version="realtime",
        customer_id=str(txn["customer_id"]),
        account_id=str(txn["account_id"]),
        date=day,
        direction=str(txn["direction"]),
        currency=str(txn["currency"]),
        value=float(txn["amount"]),
        txn_count=1,
        txn_ids=[str(txn["txn_id"])],
        score=float(result["score"]),
        model_score=result.get("model_score"),
        severity=Severity.HIGH,
        severity_rank=SEVERITY_RANK[Severity.HIGH],
        explanation=f"Real-time scoring blocked transaction {txn['txn_id']} (score {result['score']}; {rules}).",
        explanation_zh=f"实时评分拦截交易 {txn['txn_id']}（评分 {result['score']}；{rules}）。",
        due_date=deadlines.review_due(timezone.localdate()),
    )
    audit.record(
        action="alert.opened_realtime", obj=alert, actor_repr="system", detail={"txn_id": txn["txn_id"]}
    )
    return alert


def _fraud_incident(*, actor: Any, txn: dict[str, Any], alert: Alert) -> str | None:
    """A blocked transaction the caller reports as suspected fraud opens a fraud incident (incidents module).

    Only when the incidents app is installed and has an active incident type `fraud`; the incident is reported
    by the API caller (anyone who works in the institution may report one). A refusal there never loses the
    score or the alert: it is logged and audited, and the answer carries no incident.
    """
    from django.apps import apps

    if not apps.is_installed("finassure.incidents"):
        return None
    from finassure.incidents import services as incidents
    from finassure.incidents.models import IncidentType

    kind = IncidentType.objects.filter(code="fraud", is_active=True).first()
    if kind is None:
        return None
    try:
        with transaction.atomic():
            incident = incidents.incident_report(
                actor=actor,
                org_unit=alert.org_unit,
                incident_type=kind,
                title=f"实时评分拦截疑似欺诈交易 {txn['txn_id']}"[:200],
                description=f"{alert.explanation_zh}\n{alert.explanation}\n"
                f"客户 {alert.customer_id}，账户 {alert.account_id}，金额 {alert.value} {alert.currency}。",
                occurred_at=txn["ts"] if isinstance(txn["ts"], dt.datetime) else None,
            )
    except ApplicationError as exc:
        log.warning("no fraud incident for %s: %s", txn["txn_id"], exc.message)
        audit.record(
            action="alert.incident_refused",
            obj=alert,
            actor=actor,
            outcome="failure",
            detail={"reason": str(exc.message)[:500]},
        )
        return None
    audit.record(
        action="alert.incident_opened", obj=alert, actor=actor, detail={"incident": incident.reference}
    )
    return str(incident.reference)
