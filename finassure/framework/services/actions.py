"""Corrective actions (整改): open, start, complete, verify, close, reassign (contract §3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.framework import notify
from finassure.framework.models import (
    CorrectiveAction,
    Indicator,
    Measure,
    Notification,
)
from finassure.framework.permissions import FPerm
from finassure.framework.services._common import Status, _invalid
from finassure.platform import audit
from finassure.platform.errors import Conflict, PermissionDenied
from finassure.platform.language import lazy_text

# --- corrective actions (contract: docs/framework-contract.md §3) ---------------------------------


@transaction.atomic
def corrective_action_open(*, actor: Any, source: models.Model | None, title: str, owner: Any, due: dt.date,
                           org_unit: OrgUnit, description: str = "", measure: Measure | None = None
                           ) -> CorrectiveAction:
    """Raise a corrective action from `source` (any record) for `owner`, due on `due`.

    A module calling this has already checked its own permission on `source`; raised by hand (no
    source), the actor needs `framework.manage_action` at `org_unit`. `actor=None` is the system.
    """
    if actor is not None and source is None:
        access.require(actor, FPerm.ACTION_MANAGE, org_unit)
    return _action_create(actor=actor, source=source, title=title, owner=owner, due=due, org_unit=org_unit,
                          description=description, measure=measure)


def _action_create(*, actor: Any, source: models.Model | None, title: str, owner: Any, due: dt.date,
                   org_unit: OrgUnit, description: str, measure: Measure | None, indicator: Indicator | None = None,
                   notice: str | Promise = "") -> CorrectiveAction:
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("A corrective action needs a title."))
    if owner is None or not getattr(owner, "is_active", False):
        raise _invalid("owner", _("A corrective action needs an active owner."))
    if not isinstance(due, dt.date):
        raise _invalid("due", _("A corrective action needs a due date."))
    if source is not None and source.pk is None:
        raise _invalid("source", _("The source record must be saved first."))
    action = CorrectiveAction(
        org_unit=org_unit, title=title[:200], description=description, owner=owner, due=due, measure=measure,
        indicator=indicator, raised_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if source is not None:
        action.source_type = ContentType.objects.get_for_model(source, for_concrete_model=False)
        action.source_id = str(source.pk)
        action.source_repr = str(source)[:300]
    action.save()
    audit.record(action="corrective_action.open", actor=actor, obj=action, changes=audit.snapshot(action))
    notify.send(recipient=owner, kind=Notification.Kind.BREACH if notice else Notification.Kind.ASSIGNED,
                title=notice or lazy_text(gettext_lazy("Corrective action assigned to you: %(title)s (due %(due)s)"),
                                          {"title": action.title, "due": due.isoformat()}),
                url=action.get_absolute_url())
    return action


def _require_owner_or_manager(actor: Any, action: CorrectiveAction) -> None:
    if actor is not None and actor.pk == action.owner_id:
        return
    access.require(actor, FPerm.ACTION_MANAGE, action.org_unit)


def _transition(action: CorrectiveAction, actor: Any, verb: str, allowed_from: tuple[str, ...], **fields: Any
                ) -> CorrectiveAction:
    if action.status not in allowed_from:
        raise Conflict(_("This corrective action is %(status)s; it cannot be %(verb)s now.")
                       % {"status": action.get_status_display(), "verb": verb})
    before = audit.snapshot(action)
    for name, value in fields.items():
        setattr(action, name, value)
    action.save()
    audit.record(action=f"corrective_action.{verb}", actor=actor, obj=action,
                 changes=audit.diff(before, audit.snapshot(action)))
    return action


def _locked(action: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().select_related("org_unit", "owner").get(pk=action.pk)


@transaction.atomic
def corrective_action_start(*, actor: Any, action: CorrectiveAction) -> CorrectiveAction:
    action = _locked(action)
    _require_owner_or_manager(actor, action)
    return _transition(action, actor, "start", (Status.OPEN,), status=Status.IN_PROGRESS, started_at=timezone.now())


@transaction.atomic
def corrective_action_complete(*, actor: Any, action: CorrectiveAction, note: str) -> CorrectiveAction:
    """The owner reports what was done; the action then waits for someone else to verify it."""
    action = _locked(action)
    _require_owner_or_manager(actor, action)
    if not (note or "").strip():
        raise _invalid("note", _("Say what was done."))
    action = _transition(action, actor, "complete", (Status.OPEN, Status.IN_PROGRESS), status=Status.DONE,
                         completed_at=timezone.now(), completion_note=note.strip(),
                         started_at=action.started_at or timezone.now())
    return action


def _require_verifier(actor: Any, action: CorrectiveAction) -> None:
    access.require(actor, FPerm.ACTION_VERIFY, action.org_unit)
    if actor.pk == action.owner_id:
        raise PermissionDenied(_("The owner of a corrective action cannot verify it (separation of duties)."),
                               extra={"permission": FPerm.ACTION_VERIFY})


@transaction.atomic
def corrective_action_verify(*, actor: Any, action: CorrectiveAction, effective: bool, note: str
                             ) -> CorrectiveAction:
    """Someone other than the owner checks the effect: effective → verified; not effective → reopened."""
    action = _locked(action)
    _require_verifier(actor, action)
    if not (note or "").strip():
        raise _invalid("note", _("Record what the verification found."))
    if effective:
        return _transition(action, actor, "verify", (Status.DONE,), status=Status.VERIFIED, verified_by=actor,
                           verified_at=timezone.now(), verification_note=note.strip())
    action = _transition(action, actor, "reopen", (Status.DONE,), status=Status.IN_PROGRESS,
                         verification_note=note.strip(), completed_at=None, reopen_count=action.reopen_count + 1)
    notify.send(recipient=action.owner, kind=Notification.Kind.REOPENED,
                title=lazy_text(gettext_lazy("Corrective action reopened: %(title)s"), {"title": action.title}),
                url=action.get_absolute_url())
    return action


@transaction.atomic
def corrective_action_close(*, actor: Any, action: CorrectiveAction) -> CorrectiveAction:
    action = _locked(action)
    _require_verifier(actor, action)
    return _transition(action, actor, "close", (Status.VERIFIED,), status=Status.CLOSED, closed_at=timezone.now())


@transaction.atomic
def corrective_action_reassign(*, actor: Any, action: CorrectiveAction, owner: Any, due: dt.date
                               ) -> CorrectiveAction:
    action = _locked(action)
    access.require(actor, FPerm.ACTION_MANAGE, action.org_unit)
    if owner is None or not owner.is_active:
        raise _invalid("owner", _("A corrective action needs an active owner."))
    if action.verified_by_id == owner.pk:
        raise _invalid("owner", _("The person who verified this action cannot own it."))
    changed_owner = owner.pk != action.owner_id
    action = _transition(action, actor, "reassign", CorrectiveAction.OPEN_STATUSES[:3], owner=owner, due=due)
    if changed_owner:
        notify.send(recipient=owner, kind=Notification.Kind.ASSIGNED,
                    title=lazy_text(gettext_lazy("Corrective action assigned to you: %(title)s (due %(due)s)"),
                                    {"title": action.title, "due": due.isoformat()}), url=action.get_absolute_url())
    return action
