"""Writes of customer service: the complaint lifecycle, surveys, compensation. Each checks, changes, audits.

Lifecycle: register → accept → (pause ↔ resume for appraisal or mediation) → decide → notify → close;
re-check as a linked sub-case; withdrawal at any open step. Every step appends a `ComplaintEvent`, from
which the two clocks are computed (see `clock.py`). `at=` lets imports and the demo record past events;
events must not go back in time.

The package is split by concern; `from finassure.service import services` and `services.<name>` keep
working for every public write:

- `intake` — register (any channel, with attachments), the major-complaint alarm;
- `handling` — the handling steps, reveal, confirmed classification, routing to another unit;
- `attachments` — add, download (scoped, audited), orphan sweep;
- `merging` — a repeat complaint closed into its primary (no undo: see the module);
- `surveys`, `compensation`, `configuration` (categories, FAQ, classifier, routing rules), `portal`
  (anonymous visit outcomes), `imports` (bulk import jobs), `keys` (key rotation), `counts` (the daily
  complaint counts behind the statistics page).
"""

from finassure.service.services._common import refresh_clocks
from finassure.service.services.attachments import (
    attachment_add,
    attachment_open,
    attachments_check,
    attachments_store,
    attachments_sweep_orphans,
)
from finassure.service.services.compensation import (
    compensation_decide,
    compensation_pay,
    compensation_propose,
)
from finassure.service.services.configuration import (
    category_save,
    classifier_retrain,
    ensure_default_categories,
    faq_save,
    faq_vote,
)
from finassure.service.services.counts import complaint_counts_rebuild, complaint_counts_refresh
from finassure.service.services.handling import (
    complaint_accept,
    complaint_assign,
    complaint_classify,
    complaint_close,
    complaint_decide,
    complaint_extend,
    complaint_note,
    complaint_notify,
    complaint_pause,
    complaint_recheck,
    complaint_remediate,
    complaint_resume,
    complaint_reveal,
    complaint_set_root_cause,
    complaint_withdraw,
)
from finassure.service.services.imports import complaint_import, complaint_import_run, complaint_import_start
from finassure.service.services.intake import complaint_register
from finassure.service.services.keys import complaints_rotate_keys
from finassure.service.services.merging import complaint_merge
from finassure.service.services.portal import portal_visit_record
from finassure.service.services.routing import complaint_route, routing_rule_delete, routing_rule_save
from finassure.service.services.surveys import survey_answer, survey_create

__all__ = [
    "complaint_import_run", "complaint_import_start",
    "complaint_merge",
    "complaint_counts_rebuild", "complaint_counts_refresh",
    "portal_visit_record",
    "complaint_route", "routing_rule_delete", "routing_rule_save",
    "attachment_add",
    "attachment_open",
    "attachments_check",
    "attachments_store",
    "attachments_sweep_orphans",
    "category_save",
    "classifier_retrain",
    "complaint_accept",
    "complaint_assign",
    "complaint_classify",
    "complaint_close",
    "complaint_decide",
    "complaint_extend",
    "complaint_import",
    "complaint_note",
    "complaint_notify",
    "complaint_pause",
    "complaint_recheck",
    "complaint_register",
    "complaint_remediate",
    "complaint_resume",
    "complaint_reveal",
    "complaint_set_root_cause",
    "complaint_withdraw",
    "complaints_rotate_keys",
    "compensation_decide",
    "compensation_pay",
    "compensation_propose",
    "ensure_default_categories",
    "faq_save",
    "faq_vote",
    "refresh_clocks",
    "survey_answer",
    "survey_create",
]
