"""What an external assessor may see, and corrective actions (contract: docs/framework-contract.md §3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.accounts.roles import ROLE_PERMISSIONS, Role
from finassure.framework.models import (
    AssessmentFinding,
    CorrectiveAction,
    ExternalAssessment,
)
from finassure.framework.permissions import FPerm
from finassure.platform.errors import NotFound

# --- what an external assessor may see: its engagements' org units, measures and period ----------------


@dataclass(frozen=True)
class _Engagement:
    pk: int
    unit_paths: tuple[str, ...]
    measure_ids: frozenset[int]
    start: dt.date
    end: dt.date  # exclusive


@dataclass(frozen=True)
class AssessorScope:
    """The union of an external assessor's engagements; each read is narrowed to it (empty without one)."""

    engagements: tuple[_Engagement, ...]

    @staticmethod
    def _units(e: _Engagement, field: str) -> Q:
        q = Q(pk__in=[])
        for path in e.unit_paths:
            q |= Q(**{f"{field}__path__startswith" if field else "path__startswith": path})
        return q

    def units(self, field: str = "org_unit") -> Q:
        q = Q(pk__in=[])
        for e in self.engagements:
            q |= self._units(e, field)
        return q

    @property
    def measure_ids(self) -> set[int]:
        return {m for e in self.engagements for m in e.measure_ids}

    def q(self, *, unit: str = "org_unit", measure: str | None = "measure", date: str | None = None,
          period: tuple[str, str] | None = None, extra: Q | None = None) -> Q:
        """Records of some engagement's units and measures, dated (or with a period) inside its period."""
        result = Q(pk__in=[])
        for e in self.engagements:
            q = self._units(e, unit)
            if measure:
                q &= Q(**{f"{measure}__in": sorted(e.measure_ids)})
            if date:
                q &= Q(**{f"{date}__gte": e.start, f"{date}__lt": e.end})
            if period:
                q &= Q(**{f"{period[0]}__gte": e.start, f"{period[1]}__lte": e.end})
            result |= q
        return result | extra if extra is not None else result

    def covers(self, *, unit: OrgUnit, measure_id: int, start: dt.date, end: dt.date) -> bool:
        return any(unit.path.startswith(e.unit_paths) and measure_id in e.measure_ids and e.start <= start
                   and end <= e.end for e in self.engagements)


def assessor_scope(actor: Any) -> AssessorScope | None:
    """For a user whose framework view comes only from the external-assessor role, the engagements it holds
    (cached on the user for the request); None for everyone else."""
    cached: AssessorScope | None | bool = getattr(actor, "_framework_assessor_scope", False)
    if cached is not False:
        return cached if isinstance(cached, AssessorScope) else None
    roles = access.roles_of(actor)
    scope: AssessorScope | None = None
    if Role.EXTERNAL_ASSESSOR in roles and not any(
            FPerm.VIEW in ROLE_PERMISSIONS.get(r, set()) for r in roles if r != Role.EXTERNAL_ASSESSOR):
        engagements = []
        for a in (ExternalAssessment.objects.filter(assessor_id=actor.pk)
                  .exclude(status=ExternalAssessment.Status.CANCELLED).prefetch_related("units", "measures")):
            engagements.append(_Engagement(a.pk, tuple(u.path for u in a.units.all()),
                                           frozenset(m.pk for m in a.measures.all()), a.period_start, a.period_end))
        scope = AssessorScope(tuple(engagements))
    if getattr(actor, "is_authenticated", False):
        actor._framework_assessor_scope = scope
    return scope


def _finding_actions_q(scope: AssessorScope) -> Q:
    """The actions raised from the findings of the assessor's own engagements."""
    ids = [str(pk) for pk in AssessmentFinding.objects.filter(
        assessment_id__in=[e.pk for e in scope.engagements]).values_list("pk", flat=True)]
    return Q(source_type=ContentType.objects.get_for_model(AssessmentFinding), source_id__in=ids)


def _source_filter(source: models.Model) -> dict[str, Any]:
    return {"source_type": ContentType.objects.get_for_model(source, for_concrete_model=False),
            "source_id": str(source.pk)}


def corrective_actions_for(*, source: models.Model) -> QuerySet[CorrectiveAction]:
    """Every corrective action raised from `source` (a finding, incident, drill, snapshot, …)."""
    return CorrectiveAction.objects.filter(**_source_filter(source)).select_related("owner", "org_unit")


def open_corrective_actions_for(*, source: models.Model) -> QuerySet[CorrectiveAction]:
    """The actions raised from `source` that are not closed yet."""
    return corrective_actions_for(source=source).filter(status__in=CorrectiveAction.OPEN_STATUSES)


def corrective_action_list(*, actor: Any, status: str = "", owner_id: int | None = None,
                           org_unit_id: int | None = None, measure_id: int | None = None,
                           overdue: bool = False, search: str = "", mine: bool = False) -> QuerySet[CorrectiveAction]:
    """Actions in the actor's scope, plus those the actor owns wherever they are."""
    from django.utils import timezone

    scope = access.scope_for(actor, FPerm.ACTION_VIEW)
    qs = CorrectiveAction.objects.filter(scope.q("org_unit") | Q(owner_id=getattr(actor, "pk", None)))
    assessor = assessor_scope(actor)
    if assessor is not None:
        qs = qs.filter(assessor.q(date="created_at__date", extra=_finding_actions_q(assessor)))
    if mine:
        qs = qs.filter(owner_id=actor.pk)
    if status == "open":
        qs = qs.filter(status__in=CorrectiveAction.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if org_unit_id:
        qs = qs.filter(org_unit__path__startswith=_unit_path(org_unit_id))
    if measure_id:
        qs = qs.filter(measure_id=measure_id)
    if overdue:
        qs = qs.filter(status__in=[CorrectiveAction.Status.OPEN, CorrectiveAction.Status.IN_PROGRESS],
                       due__lt=timezone.localdate())
    if search:
        qs = qs.filter(title__icontains=search)
    return qs.select_related("owner", "org_unit", "measure", "source_type").order_by("due", "id")


def _unit_path(unit_id: int) -> str:
    return OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "/-/"


def corrective_action_get(*, actor: Any, pk: int) -> CorrectiveAction:
    action = corrective_action_list(actor=actor).filter(pk=pk).first()
    if action is None:
        raise NotFound(_("No such corrective action."))
    return action
