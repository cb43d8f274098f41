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
from finassure.platform.errors import ValidationFailed


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


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y", "是", "x", "✓"}


@transaction.atomic
def process_import(*, actor: Any, content: bytes) -> dict[str, int]:
    """Import the process register from Excel (the layout the list exports): rows with a known business line
    and code update that process, others create one. Any row error refuses the whole file, naming the rows."""
    from finassure.governance.registers import PROCESS_COLUMNS, read_rows

    access.require(actor, MANAGE_POLICY)
    errors: dict[str, list[str]] = {}
    counts = {"created": 0, "updated": 0}
    institution_ids = set(OrgUnit.objects.filter(access.scope_for(actor, MANAGE_POLICY).q(""))
                          .values_list("institution_id", flat=True))
    for number, (line_code, code, name, name_en, unit_code, active) in read_rows(content, PROCESS_COLUMNS):
        key = _("row %(n)s") % {"n": number}
        line = BusinessLine.objects.filter(institution_id__in=institution_ids, code=str(line_code or "")).first()
        unit = OrgUnit.objects.filter(institution_id__in=institution_ids, code=str(unit_code or "")).first()
        problems = []
        if line is None:
            problems.append(_("unknown business line “%(code)s”") % {"code": line_code})
        if unit is None:
            problems.append(_("unknown org unit “%(code)s”") % {"code": unit_code})
        elif not access.has_perm(actor, MANAGE_POLICY, unit):
            problems.append(_("you may not manage processes of “%(unit)s”") % {"unit": unit})
        if not code or not str(code).replace("-", "").replace("_", "").isalnum():
            problems.append(_("the code must be letters, digits, - or _"))
        if not name:
            problems.append(_("the Chinese name is missing"))
        if problems:
            errors[key] = problems
            continue
        assert line is not None and unit is not None
        process = Process.objects.filter(business_line=line, code=str(code)).first()
        if process is None:
            process_create(actor=actor, org_unit=unit, business_line=line, code=str(code), name=str(name),
                           name_en=str(name_en or ""))
            counts["created"] += 1
        elif (process.name, process.name_en, process.is_active) != (str(name), str(name_en or ""), _truthy(active)):
            process_update(actor=actor, process=process, name=str(name), name_en=str(name_en or ""),
                           description=process.description, is_active=_truthy(active))
            counts["updated"] += 1
    if errors:  # raising rolls back the rows already written
        raise ValidationFailed(_("The file has errors; nothing was imported."), fields=errors)
    return counts
