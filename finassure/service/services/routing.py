"""Routing: configurable rules (product line / category / channel / business line → handling org unit) and the
confirmed move of a complaint to the unit a rule suggests. A rule only suggests; a person routes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import BusinessLine, OrgUnit
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed
from finassure.platform.language import record_text
from finassure.service import perms
from finassure.service.models import Channel, Complaint, ComplaintCategory, ProductLine, RoutingRule
from finassure.service.services._common import EventKind, _event, _save


@transaction.atomic
def routing_rule_save(*, actor: Any, target: OrgUnit, product_line: str = "", category: ComplaintCategory | None = None,
                      channel: str = "", business_line: BusinessLine | None = None, priority: int = 100,
                      is_active: bool = True, note: str = "", rule: RoutingRule | None = None) -> RoutingRule:
    """Create or change a rule (the configure permission: a service administrator)."""
    access.require(actor, perms.CONFIGURE)
    errors: dict[str, list[str]] = {}
    if product_line and product_line not in ProductLine.values:
        errors["product_line"] = [_("Unknown product line.")]
    if channel and channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if not target.is_active:
        errors["target"] = [_("This org unit is not active.")]
    institution_id = getattr(getattr(actor, "org_unit", None), "institution_id", None)
    if institution_id is not None and target.institution_id != institution_id:
        errors["target"] = [_("This org unit belongs to another institution.")]
    if business_line is not None and business_line.institution_id != target.institution_id:
        errors["business_line"] = [_("The business line belongs to another institution.")]
    if not 0 <= priority <= 10_000:
        errors["priority"] = [_("Between 0 and 10000.")]
    if errors:
        raise ValidationFailed(_("The routing rule has invalid values."), fields=errors)
    item = rule or RoutingRule()
    before = audit.snapshot(item) if rule else {}
    item.product_line, item.category, item.channel = product_line, category, channel
    item.business_line, item.target, item.priority = business_line, target, priority
    item.is_active, item.note = is_active, (note or "").strip()[:200]
    item.save()
    audit.record(action="routing_rule.update" if rule else "routing_rule.create", actor=actor, obj=item,
                 changes=audit.diff(before, audit.snapshot(item)))
    return item


@transaction.atomic
def routing_rule_delete(*, actor: Any, rule: RoutingRule) -> None:
    access.require(actor, perms.CONFIGURE)
    snapshot = audit.snapshot(rule)
    pk = rule.pk
    rule.delete()
    audit.record(action="routing_rule.delete", actor=actor, object_type="service.routingrule", object_id=pk,
                 object_repr=f"#{pk}", changes=snapshot)


@transaction.atomic
def complaint_route(*, actor: Any, complaint: Complaint, org_unit: OrgUnit, rule: RoutingRule | None = None) -> Complaint:
    """A person confirms (or overrides) a routing suggestion: the complaint moves to the handling unit.

    The actor needs the handling permission where the complaint is now; a handler who may not handle
    complaints of the new unit is unassigned.
    """
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if not complaint.is_open:
        raise Conflict(_("A closed complaint cannot be routed."))
    if org_unit.pk == complaint.org_unit_id:
        raise ValidationFailed(_("The complaint is already with this org unit."),
                               fields={"org_unit": [_("The complaint is already with this org unit.")]})
    if not org_unit.is_active or org_unit.institution_id != complaint.org_unit.institution_id:
        raise ValidationFailed(_("Choose an active org unit of the institution."),
                               fields={"org_unit": [_("Choose an active org unit of the institution.")]})
    before = audit.snapshot(complaint)
    origin = complaint.org_unit
    _event(complaint, EventKind.NOTE, actor=actor, at=None,
           note=record_text(gettext_lazy("Routed from %(from)s to %(to)s"), {"from": origin, "to": org_unit}),
           data={"routed_from": origin.pk, "routed_to": org_unit.pk, "rule": rule.pk if rule else None})
    complaint.org_unit = org_unit
    if complaint.handler_id is not None and not access.has_perm(complaint.handler, perms.HANDLE, org_unit):
        complaint.handler = None
    complaint.attachments.update(org_unit=org_unit)
    complaint.compensations.update(org_unit=org_unit)
    complaint.surveys.update(org_unit=org_unit)
    return _save(complaint, before, actor, "complaint.route", {"rule": rule.pk if rule else None})
