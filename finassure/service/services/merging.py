"""Merge of repeat complaints: a duplicate is closed into its primary (same complainant, same institution).

The complainant is matched by the keyed blind indexes of phone and ID number (never by decrypting and
comparing in bulk). Merging appends a `merged` event to the duplicate (which stops both of its clocks: see
`clock.py`) and a `duplicate_merged` event to the primary (which is no clock event: the primary keeps its
own clocks). The events carry the reason and the two tracking numbers only: nothing personal is copied.

Undo is not supported, by decision: the event history is append-only and the clocks are derived from it, so
an "unmerge" would have to restart two stopped clocks with a gap whose meaning the regulation does not define
(was the time merged paused or running?). A wrong merge is instead corrected on the primary, which keeps the
full history of both and is handled to a decision that answers both submissions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.platform import audit
from finassure.platform.errors import Conflict
from finassure.service import perms
from finassure.service.models import Complaint
from finassure.service.selectors import (
    MERGE_WINDOW_DAYS,
    MERGEABLE_STATUSES,
    id_index_candidates,
    phone_index_candidates,
)
from finassure.service.services._common import EventKind, Status, _event, _invalid, _save


def same_complainant(a: Complaint, b: Complaint) -> bool:
    """Whether the two complaints share the keyed blind index of the phone or of the ID number."""
    if b.phone_index and b.phone_index in phone_index_candidates(a.complainant_phone or ""):
        return True
    return bool(b.id_number_index and b.id_number_index in id_index_candidates(a.complainant_id_number or ""))


def _check(duplicate: Complaint, primary: Complaint, now: dt.datetime) -> None:
    if duplicate.pk == primary.pk:
        raise _invalid("primary", _("A complaint cannot be merged into itself."))
    if duplicate.merged_into_id is not None:
        raise Conflict(_("This complaint has already been merged."))
    if duplicate.duplicates.exists():
        raise Conflict(
            _("Other complaints were merged into this one: it stays the primary and cannot be merged.")
        )
    if duplicate.status not in MERGEABLE_STATUSES:
        raise Conflict(
            _("Only a complaint still in handling (not decided, closed or withdrawn) can be merged.")
        )
    if primary.merged_into_id is not None or primary.status == Status.MERGED:
        raise _invalid(
            "primary", _("The chosen complaint was itself merged into another: merge into that one.")
        )
    if primary.status in (Status.CLOSED, Status.WITHDRAWN):
        raise _invalid("primary", _("A complaint cannot be merged into a closed or withdrawn complaint."))
    if primary.org_unit.institution_id != duplicate.org_unit.institution_id:
        raise _invalid("primary", _("Complaints of different institutions cannot be merged."))
    if duplicate.kind != Complaint.Kind.COMPLAINT or primary.kind != Complaint.Kind.COMPLAINT:
        raise _invalid("primary", _("Only complaints (not suggestions) can be merged."))
    if not same_complainant(duplicate, primary):
        raise _invalid(
            "primary", _("The two complaints are not from the same complainant (phone or ID number).")
        )
    if primary.received_at < now - dt.timedelta(days=MERGE_WINDOW_DAYS):
        raise _invalid(
            "primary", _("A repeat complaint is merged only into one received in the last 90 days.")
        )


@transaction.atomic
def complaint_merge(
    *, actor: Any, duplicate: Complaint, primary: Complaint, reason: str, at: dt.datetime | None = None
) -> Complaint:
    """Close `duplicate` into `primary`, with a reason; both histories record it; audited. Returns the primary."""
    access.require(actor, perms.HANDLE, duplicate.org_unit)
    access.require(actor, perms.HANDLE, primary.org_unit)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Give the reason for the merge."))
    if len(reason) > 2000:
        raise _invalid("reason", _("The reason is too long (2000 characters at most)."))
    # lock both rows in a fixed order, then check against their current state
    locked = {
        c.pk: c
        for c in Complaint.objects.select_for_update()
        .filter(pk__in=[duplicate.pk, primary.pk])
        .order_by("pk")
    }
    duplicate.refresh_from_db()
    primary.refresh_from_db()
    if duplicate.pk not in locked or primary.pk not in locked:  # pragma: no cover - deleted meanwhile
        raise Conflict(_("The complaint no longer exists."))
    now = at or timezone.now()
    _check(duplicate, primary, now)
    before = audit.snapshot(duplicate)
    event = _event(
        duplicate,
        EventKind.MERGED,
        actor=actor,
        at=at,
        note=reason,
        data={"primary": primary.tracking_number},
    )
    duplicate.status, duplicate.merged_into, duplicate.closed_at = Status.MERGED, primary, event.at
    _save(duplicate, before, actor, "complaint.merge", {"primary": primary.tracking_number})
    before_primary = audit.snapshot(primary)
    _event(
        primary,
        EventKind.DUPLICATE_MERGED,
        actor=actor,
        at=max(event.at, _last_at(primary) or event.at),
        note=reason,
        data={"duplicate": duplicate.tracking_number},
    )
    _save(primary, before_primary, actor, "complaint.merge_primary", {"duplicate": duplicate.tracking_number})
    return primary


def _last_at(complaint: Complaint) -> dt.datetime | None:
    return complaint.events.order_by("-at").values_list("at", flat=True).first()
