"""Writes of risk monitoring that touch the engine: runs, the import of their alerts, store reads, real-time scoring.

This is the one package that imports `finassure.engine` (DESIGN.md §3), one module per part (runs, store,
realtime): the platform reaches the engine only through its documented inputs and outputs — the transaction
store, the run folder (manifest.json, alerts.jsonl, alerts.parquet) and `score_transaction()`.
"""

from __future__ import annotations

from finassure.monitoring.services._common import (
    OUTPUT_FILES,
    REQUIRED_ALERT_FIELDS,
    RunOutputRefused,
    TransactionRefused,
    monitoring_unit,
    runs_root,
    transaction_store,
)
from finassure.monitoring.services.realtime import (
    REALTIME_RULES_REFRESH_S,
    _fraud_incident,
    _realtime_alert,
    _score_known,
    realtime_scorer,
    realtime_scorer_for,
    transaction_score,
)
from finassure.monitoring.services.runs import (
    _alert,
    _alert_values,
    _check_parquet,
    _customer_units,
    _engine_run,
    _enqueue,
    _fail,
    _insert_alerts,
    _lv_reports_link,
    _read_jsonl,
    _sha256,
    engine_execute,
    lv_reports_attach,
    read_run_outputs,
    run_execute,
    run_import,
    run_request,
    run_retry,
    run_scheduled,
    run_start,
)
from finassure.monitoring.services.store import (
    demo_store_generate,
    store_transactions,
)

__all__ = [
    "OUTPUT_FILES",
    "REALTIME_RULES_REFRESH_S",
    "REQUIRED_ALERT_FIELDS",
    "RunOutputRefused",
    "TransactionRefused",
    "_alert",
    "_alert_values",
    "_check_parquet",
    "_customer_units",
    "_engine_run",
    "_enqueue",
    "_fail",
    "_fraud_incident",
    "_insert_alerts",
    "_lv_reports_link",
    "_read_jsonl",
    "_realtime_alert",
    "_score_known",
    "_sha256",
    "demo_store_generate",
    "engine_execute",
    "lv_reports_attach",
    "monitoring_unit",
    "read_run_outputs",
    "realtime_scorer",
    "realtime_scorer_for",
    "run_execute",
    "run_import",
    "run_request",
    "run_retry",
    "run_scheduled",
    "run_start",
    "runs_root",
    "store_transactions",
    "transaction_score",
    "transaction_store",
]
