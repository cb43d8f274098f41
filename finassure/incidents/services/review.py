"""The post-incident review, its corrective actions, and closing the incident."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import User
from finassure.incidents import selectors
from finassure.incidents.models import (
    Incident,
    IncidentEvent,
    PostIncidentReview,
    Status,
)
from finassure.incidents.selectors import MANAGE
from finassure.incidents.services._common import (
    _event,
    _invalid,
)
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed

# --- post-incident review -----------------------------------------------------------------------


REVIEW_FIELDS = ("impact", "detection", "timeline_summary", "whys", "root_cause", "lessons")


@transaction.atomic
def review_start(*, actor: Any, incident: Incident, now: dt.datetime | None = None) -> PostIncidentReview:
    """Open the post-incident review of a resolved incident (it moves to "under review")."""
    access.require(actor, MANAGE, incident.org_unit)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != Status.RESOLVED:
        raise Conflict(_("Only a resolved incident can be reviewed."))
    now = now or timezone.now()
    assert incident.resolved_at is not None  # noqa: S101 - resolved incidents carry the time (DB constraint path)
    days = selectors.incident_settings().review_due_days
    due = timezone.localtime(incident.resolved_at).date() + dt.timedelta(days=days)
    review = PostIncidentReview.objects.create(incident=incident, org_unit_id=incident.org_unit_id, due_on=due,
                                               author=actor)
    before = audit.snapshot(incident)
    incident.status = Status.UNDER_REVIEW
    incident.review_started_at = now
    incident.save()
    _event(incident, kind=IncidentEvent.Kind.STATUS, actor=actor, at=now, from_status=Status.RESOLVED,
           to_status=Status.UNDER_REVIEW)
    audit.record(action="incident.under_review", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)))
    audit.record(action="incident_review.create", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.snapshot(review))
    return review


@transaction.atomic
def review_update(*, actor: Any, review: PostIncidentReview, **fields: Any) -> PostIncidentReview:
    access.require(actor, MANAGE, review.incident.org_unit)
    if review.state == PostIncidentReview.State.COMPLETED:
        raise Conflict(_("The review is completed."))
    unknown = set(fields) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if "whys" in fields:
        whys = [str(w).strip() for w in fields["whys"] if str(w).strip()]
        if len(whys) > 5:
            raise _invalid("whys", _("Ask why at most five times."))
        fields["whys"] = whys
    before = audit.snapshot(review)
    for name, value in fields.items():
        setattr(review, name, value)
    review.save()
    audit.record(action="incident_review.update", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(review)))
    return review


@transaction.atomic
def review_complete(*, actor: Any, review: PostIncidentReview, now: dt.datetime | None = None) -> PostIncidentReview:
    access.require(actor, MANAGE, review.incident.org_unit)
    if review.state == PostIncidentReview.State.COMPLETED:
        raise Conflict(_("The review is already completed."))
    missing = [name for name in ("impact", "detection", "root_cause", "lessons") if not getattr(review, name).strip()]
    if not review.whys:
        missing.append("whys")
    if missing:
        message = _("Fill in the review before completing it.")
        raise ValidationFailed(message, fields={name: [message] for name in missing})
    before = audit.snapshot(review)
    review.state = PostIncidentReview.State.COMPLETED
    review.completed_at = now or timezone.now()
    review.save()
    audit.record(action="incident_review.complete", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(review)))
    return review


@transaction.atomic
def review_action_open(*, actor: Any, review: PostIncidentReview, title: str, description: str, owner: User,
                       due: dt.date) -> Any:
    """Raise a corrective action from the review (the framework's shared corrective-action model)."""
    from finassure.framework import services as framework_services

    access.require(actor, MANAGE, review.incident.org_unit)
    if not title.strip():
        raise _invalid("title", _("Give the action a title."))
    if owner.org_unit is None or owner.org_unit.institution_id != review.org_unit.institution_id:
        raise _invalid("owner", _("The owner must be a user of the institution."))
    return framework_services.corrective_action_open(actor=actor, source=review, title=title.strip(),
                                                     description=description, owner=owner, due=due,
                                                     org_unit=review.org_unit)


def _has_open_actions(review: PostIncidentReview) -> bool:
    from finassure.framework import selectors as framework_selectors

    return bool(framework_selectors.open_corrective_actions_for(source=review).exists())


@transaction.atomic
def incident_close(*, actor: Any, incident: Incident, now: dt.datetime | None = None) -> Incident:
    """Close an incident: its review is completed and every corrective action it raised is closed."""
    access.require(actor, MANAGE, incident.org_unit)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != Status.UNDER_REVIEW:
        raise Conflict(_("Only an incident under review can be closed."))
    review = PostIncidentReview.objects.filter(incident=incident).first()
    if review is None or review.state != PostIncidentReview.State.COMPLETED:
        raise Conflict(_("Complete the post-incident review first."))
    if _has_open_actions(review):
        raise Conflict(_("The review's corrective actions are not all closed."))
    now = now or timezone.now()
    before = audit.snapshot(incident)
    incident.status = Status.CLOSED
    incident.closed_at = now
    incident.save()
    _event(incident, kind=IncidentEvent.Kind.STATUS, actor=actor, at=now, from_status=Status.UNDER_REVIEW,
           to_status=Status.CLOSED)
    audit.record(action="incident.close", actor=actor, obj=incident, org_unit_id=incident.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(incident)))
    return incident
