"""Writes of information security: scan import (all or nothing, deduplicated), vulnerability status."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit, RoleAssignment, User
from finassure.platform import audit
from finassure.platform.errors import Conflict, PayloadTooLarge, PermissionDenied, ValidationFailed
from finassure.platform.language import record_text
from finassure.security import scanners
from finassure.security.models import AccessReview, AccessReviewItem, Finding, Scan, Vulnerability
from finassure.security.selectors import IMPORT, MANAGE, REVIEW_ACCESS

# Remediation deadline in days by severity (configurable with FINASSURE_REMEDIATION_DAYS); info has none.
REMEDIATION_DAYS = {"critical": 7, "high": 30, "medium": 90, "low": 180}
MAX_REPORT_BYTES = 50 * 1024 * 1024


def remediation_days() -> dict[str, int]:
    return {**REMEDIATION_DAYS, **getattr(settings, "FINASSURE_REMEDIATION_DAYS", {})}


def due_on(severity: str, found: dt.datetime) -> dt.date | None:
    days = remediation_days().get(severity)
    return None if days is None else timezone.localtime(found).date() + dt.timedelta(days=days)


def _invalid(field: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]}, extra=extra or None)


@transaction.atomic
def scan_import(*, actor: Any, org_unit: OrgUnit, file_name: str, data: bytes, scope: str, name: str = "",
                scanned_at: dt.datetime | None = None, is_retest: bool = False,
                now: dt.datetime | None = None) -> Scan:
    """Import a scanner report as a scan: every finding or none, vulnerabilities deduplicated by asset and id."""
    access.require(actor, IMPORT, org_unit)
    now = now or timezone.now()
    if len(data) > MAX_REPORT_BYTES:
        raise PayloadTooLarge(_("The file is larger than %(mb)s MB.") % {"mb": MAX_REPORT_BYTES // (1024 * 1024)})
    if not scope.strip():
        raise _invalid("scope", _("Say what was scanned."))
    try:
        report = scanners.parse(file_name, data)
    except scanners.ReportRejected as exc:
        message = _("%(file)s cannot be imported; nothing was imported.") % {"file": file_name}
        raise ValidationFailed(message, fields={"file": [str(e) for e in exc.errors]},
                               extra={"file": file_name, "errors": [{"position": e.position, "message": e.message}
                                                                    for e in exc.errors]}) from None
    sha256 = hashlib.sha256(data).hexdigest()
    if Scan.objects.filter(org_unit=org_unit, sha256=sha256).exists():
        raise Conflict(_("This file was already imported for this org unit."))
    when = scanned_at or _report_time(report.scanned_at) or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + dt.timedelta(minutes=5):
        raise _invalid("scanned_at", _("The scan time cannot be in the future."))
    scan = Scan.objects.create(org_unit=org_unit, name=(name or report.name or file_name)[:200], scope=scope.strip(),
                               tool=report.tool, scanned_at=when, file_name=file_name[:255], sha256=sha256,
                               imported_by=actor, is_retest=is_retest)
    findings = scanners.unique(report.findings)
    _apply(scan, findings)
    if is_retest:
        _confirm_fixed(scan, {(f.asset, f.identifier) for f in findings})
    scan.save()
    audit.record(action="scan.import", actor=actor, obj=scan, org_unit_id=org_unit.pk, changes=audit.snapshot(scan))
    return scan


def _report_time(text: str) -> dt.datetime | None:
    try:
        return parse_datetime(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _apply(scan: Scan, findings: list[scanners.Finding]) -> None:
    unit = scan.org_unit
    existing = {(v.asset, v.identifier): v for v in Vulnerability.objects.select_for_update().filter(
        org_unit=unit, asset__in={f.asset for f in findings})}
    new: list[Vulnerability] = []
    changed: list[Vulnerability] = []
    for f in findings:
        vulnerability = existing.get((f.asset, f.identifier))
        cvss = None if f.cvss is None else round(f.cvss, 1)
        if vulnerability is None:
            new.append(Vulnerability(
                org_unit=unit, asset=f.asset[:300], identifier=f.identifier[:300], title=f.title[:300],
                severity=f.severity, cvss=cvss, cves=", ".join(f.cves)[:1000], package=f.package[:300],
                port=f.port[:40], solution=f.solution, first_seen_at=scan.scanned_at, last_seen_at=scan.scanned_at,
                first_scan=scan, last_scan=scan, due_on=due_on(f.severity, scan.scanned_at)))
            continue
        if scan.scanned_at >= vulnerability.last_seen_at:
            vulnerability.last_seen_at, vulnerability.last_scan = scan.scanned_at, scan
            vulnerability.title, vulnerability.severity, vulnerability.cvss = f.title[:300], f.severity, cvss
        if vulnerability.status == Vulnerability.Status.FIXED and (
                vulnerability.fixed_at is None or scan.scanned_at > vulnerability.fixed_at):
            vulnerability.status = Vulnerability.Status.OPEN
            vulnerability.fixed_at = None
            vulnerability.reopen_count += 1
            vulnerability.status_note = record_text(gettext_lazy("found again by scan %(scan)s"),
                                                    {"scan": scan.name})
            vulnerability.due_on = due_on(f.severity, scan.scanned_at)
            scan.reopened_count += 1
        changed.append(vulnerability)
    Vulnerability.objects.bulk_create(new, batch_size=500)
    Vulnerability.objects.bulk_update(changed, ["last_seen_at", "last_scan", "title", "severity", "cvss", "status",
                                                "fixed_at", "reopen_count", "status_note", "due_on"], batch_size=500)
    by_key = {(v.asset, v.identifier): v for v in [*new, *changed]}
    Finding.objects.bulk_create([
        Finding(scan=scan, vulnerability=by_key[(f.asset[:300], f.identifier[:300])], severity=f.severity,
                position=f.position[:200]) for f in findings], batch_size=500)
    scan.finding_count = len(findings)
    scan.new_count = len(new)


def _confirm_fixed(scan: Scan, found: set[tuple[str, str]]) -> None:
    """A re-test of the same tool and scope confirms the open vulnerabilities it no longer finds as fixed."""
    candidates = Vulnerability.objects.select_for_update().filter(
        org_unit=scan.org_unit, status=Vulnerability.Status.OPEN, last_scan__tool=scan.tool,
        last_scan__scope=scan.scope, last_seen_at__lt=scan.scanned_at)
    fixed = []
    for vulnerability in candidates:
        if (vulnerability.asset, vulnerability.identifier) in found:
            continue
        vulnerability.status = Vulnerability.Status.FIXED
        vulnerability.fixed_at = scan.scanned_at
        vulnerability.status_note = record_text(gettext_lazy("not found by re-test %(scan)s"),
                                                {"scan": scan.name})
        fixed.append(vulnerability)
    Vulnerability.objects.bulk_update(fixed, ["status", "fixed_at", "status_note"])
    scan.fixed_count = len(fixed)


@transaction.atomic
def vulnerability_set_status(*, actor: Any, vulnerability: Vulnerability, status: str, note: str = "",
                             now: dt.datetime | None = None) -> Vulnerability:
    """Mark fixed, accept the risk (with a reason) or reopen."""
    access.require(actor, MANAGE, vulnerability.org_unit)
    if status not in Vulnerability.Status.values:
        raise _invalid("status", _("Choose a status."))
    if status == vulnerability.status:
        raise Conflict(_("The vulnerability is already %(status)s.") % {"status": vulnerability.get_status_display()})
    if status == Vulnerability.Status.ACCEPTED and not note.strip():
        raise _invalid("note", _("Give the reason the risk is accepted and who accepted it."))
    before = audit.snapshot(vulnerability)
    now = now or timezone.now()
    vulnerability.status = status
    vulnerability.status_note = note.strip()[:500]
    vulnerability.fixed_at = now if status == Vulnerability.Status.FIXED else None
    if status == Vulnerability.Status.OPEN:
        vulnerability.reopen_count += 1
    vulnerability.save()
    audit.record(action=f"vulnerability.{status}", actor=actor, obj=vulnerability,
                 org_unit_id=vulnerability.org_unit_id, changes=audit.diff(before, audit.snapshot(vulnerability)))
    return vulnerability


# --- access reviews -----------------------------------------------------------------------------


def _check_reviewer(reviewer: User, org_unit: OrgUnit, *, platform: bool) -> None:
    if not reviewer.is_active or reviewer.org_unit is None or (
            reviewer.org_unit.institution_id != org_unit.institution_id):
        raise _invalid("reviewer", _("The reviewer must be an active user of the institution."))
    if platform and not access.has_perm(reviewer, "accounts.assign_role", org_unit):
        raise _invalid("reviewer", _("The reviewer of finassure access must be able to revoke roles there."))


@transaction.atomic
def access_review_start(*, actor: Any, org_unit: OrgUnit, title: str, reviewer: User, due_on: dt.date
                        ) -> AccessReview:
    """A campaign over every role assignment in force in the unit's subtree (one item per assignment)."""
    access.require(actor, REVIEW_ACCESS, org_unit)
    if not title.strip():
        raise _invalid("title", _("Give the review a title."))
    _check_reviewer(reviewer, org_unit, platform=True)
    review = AccessReview.objects.create(org_unit=org_unit, title=title.strip(), reviewer=reviewer, due_on=due_on,
                                         source=AccessReview.Source.PLATFORM, created_by=actor)
    assignments = RoleAssignment.objects.in_force().filter(org_unit__path__startswith=org_unit.path).select_related(
        "user", "org_unit")
    AccessReviewItem.objects.bulk_create([
        AccessReviewItem(review=review, account=a.user.username, person=a.user.display_name, role=a.role,
                         scope=str(a.org_unit) + (" +" if a.include_descendants else ""), assignment=a,
                         subject=a.user) for a in assignments])
    audit.record(action="access_review.start", actor=actor, obj=review, org_unit_id=org_unit.pk,
                 changes=audit.snapshot(review), detail={"items": len(assignments)})
    return review


@transaction.atomic
def access_review_import(*, actor: Any, org_unit: OrgUnit, title: str, system_name: str, reviewer: User,
                         due_on: dt.date, file_name: str, data: bytes) -> AccessReview:
    """A campaign over an account list exported from another system: CSV with account, name, role."""
    import csv
    import io

    access.require(actor, REVIEW_ACCESS, org_unit)
    if not title.strip() or not system_name.strip():
        raise _invalid("title", _("Give the review a title and the system's name."))
    _check_reviewer(reviewer, org_unit, platform=False)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid("file", _("%(file)s is not UTF-8 text.") % {"file": file_name}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = {h.strip().lower() for h in reader.fieldnames or []}
    if not {"account", "role"} <= header:
        raise _invalid("file", _("%(file)s needs the columns account, name, role.") % {"file": file_name})
    rows, errors = [], []
    for row in reader:
        clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        if not clean.get("account") or not clean.get("role"):
            errors.append(f"line {reader.line_num}: account and role are required")
            continue
        rows.append(clean)
    if errors:
        message = _("%(file)s cannot be imported; nothing was imported.") % {"file": file_name}
        raise ValidationFailed(message, fields={"file": errors}, extra={"file": file_name})
    review = AccessReview.objects.create(org_unit=org_unit, title=title.strip(), reviewer=reviewer, due_on=due_on,
                                         source=AccessReview.Source.IMPORTED, system_name=system_name.strip(),
                                         created_by=actor)
    AccessReviewItem.objects.bulk_create([
        AccessReviewItem(review=review, account=r["account"][:150], person=r.get("name", "")[:150],
                         role=r["role"][:150], scope=r.get("scope", "")[:200]) for r in rows])
    audit.record(action="access_review.import", actor=actor, obj=review, org_unit_id=org_unit.pk,
                 changes=audit.snapshot(review), detail={"items": len(rows), "file": file_name})
    return review


@transaction.atomic
def access_review_decide(*, actor: Any, item: AccessReviewItem, decision: str, note: str = "",
                         now: dt.datetime | None = None) -> AccessReviewItem:
    """The reviewer confirms or revokes an item; revoking a finassure role removes it at once."""
    review = item.review
    if actor.pk != review.reviewer_id:
        raise PermissionDenied(_("Only the reviewer named on the campaign decides its items."))
    if review.state != AccessReview.State.OPEN:
        raise Conflict(_("The review is closed."))
    if decision not in {AccessReviewItem.Decision.CONFIRMED, AccessReviewItem.Decision.REVOKED}:
        raise _invalid("decision", _("Confirm or revoke."))
    if item.decision != AccessReviewItem.Decision.PENDING:
        raise Conflict(_("This item is already decided."))
    if item.subject_id == actor.pk:
        raise PermissionDenied(_("Nobody recertifies their own access; ask another reviewer."))
    if decision == AccessReviewItem.Decision.REVOKED and not note.strip():
        raise _invalid("note", _("Say why the access is revoked."))
    if decision == AccessReviewItem.Decision.REVOKED and item.assignment is not None:
        from finassure.accounts import services as account_services

        account_services.role_revoke(actor=actor, assignment=item.assignment)
        item.assignment = None  # deleted; the item keeps the account, role and scope as evidence
    item.decision, item.note, item.decided_at = decision, note.strip()[:300], now or timezone.now()
    item.save()
    audit.record(action=f"access_review.{decision}", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 detail={"item": item.pk, "account": item.account, "role": item.role, "note": item.note})
    return item


@transaction.atomic
def access_review_close(*, actor: Any, review: AccessReview, now: dt.datetime | None = None) -> AccessReview:
    access.require(actor, REVIEW_ACCESS, review.org_unit)
    if review.state != AccessReview.State.OPEN:
        raise Conflict(_("The review is already closed."))
    pending = review.items.filter(decision=AccessReviewItem.Decision.PENDING).count()
    if pending:
        raise Conflict(_("%(n)s items are still pending.") % {"n": pending})
    before = audit.snapshot(review)
    review.state, review.closed_at = AccessReview.State.CLOSED, now or timezone.now()
    review.save()
    audit.record(action="access_review.close", actor=actor, obj=review, org_unit_id=review.org_unit_id,
                 changes=audit.diff(before, audit.snapshot(review)))
    return review
