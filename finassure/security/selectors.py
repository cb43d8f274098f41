"""Reads of information security, always scoped: scans, vulnerabilities (one filter definition), findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.platform.errors import NotFound
from finassure.security.models import (
    AccessReview,
    AccessReviewItem,
    BackupPolicy,
    BackupRun,
    Finding,
    RestoreTest,
    Scan,
    Severity,
    Vulnerability,
)

VIEW = "security.view_vulnerability"
IMPORT = "security.import_scan"
MANAGE = "security.manage_vulnerability"
REVIEW_ACCESS = "security.manage_access_review"
VIEW_BACKUP = "security.view_backup"
MANAGE_BACKUP = "security.manage_backup"


def scan_list(*, actor: Any) -> QuerySet[Scan]:
    scope = access.scope_for(actor, VIEW)
    return Scan.objects.filter(scope.q("org_unit")).select_related("org_unit", "imported_by").order_by(
        "-scanned_at", "-id")


def scan_get(*, actor: Any, pk: int) -> Scan:
    scan = scan_list(actor=actor).filter(pk=pk).first()
    if scan is None:
        raise NotFound(_("No such scan."))
    return scan


def findings_of(*, scan: Scan) -> QuerySet[Finding]:
    return scan.findings.select_related("vulnerability").order_by("vulnerability__asset", "id")


@dataclass(frozen=True)
class VulnerabilityFilter:
    """The one filter definition of the vulnerability list (page, Excel export and API)."""

    q: str = ""
    severity: str = ""
    status: str = ""
    overdue: bool = False

    @classmethod
    def from_params(cls, params: Any) -> VulnerabilityFilter:
        severity = params.get("severity", "") or ""
        status = params.get("status", "") or ""
        return cls(q=(params.get("q", "") or "").strip(),
                   severity=severity if severity in Severity.values else "",
                   status=status if status in Vulnerability.Status.values else "",
                   overdue=str(params.get("overdue", "")).lower() in {"1", "true", "on", "yes"})


def vulnerability_list(*, actor: Any, filters: VulnerabilityFilter | None = None,
                       today: dt.date | None = None) -> QuerySet[Vulnerability]:
    filters = filters or VulnerabilityFilter()
    scope = access.scope_for(actor, VIEW)
    qs = Vulnerability.objects.filter(scope.q("org_unit")).select_related("org_unit")
    if filters.q:
        qs = qs.filter(Q(asset__icontains=filters.q) | Q(identifier__icontains=filters.q)
                       | Q(title__icontains=filters.q) | Q(cves__icontains=filters.q))
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = overdue(qs, today=today or timezone.localdate())
    return qs.order_by("status", "due_on", "-cvss", "id")


def overdue(qs: QuerySet[Vulnerability], *, today: dt.date) -> QuerySet[Vulnerability]:
    return qs.filter(status=Vulnerability.Status.OPEN, due_on__lt=today)


def vulnerability_get(*, actor: Any, pk: int) -> Vulnerability:
    vulnerability = vulnerability_list(actor=actor).filter(pk=pk).first()
    if vulnerability is None:
        raise NotFound(_("No such vulnerability."))
    return vulnerability


def access_review_list(*, actor: Any) -> QuerySet[AccessReview]:
    """Reviews in the actor's scope, and those naming the actor as reviewer."""
    scope = access.scope_for(actor, VIEW)
    return AccessReview.objects.filter(scope.q("org_unit") | Q(reviewer_id=getattr(actor, "pk", None))).select_related(
        "org_unit", "reviewer").order_by("-created_at", "-id")


def access_review_get(*, actor: Any, pk: int) -> AccessReview:
    review = access_review_list(actor=actor).filter(pk=pk).first()
    if review is None:
        raise NotFound(_("No such access review."))
    return review


def access_review_items(*, review: AccessReview) -> QuerySet[AccessReviewItem]:
    return review.items.select_related("review").order_by("account", "role", "id")


def reviewers(*, unit: Any) -> Any:
    from finassure.accounts.models import User

    return User.objects.filter(org_unit__institution_id=unit.institution_id, is_active=True).order_by("username")


# --- platform backups ---------------------------------------------------------------------------
# Backups are of the whole platform, not of an org unit: the permission held anywhere lets one see them.


def backup_list(*, actor: Any) -> QuerySet[BackupRun]:
    access.require(actor, VIEW_BACKUP)
    return BackupRun.objects.order_by("-started_at", "-id")


def restore_test_list(*, actor: Any) -> QuerySet[RestoreTest]:
    access.require(actor, VIEW_BACKUP)
    return RestoreTest.objects.select_related("backup").order_by("-started_at", "-id")


@dataclass(frozen=True)
class RecoveryStatus:
    """RPO/RTO achieved against their targets: the age of the newest backup whose restore test passed, and
    how long that restore test took. None when nothing was verified yet (and then the target is not met)."""

    rpo_target_minutes: int
    rto_target_minutes: int
    keep_count: int
    keep_days: int
    verified: RestoreTest | None
    rpo_minutes: int | None
    rto_minutes: float | None
    last_backup: BackupRun | None
    last_test: RestoreTest | None

    @property
    def rpo_met(self) -> bool:
        return self.rpo_minutes is not None and self.rpo_minutes <= self.rpo_target_minutes

    @property
    def rto_met(self) -> bool:
        return self.rto_minutes is not None and self.rto_minutes <= self.rto_target_minutes


def recovery_status(*, actor: Any, now: dt.datetime | None = None) -> RecoveryStatus:
    access.require(actor, VIEW_BACKUP)
    now = now or timezone.now()
    rules = BackupPolicy.objects.order_by("pk").first() or BackupPolicy()
    verified = RestoreTest.objects.filter(ok=True).select_related("backup").order_by(
        "-backup__started_at", "-started_at", "-id").first()
    rpo = rto = None
    if verified is not None:
        rpo = max(0, int((now - verified.backup.started_at).total_seconds() // 60))
        rto = round(verified.duration_seconds / 60, 2)
    return RecoveryStatus(
        rpo_target_minutes=rules.rpo_target_minutes, rto_target_minutes=rules.rto_target_minutes,
        keep_count=rules.keep_count, keep_days=rules.keep_days, verified=verified, rpo_minutes=rpo,
        rto_minutes=rto, last_backup=BackupRun.objects.order_by("-started_at", "-id").first(),
        last_test=RestoreTest.objects.select_related("backup").order_by("-started_at", "-id").first())
