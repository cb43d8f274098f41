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

from finassure.accounts import selectors as access
from finassure.accounts.models import OrgUnit
from finassure.platform import audit
from finassure.platform.errors import Conflict, PayloadTooLarge, ValidationFailed
from finassure.security import scanners
from finassure.security.models import Finding, Scan, Vulnerability
from finassure.security.selectors import IMPORT, MANAGE

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
            vulnerability.status_note = _("found again by scan %(scan)s") % {"scan": scan.name}
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
        vulnerability.status_note = _("not found by re-test %(scan)s") % {"scan": scan.name}
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
