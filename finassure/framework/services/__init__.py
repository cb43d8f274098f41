"""Writes of the assurance framework. Each checks permission, changes state and writes its audit record together.

The writes live in cohesive modules (actions, library, snapshots, plans, reviews); this package re-exports
them so `from finassure.framework import services` and `services.corrective_action_open(...)` keep working.
"""

from __future__ import annotations

from finassure.framework.services.actions import (
    corrective_action_close,
    corrective_action_complete,
    corrective_action_open,
    corrective_action_reassign,
    corrective_action_start,
    corrective_action_verify,
)
from finassure.framework.services.library import (
    LoadReport,
    indicator_target_set,
    library_load,
    measure_owner_set,
    target_override_remove,
    target_override_set,
)
from finassure.framework.services.plans import (
    DUE_SOON_DAYS,
    accountability_record_create,
    budget_line_save,
    notifications_mark_read,
    reminders_send,
    task_manager,
    work_task_create,
    work_task_progress,
)
from finassure.framework.services.reviews import (
    assessment_complete,
    assessment_create,
    assessment_finding_add,
    assessment_start,
    loss_event_record,
    meeting_cancel,
    meeting_decision_add,
    meeting_record_minutes,
    meeting_schedule,
    raci_entry_add,
    raci_entry_remove,
)
from finassure.framework.services.snapshots import (
    BREACH_DUE_DAYS,
    RunReport,
    breach_action_open,
    snapshot_compute,
    snapshots_compute,
    snapshots_run,
)

__all__ = [
    "assessment_complete", "assessment_create", "assessment_finding_add", "assessment_start", "loss_event_record",
    "meeting_cancel", "meeting_decision_add", "meeting_record_minutes", "meeting_schedule", "raci_entry_add",
    "raci_entry_remove",
    "BREACH_DUE_DAYS", "DUE_SOON_DAYS", "LoadReport", "RunReport", "accountability_record_create",
    "breach_action_open", "budget_line_save", "corrective_action_close", "corrective_action_complete",
    "corrective_action_open", "corrective_action_reassign", "corrective_action_start", "corrective_action_verify",
    "indicator_target_set", "library_load", "measure_owner_set", "notifications_mark_read", "reminders_send",
    "snapshot_compute", "snapshots_compute", "snapshots_run", "target_override_remove", "target_override_set",
    "task_manager", "work_task_create", "work_task_progress",
]
