"""Satisfaction surveys: created after closing (or for another touch point), answered once by token."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts.models import OrgUnit
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed
from finassure.service.models import (
    Complaint,
    Survey,
)
from finassure.service.services._common import (
    _invalid,
)


@transaction.atomic
def survey_create(
    *, kind: str, org_unit: OrgUnit, complaint: Complaint | None = None, touch_point: str = ""
) -> Survey:
    survey = Survey.objects.create(
        token=secrets.token_urlsafe(24),
        kind=kind,
        org_unit=org_unit,
        complaint=complaint,
        touch_point=touch_point[:100],
    )
    audit.record(action="survey.create", actor=None, obj=survey, actor_repr="system")
    return survey


@transaction.atomic
def survey_answer(*, token: str, rating: int, comment: str = "", at: dt.datetime | None = None) -> Survey:
    """The customer's one answer (no login: the token is the credential, and it works once)."""
    survey = Survey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise ValidationFailed(_("This survey link is not valid."))
    if survey.responded_at is not None:
        raise Conflict(_("This survey has already been answered. Thank you."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise _invalid("rating", _("Choose a rating from 1 to 5."))
    survey.rating, survey.comment, survey.responded_at = (
        rating,
        (comment or "").strip()[:2000],
        at or timezone.now(),
    )
    survey.save(update_fields=["rating", "comment", "responded_at", "updated_at"])
    audit.record(
        action="survey.answer", actor=None, obj=survey, actor_repr="customer", detail={"rating": rating}
    )
    return survey
