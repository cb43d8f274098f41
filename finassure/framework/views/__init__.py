"""Pages of the assurance framework, one module per section; thin: forms validate, services decide,
selectors read. `urls.py` refers to them through this package."""

from __future__ import annotations

from finassure.framework.views.actions import (
    accountability_list,
    action_create,
    action_detail,
    action_export,
    action_list,
    action_step,
    budget,
    notification_list,
    notifications_read,
    task_create,
    task_progress,
)
from finassure.framework.views.costs import (
    accountability_create,
    budget_line_edit,
    cost_benefit,
    loss_create,
    raci,
    raci_edit,
)
from finassure.framework.views.home import (
    dashboard,
    snapshots_run,
)
from finassure.framework.views.indicators import (
    indicator_detail,
    indicator_target,
    measure_detail,
    measure_list,
    snapshot_detail,
)
from finassure.framework.views.quarterly import (
    quarterly_report,
)
from finassure.framework.views.reviews import (
    assessment_create,
    assessment_detail,
    assessment_list,
    assessment_step,
    meeting_cancel,
    meeting_create,
    meeting_decision,
    meeting_detail,
    meeting_list,
    meeting_minutes,
)

__all__ = [
    "accountability_create",
    "accountability_list",
    "action_create",
    "action_detail",
    "action_export",
    "action_list",
    "action_step",
    "assessment_create",
    "assessment_detail",
    "assessment_list",
    "assessment_step",
    "budget",
    "budget_line_edit",
    "cost_benefit",
    "dashboard",
    "indicator_detail",
    "indicator_target",
    "loss_create",
    "measure_detail",
    "measure_list",
    "meeting_cancel",
    "meeting_create",
    "meeting_decision",
    "meeting_detail",
    "meeting_list",
    "meeting_minutes",
    "notification_list",
    "notifications_read",
    "quarterly_report",
    "raci",
    "raci_edit",
    "snapshot_detail",
    "snapshots_run",
    "task_create",
    "task_progress",
]
