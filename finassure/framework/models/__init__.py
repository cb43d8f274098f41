"""Models of the assurance framework: library versions, measures, indicators, target overrides, snapshots,
corrective actions (整改) and in-app notifications."""

from __future__ import annotations

from finassure.framework.models.actions import (
    AccountabilityRecord,
    BudgetLine,
    CorrectiveAction,
    Notification,
    WorkTask,
)
from finassure.framework.models.costs import (
    LossEvent,
    RaciEntry,
)
from finassure.framework.models.indicators import (
    BilingualText,
    Indicator,
    LibraryVersion,
    Measure,
    Snapshot,
    TargetOverride,
)
from finassure.framework.models.reviews import (
    AssessmentFinding,
    ExternalAssessment,
    Meeting,
    MeetingDecision,
)

__all__ = [
    "AccountabilityRecord",
    "AssessmentFinding",
    "BilingualText",
    "BudgetLine",
    "CorrectiveAction",
    "ExternalAssessment",
    "Indicator",
    "LibraryVersion",
    "LossEvent",
    "Measure",
    "Meeting",
    "MeetingDecision",
    "Notification",
    "RaciEntry",
    "Snapshot",
    "TargetOverride",
    "WorkTask",
]
