"""Meetings and internal reviews, and third-party assessments."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.framework.models import (
    AssessmentFinding,
    ExternalAssessment,
    Meeting,
)
from finassure.framework.permissions import FPerm

# --- what an external assessor may see: its engagements' org units, measures and period ----------------
from finassure.framework.selectors.scope import assessor_scope
from finassure.platform.errors import NotFound


def meeting_list(*, actor: Any, kind: str = "", status: str = "") -> QuerySet[Meeting]:
    """Meetings of units in scope; an external assessor sees none (minutes are internal)."""
    scope = access.scope_for(actor, FPerm.VIEW)
    qs = Meeting.objects.filter(scope.q("org_unit"))
    if assessor_scope(actor) is not None:
        qs = qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "chair").order_by("-scheduled_for", "-id")


def meeting_get(*, actor: Any, pk: int) -> Meeting:
    meeting = meeting_list(actor=actor).filter(pk=pk).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    return meeting


def assessment_list(*, actor: Any, status: str = "") -> QuerySet[ExternalAssessment]:
    """Assessments commissioned in scope; an external assessor sees its own engagements only."""
    scope = access.scope_for(actor, FPerm.VIEW)
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = ExternalAssessment.objects.filter(pk__in=[e.pk for e in assessor.engagements])
    else:
        qs = ExternalAssessment.objects.filter(scope.q("org_unit"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("org_unit", "assessor").order_by("-period_start", "-id")


def assessment_get(*, actor: Any, pk: int) -> ExternalAssessment:
    assessment = assessment_list(actor=actor).filter(pk=pk).first()
    if assessment is None:
        raise NotFound(_("No such assessment."))
    return assessment


def assessment_findings(*, assessment: ExternalAssessment) -> QuerySet[AssessmentFinding]:
    return assessment.findings.select_related("org_unit", "measure", "corrective_action__owner").order_by("id")
