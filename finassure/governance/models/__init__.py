"""Governance (制度与治理): the business-process catalogue, policies and their versions, positions, attestation,
the regulation library, the quarterly internal audit, risks and controls, and new products; one module per
register. Everything is importable from here as before."""

from __future__ import annotations

from finassure.governance.models.audit import (
    AuditPlan,
    Engagement,
    Finding,
)
from finassure.governance.models.policies import (
    Article,
    Attestation,
    Policy,
    PolicyReview,
    PolicyVersion,
    Regulation,
)
from finassure.governance.models.processes import (
    IncompatibleDuty,
    Position,
    Process,
)
from finassure.governance.models.products import (
    PRODUCT_CHECKLISTS,
    Product,
    ProductCondition,
    ProductReview,
)
from finassure.governance.models.risks import (
    RISK_SCALE,
    Control,
    ControlTest,
    KeyRiskIndicator,
    KriValue,
    Risk,
    risk_level,
)

__all__ = [
    "PRODUCT_CHECKLISTS",
    "Article",
    "Attestation",
    "AuditPlan",
    "Control",
    "ControlTest",
    "Engagement",
    "Finding",
    "IncompatibleDuty",
    "KeyRiskIndicator",
    "KriValue",
    "Policy",
    "PolicyReview",
    "PolicyVersion",
    "Position",
    "Process",
    "Product",
    "ProductCondition",
    "ProductReview",
    "RISK_SCALE",
    "Regulation",
    "Risk",
    "risk_level",
]
