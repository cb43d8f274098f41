"""Services of alert triage and case work: assignment, bulk closing, cases, notes and dispositions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.monitoring import perms
from finassure.monitoring.models import Alert, Case, CaseAttachment, CaseNote
from finassure.platform import audit
from finassure.platform.errors import Conflict, NotFound, ValidationFailed

ALERT_AUDIT_FIELDS = ["status", "assignee", "case", "resolution", "close_reason", "closed_by"]
CASE_AUDIT_FIELDS = ["status", "assignee", "disposition", "disposition_reason", "disposed_by"]


def _require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("Give a reason."), fields={field: [_("Give a reason of a few words at least.")]})
    return reason


def _assignable(assignee: Any, unit: Any) -> None:
    if assignee is None:
        return
    if not assignee.is_active or not access.has_perm(assignee, perms.WORK, unit):
        raise ValidationFailed(_("This person cannot work alerts of this unit."),
                               fields={"assignee": [_("Choose an analyst of this unit.")]})


@transaction.atomic
def alert_assign(*, actor: Any, alert: Alert, assignee: Any) -> Alert:
    access.require(actor, perms.WORK, alert.org_unit)
    if alert.status == Alert.Status.CLOSED:
        raise Conflict(_("A closed alert cannot be assigned."))
    _assignable(assignee, alert.org_unit)
    before = audit.snapshot(alert, ALERT_AUDIT_FIELDS)
    alert.assignee = assignee
    alert.save(update_fields=["assignee", "updated_at"])
    audit.record(action="alert.assigned", actor=actor, obj=alert,
                 changes=audit.diff(before, audit.snapshot(alert, ALERT_AUDIT_FIELDS)))
    return alert


@transaction.atomic
def alert_bulk_close(*, actor: Any, alert_ids: Iterable[int], reason: str) -> int:
    """Close open alerts as false positives with one reason; all of them or none (any outside scope refuses all)."""
    reason = _require_reason(reason)
    ids = sorted({int(i) for i in alert_ids})
    if not ids:
        raise ValidationFailed(_("Select at least one alert."), fields={"alerts": [_("Select at least one alert.")]})
    scope = access.scope_for(actor, perms.WORK)
    alerts = list(Alert.objects.select_for_update().filter(pk__in=ids).filter(scope.q("org_unit")))
    if len(alerts) != len(ids):
        raise NotFound(_("Some of these alerts do not exist or are outside your responsibility."))
    if any(a.status != Alert.Status.OPEN for a in alerts):
        raise Conflict(_("Only open alerts can be closed in bulk; alerts in a case close with the case."))
    now = timezone.now()
    for alert in alerts:
        before = audit.snapshot(alert, ALERT_AUDIT_FIELDS)
        alert.status, alert.resolution, alert.close_reason = Alert.Status.CLOSED, Case.Disposition.FALSE_POSITIVE, reason
        alert.closed_by, alert.reviewed_at, alert.closed_at = actor, now, now
        audit.record(action="alert.closed", actor=actor, obj=alert,
                     changes=audit.diff(before, audit.snapshot(alert, ALERT_AUDIT_FIELDS)))
    Alert.objects.bulk_update(alerts, ["status", "resolution", "close_reason", "closed_by", "reviewed_at", "closed_at",
                                      "updated_at"])
    return len(alerts)


@transaction.atomic
def case_open_for_alert(*, actor: Any, alert: Alert) -> Case:
    """Put an alert into its customer's open case in the unit, opening one when there is none."""
    access.require(actor, perms.WORK, alert.org_unit)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != Alert.Status.OPEN:
        raise Conflict(_("Only an open alert can go into a case."))
    case = Case.objects.filter(customer_id=alert.customer_id, org_unit=alert.org_unit, status=Case.Status.OPEN).first()
    if case is None:
        case = Case.objects.create(customer_id=alert.customer_id, org_unit=alert.org_unit, opened_by=actor,
                                   assignee=alert.assignee or actor)
        audit.record(action="case.opened", actor=actor, obj=case, changes=audit.snapshot(case, CASE_AUDIT_FIELDS))
    before = audit.snapshot(alert, ALERT_AUDIT_FIELDS)
    alert.status, alert.case, alert.reviewed_at = Alert.Status.IN_CASE, case, alert.reviewed_at or timezone.now()
    alert.save(update_fields=["status", "case", "reviewed_at", "updated_at"])
    audit.record(action="alert.escalated", actor=actor, obj=alert,
                 changes=audit.diff(before, audit.snapshot(alert, ALERT_AUDIT_FIELDS)))
    # The customer's other open alerts in the unit join the same case: one investigation per customer.
    for other in Alert.objects.select_for_update().filter(customer_id=alert.customer_id, org_unit=alert.org_unit,
                                                          status=Alert.Status.OPEN):
        other.status, other.case, other.reviewed_at = Alert.Status.IN_CASE, case, timezone.now()
        other.save(update_fields=["status", "case", "reviewed_at", "updated_at"])
        audit.record(action="alert.escalated", actor=actor, obj=other, changes={"case": [None, case.pk]})
    return case


@transaction.atomic
def case_note_add(*, actor: Any, case: Case, text: str) -> CaseNote:
    access.require(actor, perms.WORK, case.org_unit)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write the note."), fields={"text": [_("Write the note.")]})
    if case.status != Case.Status.OPEN:
        raise Conflict(_("The case is closed."))
    note = CaseNote.objects.create(case=case, author=actor, text=text[:10000])
    audit.record(action="case.note_added", actor=actor, obj=case, detail={"note": note.pk})
    return note


def case_attachment_add(*, actor: Any, case: Case, name: str, data: bytes) -> CaseAttachment:
    """Attach one checked file to an open case; the sealed file is removed again if the record is not stored."""
    from finassure.monitoring import attachments

    access.require(actor, perms.WORK, case.org_unit)
    if case.status != Case.Status.OPEN:
        raise Conflict(_("The case is closed."))
    try:
        checked = attachments.check(name, data)
    except attachments.Rejected as exc:
        raise ValidationFailed(str(exc), fields={"file": [str(exc)]}) from None
    storage_name = attachments.new_storage_name()
    kid = attachments.write(storage_name, checked.data)
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.attachments.count() >= attachments.max_files():
                raise ValidationFailed(_("A case holds at most %(n)s files.") % {"n": attachments.max_files()},
                                       fields={"file": [_("Too many files.")]})
            attachment = CaseAttachment.objects.create(
                case=locked, name=checked.name, content_type=checked.content_type, size=len(checked.data),
                sha256=checked.sha256, storage_name=storage_name, key_id=kid, uploaded_by=actor)
            audit.record(action="case.attachment_added", actor=actor, obj=case,
                         detail={"attachment": attachment.pk, "name": checked.name, "sha256": checked.sha256,
                                 "size": len(checked.data)})
    except BaseException:
        attachments.delete(storage_name)
        raise
    return attachment


def case_attachment_open(*, actor: Any, attachment: CaseAttachment) -> bytes:
    """The attachment's bytes for a caller who may see its case; every download is audited."""
    from finassure.monitoring import attachments

    access.require(actor, perms.VIEW, attachment.case.org_unit)
    data = attachments.read(attachment.storage_name)
    audit.record(action="case.attachment_downloaded", actor=actor, obj=attachment.case,
                 detail={"attachment": attachment.pk, "name": attachment.name})
    return data


@transaction.atomic
def case_dispose(*, actor: Any, case: Case, disposition: str, reason: str) -> Case:
    """Close the case with its disposition; its alerts close with the same resolution."""
    access.require(actor, perms.WORK, case.org_unit)
    if disposition not in Case.Disposition.values:
        raise ValidationFailed(_("Choose a disposition."), fields={"disposition": [_("Choose a disposition.")]})
    reason = _require_reason(reason)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Case.Status.OPEN:
        raise Conflict(_("The case is already closed."))
    before = audit.snapshot(case, CASE_AUDIT_FIELDS)
    now = timezone.now()
    case.status, case.disposition, case.disposition_reason = Case.Status.CLOSED, disposition, reason
    case.disposed_by, case.disposed_at = actor, now
    case.save()
    case.alerts.filter(status=Alert.Status.IN_CASE).update(
        status=Alert.Status.CLOSED, resolution=disposition, close_reason=reason, closed_by=actor, closed_at=now,
        updated_at=now)
    audit.record(action="case.disposed", actor=actor, obj=case,
                 changes=audit.diff(before, audit.snapshot(case, CASE_AUDIT_FIELDS)))
    return case
