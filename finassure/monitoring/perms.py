"""Permission names of risk monitoring, and which built-in roles hold them (granted in apps.ready)."""

from __future__ import annotations

from finassure.accounts.roles import Role

VIEW = "monitoring.view_alert"  # runs, alerts, cases, reports
WORK = "monitoring.work_alert"  # assign, close, cases, notes, dispositions
RUN = "monitoring.run_engine"  # start and retry engine runs
DRAFT = "monitoring.draft_report"  # draft and submit LV / suspicious reports (maker)
APPROVE = "monitoring.approve_report"  # approve and file them (checker, never the drafter)
SCORE = "monitoring.score_transaction"  # real-time scoring API
TUNE = "monitoring.propose_rule_change"  # propose rule switches / parameters, register and propose models (maker)
APPROVE_CHANGE = (
    "monitoring.approve_rule_change"  # approve rule and model changes (checker, never the proposer)
)

ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    Role.AML_ANALYST: (VIEW, WORK, RUN, DRAFT, APPROVE, SCORE, TUNE, APPROVE_CHANGE),
    Role.RISK_MANAGER: (VIEW, APPROVE, TUNE, APPROVE_CHANGE),
    Role.QUALITY_MANAGER: (VIEW,),
    Role.INTERNAL_AUDITOR: (VIEW,),
    Role.EXECUTIVE: (VIEW,),
    Role.EXTERNAL_ASSESSOR: (VIEW,),
    Role.AUDIT_ADMIN: (VIEW,),
}
