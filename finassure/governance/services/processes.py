"""Writes of the business-process catalogue."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.governance.catalogue import DEFAULT_PROCESSES
from finassure.governance.models import (
    Process,
)
from finassure.governance.permissions import (
    MANAGE_POLICY,
)
from finassure.governance.services._common import _invalid
from finassure.platform import audit


@transaction.atomic
def process_create(*, actor: Any, org_unit: OrgUnit, business_line: BusinessLine, code: str, name: str,
                   name_en: str = "", description: str = "") -> Process:
    if actor is not None:
        access.require(actor, MANAGE_POLICY, org_unit)
    if business_line.institution_id != org_unit.institution_id:
        raise _invalid("business_line", _("The business line belongs to another institution."))
    if Process.objects.filter(business_line=business_line, code=code).exists():
        raise _invalid("code", _("This business line already has a process with this code."))
    process = Process.objects.create(org_unit=org_unit, business_line=business_line, code=code, name=name,
                                     name_en=name_en, description=description)
    audit.record(action="process.create", actor=actor, obj=process, changes=audit.snapshot(process))
    return process


@transaction.atomic
def process_update(*, actor: Any, process: Process, name: str, name_en: str, description: str,
                   is_active: bool) -> Process:
    access.require(actor, MANAGE_POLICY, process.org_unit)
    before = audit.snapshot(process)
    process.name, process.name_en, process.description, process.is_active = name, name_en, description, is_active
    process.save(update_fields=["name", "name_en", "description", "is_active", "updated_at"])
    audit.record(action="process.update", actor=actor, obj=process, changes=audit.diff(before, audit.snapshot(process)))
    return process


@transaction.atomic
def process_seed_defaults(*, actor: Any, org_unit: OrgUnit, business_line: BusinessLine) -> list[Process]:
    """Add the default processes of the business line's type that it does not have yet."""
    if actor is not None:
        access.require(actor, MANAGE_POLICY, org_unit)
    existing = set(Process.objects.filter(business_line=business_line).values_list("code", flat=True))
    created = []
    for code, name, name_en in DEFAULT_PROCESSES.get(business_line.kind, []):
        if code not in existing:
            created.append(process_create(actor=actor, org_unit=org_unit, business_line=business_line, code=code,
                                          name=name, name_en=name_en))
    return created
