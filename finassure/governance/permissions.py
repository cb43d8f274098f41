"""Permission names of governance and the built-in roles that hold them."""

from __future__ import annotations

from finassure.accounts.roles import Role, grant

VIEW_POLICY = "governance.view_policy"  # processes, policies, positions, regulations, own attestations
MANAGE_POLICY = "governance.manage_policy"  # draft, edit, publish, retire; processes; positions; mappings
APPROVE_POLICY = "governance.approve_policy"  # review and approve drafts (never one's own)
VIEW_AUDIT = "governance.view_audit"
MANAGE_AUDIT = "governance.manage_audit"  # plans, engagements, findings: internal auditors only
VIEW_RISK = "governance.view_risk"
MANAGE_RISK = "governance.manage_risk"  # risk register, controls, KRIs and their values


def register() -> None:
    for role in Role.values:
        grant(role, VIEW_POLICY)
    for role in (Role.QUALITY_MANAGER, Role.RISK_MANAGER):
        grant(role, MANAGE_POLICY, APPROVE_POLICY)
    for role in (Role.INTERNAL_AUDITOR, Role.QUALITY_MANAGER, Role.RISK_MANAGER, Role.EXECUTIVE,
                 Role.EXTERNAL_ASSESSOR, Role.AUDIT_ADMIN):
        grant(role, VIEW_AUDIT)
    for role in (Role.RISK_MANAGER, Role.QUALITY_MANAGER, Role.INTERNAL_AUDITOR, Role.SECURITY_OFFICER,
                 Role.AML_ANALYST, Role.CONSUMER_PROTECTION_OFFICER, Role.EXECUTIVE, Role.EXTERNAL_ASSESSOR,
                 Role.AUDIT_ADMIN):
        grant(role, VIEW_RISK)
    grant(Role.RISK_MANAGER, MANAGE_RISK)
    # Auditors read everything in scope but edit none of the records they audit (no policy rights).
    grant(Role.INTERNAL_AUDITOR, MANAGE_AUDIT)
