"""Writes of incidents. Each checks permission, changes state, writes the timeline and the audit record together.

The writes live in cohesive modules (lifecycle, escalation, review, plans, drills, configuration); this package
re-exports them so `from finassure.incidents import services` and `services.incident_report(...)` keep working.
"""

from __future__ import annotations

from finassure.incidents.services._common import BACKDATE_TOLERANCE, FUTURE_TOLERANCE, REVIEW_DUE_DAYS
from finassure.incidents.services.configuration import (
    incident_settings_update,
    incident_type_save,
    reporting_rule_save,
)
from finassure.incidents.services.drills import (
    drill_complete,
    drill_finding_open,
    drill_schedule,
    drill_start,
    drill_step_complete,
)
from finassure.incidents.services.escalation import timers_check
from finassure.incidents.services.lifecycle import (
    incident_note_add,
    incident_regrade,
    incident_regulator_report,
    incident_report,
    incident_roles_set,
    incident_transition,
)
from finassure.incidents.services.plans import (
    incident_plan_step_complete,
    plan_create,
    plan_version_approve,
    plan_version_create,
)
from finassure.incidents.services.review import (
    REVIEW_FIELDS,
    incident_close,
    review_action_open,
    review_complete,
    review_start,
    review_update,
)

__all__ = [
    "BACKDATE_TOLERANCE", "FUTURE_TOLERANCE", "REVIEW_DUE_DAYS", "REVIEW_FIELDS", "drill_complete",
    "drill_finding_open", "drill_schedule", "drill_start", "drill_step_complete", "incident_close", "incident_settings_update", "incident_type_save", "reporting_rule_save",
    "incident_note_add", "incident_plan_step_complete", "incident_regrade", "incident_regulator_report",
    "incident_report", "incident_roles_set", "incident_transition", "plan_create", "plan_version_approve",
    "plan_version_create", "review_action_open", "review_complete", "review_start", "review_update",
    "timers_check",
]
