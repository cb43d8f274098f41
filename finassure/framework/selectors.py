"""Reads of the assurance framework, scoped to the caller's org units."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from finassure.accounts import selectors as access
from finassure.framework.models import CorrectiveAction
from finassure.framework.permissions import FPerm
from finassure.platform.errors import NotFound

# --- corrective actions (contract: docs/framework-contract.md §3) ---------------------------------


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
    from django.db.models import Q
    from django.utils import timezone

    scope = access.scope_for(actor, FPerm.ACTION_VIEW)
    qs = CorrectiveAction.objects.filter(scope.q("org_unit") | Q(owner_id=getattr(actor, "pk", None)))
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
    from finassure.accounts.models import OrgUnit

    return OrgUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or "/-/"


def corrective_action_get(*, actor: Any, pk: int) -> CorrectiveAction:
    action = corrective_action_list(actor=actor).filter(pk=pk).first()
    if action is None:
        raise NotFound("No such corrective action.")
    return action
