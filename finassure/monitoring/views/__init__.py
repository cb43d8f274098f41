"""Pages of risk monitoring, one module per section: the alert queue, cases with their transactions and graph,
AML reports, engine runs, rules and models; thin: forms validate, triage, filing, rulebook and services
decide, selectors read. `urls.py` refers to them through this package."""

from __future__ import annotations

from finassure.monitoring.views.alerts import (
    alert_assign,
    alert_bulk_close,
    alert_detail,
    alert_escalate,
    alert_export,
    alert_list,
)
from finassure.monitoring.views.cases import (
    case_action,
    case_attachment,
    case_attachment_add,
    case_detail,
    case_graph,
    case_list,
    case_transactions,
)
from finassure.monitoring.views.reports import (
    report_action,
    report_detail,
    report_export,
    report_list,
)
from finassure.monitoring.views.runs import (
    run_detail,
    run_list,
    run_retry,
    run_start,
)
from finassure.monitoring.views.tuning import (
    model_action,
    model_list,
    model_register,
    rule_change_decide,
    rule_change_propose,
    rule_list,
)

__all__ = [
    "alert_assign",
    "alert_bulk_close",
    "alert_detail",
    "alert_escalate",
    "alert_export",
    "alert_list",
    "case_action",
    "case_attachment",
    "case_attachment_add",
    "case_detail",
    "case_graph",
    "case_list",
    "case_transactions",
    "model_action",
    "model_list",
    "model_register",
    "report_action",
    "report_detail",
    "report_export",
    "report_list",
    "rule_change_decide",
    "rule_change_propose",
    "rule_list",
    "run_detail",
    "run_list",
    "run_retry",
    "run_start",
]
