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
VIEW_PRODUCT = "governance.view_product"  # new products and material changes, their reviews and complaints
MANAGE_PRODUCT = "governance.manage_product"  # propose, edit, submit, launch, post-launch review
REVIEW_PRODUCT = "governance.review_product"  # pre-launch reviews (which kind: PRODUCT_REVIEW_PERMS)
APPROVE_PRODUCT = "governance.approve_product"  # the launch decision, never by the proposer or a reviewer
REVIEW_CONSUMER_PROTECTION = "governance.review_consumer_protection"  # 消费者权益保护审查

# Who may carry out each pre-launch review, beyond REVIEW_PRODUCT.
PRODUCT_REVIEW_PERMS = {"risk": MANAGE_RISK, "compliance": APPROVE_POLICY, "consumer": REVIEW_CONSUMER_PROTECTION}


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
    for role in (Role.QUALITY_MANAGER, Role.RISK_MANAGER, Role.CONSUMER_PROTECTION_OFFICER, Role.INTERNAL_AUDITOR,
                 Role.EMPLOYEE, Role.EXECUTIVE, Role.EXTERNAL_ASSESSOR, Role.AUDIT_ADMIN):
        grant(role, VIEW_PRODUCT)
    # business staff propose products; the reviews and the decision belong to the second line
    for role in (Role.QUALITY_MANAGER, Role.RISK_MANAGER, Role.EMPLOYEE):
        grant(role, MANAGE_PRODUCT)
    for role in (Role.QUALITY_MANAGER, Role.RISK_MANAGER, Role.CONSUMER_PROTECTION_OFFICER):
        grant(role, REVIEW_PRODUCT)
    grant(Role.CONSUMER_PROTECTION_OFFICER, REVIEW_CONSUMER_PROTECTION)
    for role in (Role.QUALITY_MANAGER, Role.RISK_MANAGER):
        grant(role, APPROVE_PRODUCT)
    # Auditors read everything in scope but edit none of the records they audit (no policy rights).
    grant(Role.INTERNAL_AUDITOR, MANAGE_AUDIT)
