"""Writes of governance, one module per section. Each service checks permission, changes state and writes the audit
record in one transaction. Import from here (`from finassure.governance import services`); the modules are:
processes, policies (versions, reviews, attestation, article mapping), positions, audit, risks (risks, controls,
KRIs), products, registers (Excel import), reminders."""

from __future__ import annotations

from finassure.governance.services.audit import (
    audit_plan_create,
    audit_plans_generate,
    engagement_create,
    engagement_report,
    engagement_start_fieldwork,
    finding_create,
)
from finassure.governance.services.policies import (
    article_map,
    article_unmap,
    attestation_campaign_start,
    attestation_confirm,
    policy_create,
    policy_retire,
    policy_review_record,
    policy_update,
    policy_version_approve,
    policy_version_create,
    policy_version_publish,
    policy_version_review,
    policy_version_submit,
    policy_version_update,
)
from finassure.governance.services.positions import (
    incompatible_duty_create,
    position_create,
    position_set_holders,
)
from finassure.governance.services.processes import (
    process_create,
    process_import,
    process_seed_defaults,
    process_update,
)
from finassure.governance.services.reminders import (
    REMINDER_DAYS,
    reminders_send,
)
from finassure.governance.services.risks import (
    RISK_FIELDS,
    control_create,
    control_test_record,
    kri_create,
    kri_record_value,
    kri_status,
    risk_accept,
    risk_create,
    risk_update,
)

__all__ = [
    "process_create",
    "process_update",
    "process_seed_defaults",
    "process_import",
    "policy_create",
    "policy_update",
    "policy_version_create",
    "policy_version_update",
    "policy_version_submit",
    "policy_version_review",
    "policy_version_approve",
    "policy_version_publish",
    "policy_retire",
    "policy_review_record",
    "attestation_campaign_start",
    "attestation_confirm",
    "article_map",
    "article_unmap",
    "position_create",
    "position_set_holders",
    "incompatible_duty_create",
    "audit_plan_create",
    "engagement_create",
    "engagement_start_fieldwork",
    "engagement_report",
    "finding_create",
    "audit_plans_generate",
    "RISK_FIELDS",
    "risk_create",
    "risk_update",
    "risk_accept",
    "control_create",
    "control_test_record",
    "kri_create",
    "kri_status",
    "kri_record_value",
    "REMINDER_DAYS",
    "reminders_send",
]
