"""Writes of positions and incompatible duties."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, User
from finassure.governance.models import (
    IncompatibleDuty,
    PolicyVersion,
    Position,
)
from finassure.governance.permissions import (
    MANAGE_POLICY,
)
from finassure.governance.services._common import Status, _invalid
from finassure.governance.services.policies import _assign_attestations
from finassure.platform import audit


@transaction.atomic
def position_create(*, actor: Any, org_unit: OrgUnit, code: str, name: str, duties: str = "",
                    permissions_needed: str = "", holders: Iterable[User] = ()) -> Position:
    if actor is not None:
        access.require(actor, MANAGE_POLICY, org_unit)
    if Position.objects.filter(org_unit=org_unit, code=code).exists():
        raise _invalid("code", _("This unit already has a position with this code."))
    holders = list(holders)
    _check_holders(org_unit, holders)
    position = Position.objects.create(org_unit=org_unit, code=code, name=name, duties=duties,
                                       permissions_needed=permissions_needed)
    position.holders.set(holders)
    audit.record(action="position.create", actor=actor, obj=position,
                 changes={**audit.snapshot(position), "holders": [h.pk for h in holders]})
    return position


def _check_holders(unit: OrgUnit, holders: list[User]) -> None:
    for holder in holders:
        if holder.org_unit is None or holder.org_unit.institution_id != unit.institution_id:
            raise _invalid("holders", _("A holder belongs to another institution."))


@transaction.atomic
def position_set_holders(*, actor: Any, position: Position, holders: Iterable[User]) -> Position:
    access.require(actor, MANAGE_POLICY, position.org_unit)
    holders = list(holders)
    _check_holders(position.org_unit, holders)
    before = sorted(position.holders.values_list("pk", flat=True))
    position.holders.set(holders)
    audit.record(action="position.holders", actor=actor, obj=position,
                 changes={"holders": [before, sorted(h.pk for h in holders)]})
    # newcomers read the policies in force that cover their position
    for version in PolicyVersion.objects.filter(status=Status.EFFECTIVE, policy__positions=position):
        _assign_attestations(actor, version)
    return position


@transaction.atomic
def position_update(*, actor: Any, position: Position, name: str, duties: str = "", permissions_needed: str = "",
                    holders: Iterable[User] | None = None) -> Position:
    """Change a position's name, duties and needed permissions (and its holders, when given)."""
    access.require(actor, MANAGE_POLICY, position.org_unit)
    if not name.strip():
        raise _invalid("name", _("The position needs a name."))
    before = audit.snapshot(position)
    position.name, position.duties, position.permissions_needed = name, duties, permissions_needed
    position.save(update_fields=["name", "duties", "permissions_needed", "updated_at"])
    changes = audit.diff(before, audit.snapshot(position))
    if changes:
        audit.record(action="position.update", actor=actor, obj=position, changes=changes)
    if holders is not None and set(holders) != set(position.holders.all()):
        position_set_holders(actor=actor, position=position, holders=holders)
    return position


@transaction.atomic
def incompatible_duty_create(*, actor: Any, first: Position, second: Position, reason: str = "") -> IncompatibleDuty:
    access.require(actor, MANAGE_POLICY, first.org_unit)
    access.require(actor, MANAGE_POLICY, second.org_unit)
    if first.pk == second.pk:
        raise _invalid("second", _("A position cannot be incompatible with itself."))
    low, high = sorted([first, second], key=lambda p: p.pk)
    if IncompatibleDuty.objects.filter(first=low, second=high).exists():
        raise _invalid("second", _("These positions are already marked incompatible."))
    pair = IncompatibleDuty.objects.create(first=low, second=high, reason=reason)
    audit.record(action="incompatible_duty.create", actor=actor, obj=pair, org_unit_id=low.org_unit_id,
                 changes=audit.snapshot(pair))
    return pair
