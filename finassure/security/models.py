"""Models of information security: vulnerability scans, the vulnerabilities they find (deduplicated per asset
and identifier across scans), and each scan's findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.platform.models import TimeStampedModel


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    INFO = "info", _("Informational")


class Scan(models.Model):
    """One vulnerability scan: scope, tool, when it ran, and the report file it was imported from."""

    class Tool(models.TextChoices):
        TRIVY = "trivy", "Trivy"
        OPENVAS = "openvas", "Greenbone / OpenVAS"
        NESSUS = "nessus", "Nessus"
        GENERIC = "generic", _("Generic CSV")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    name = models.CharField(_("name"), max_length=200)
    scope = models.CharField(_("scope"), max_length=300, help_text=_("Systems, networks or images scanned."))
    tool = models.CharField(_("tool"), max_length=16, choices=Tool.choices)
    scanned_at = models.DateTimeField(_("scanned at"))
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("imported by"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    finding_count = models.PositiveIntegerField(_("findings"), default=0)
    new_count = models.PositiveIntegerField(_("new vulnerabilities"), default=0)
    reopened_count = models.PositiveIntegerField(_("reopened"), default=0)
    fixed_count = models.PositiveIntegerField(_("confirmed fixed"), default=0)
    is_retest = models.BooleanField(_("re-test"), default=False, help_text=_(
        "A re-test of the same scope: open vulnerabilities it no longer finds are confirmed fixed."))

    class Meta:
        ordering = ["-scanned_at", "-id"]
        verbose_name = _("vulnerability scan")
        verbose_name_plural = _("vulnerability scans")
        constraints = [models.UniqueConstraint(fields=["org_unit", "sha256"], name="uniq_scan_file_per_unit")]

    def __str__(self) -> str:
        return f"{self.name} ({self.scanned_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("security:scan_detail", args=[self.pk])


class Vulnerability(models.Model):
    """A vulnerability on an asset, one record however many scans find it (same asset + identifier).

    The remediation deadline follows the severity from the first sighting; status open → fixed (by hand or
    confirmed by a re-test) or accepted (risk accepted, with a reason); a fixed one found again reopens.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FIXED = "fixed", _("Fixed")
        ACCEPTED = "accepted", _("Risk accepted")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    asset = models.CharField(_("asset"), max_length=300)
    identifier = models.CharField(_("identifier"), max_length=300)
    title = models.CharField(_("title"), max_length=300)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    cvss = models.DecimalField(_("CVSS"), max_digits=3, decimal_places=1, null=True, blank=True)
    cves = models.CharField(_("CVE"), max_length=1000, blank=True)
    package = models.CharField(_("package"), max_length=300, blank=True)
    port = models.CharField(_("port"), max_length=40, blank=True)
    solution = models.TextField(_("solution"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    first_seen_at = models.DateTimeField(_("first found"))
    last_seen_at = models.DateTimeField(_("last found"))
    first_scan = models.ForeignKey(Scan, on_delete=models.PROTECT, related_name="+")
    last_scan = models.ForeignKey(Scan, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("fix by"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    status_note = models.CharField(_("note"), max_length=500, blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)

    class Meta:
        ordering = ["status", "due_on", "-cvss", "id"]
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "asset", "identifier"], name="uniq_vulnerability_asset_id"),
            models.CheckConstraint(condition=~Q(status="fixed") | Q(fixed_at__isnull=False),
                                   name="vulnerability_fixed_has_time"),
        ]
        indexes = [models.Index(fields=["status", "severity", "due_on"])]

    def __str__(self) -> str:
        return f"{self.asset} · {self.identifier}"

    def get_absolute_url(self) -> str:
        return reverse("security:vulnerability_list") + f"?q={self.identifier}"


class Finding(models.Model):
    """That a scan found a vulnerability (one row per scan and vulnerability), with what it reported then."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="findings")
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.PROTECT, related_name="findings")
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    position = models.CharField(_("position in the file"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["scan", "vulnerability"], name="uniq_finding_per_scan")]

    def __str__(self) -> str:
        return f"{self.scan_id}:{self.vulnerability_id}"


class AccessReview(models.Model):
    """An access recertification campaign (权限复核): finassure's own role assignments in a unit subtree, or an
    account list imported from another system. Each item is confirmed or revoked by the reviewer; the
    items are kept as evidence after the campaign closes."""

    class Source(models.TextChoices):
        PLATFORM = "platform", _("finassure role assignments")
        IMPORTED = "imported", _("Imported list")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    system_name = models.CharField(_("system"), max_length=200, default="finassure")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("security:access_review_detail", args=[self.pk])


class AccessReviewItem(models.Model):
    """One account and role under review, with the reviewer's decision; a snapshot survives the revocation."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REVOKED = "revoked", _("Revoked")

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    account = models.CharField(_("account"), max_length=150)
    person = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=150)
    scope = models.CharField(_("where"), max_length=200, blank=True)
    assignment = models.ForeignKey("accounts.RoleAssignment", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["account", "role", "id"]
        constraints = [models.CheckConstraint(condition=Q(decision="pending") | Q(decided_at__isnull=False),
                                              name="access_item_decided_has_time")]

    def __str__(self) -> str:
        return f"{self.account} · {self.role}"


class BackupPolicy(TimeStampedModel):
    """How platform backups are kept and what recovery they must achieve (one row, edited by the system
    administrator). Retention keeps the newest `keep_count` backups and every backup younger than `keep_days`;
    older files are pruned. RPO achieved is the age of the newest backup whose restore test passed; RTO achieved
    is how long that restore test took."""

    keep_count = models.PositiveSmallIntegerField(_("keep at least (backups)"), default=7)
    keep_days = models.PositiveSmallIntegerField(_("keep backups younger than (days)"), default=30)
    rpo_target_minutes = models.PositiveIntegerField(
        _("RPO target (minutes)"), default=25 * 60,
        help_text=_("Longest acceptable age of the newest verified backup. Daily backups need more than 24 h."))
    rto_target_minutes = models.PositiveIntegerField(
        _("RTO target (minutes)"), default=4 * 60, help_text=_("Longest acceptable time to restore the platform."))

    class Meta:
        verbose_name = _("backup policy")
        verbose_name_plural = _("backup policies")
        constraints = [
            models.CheckConstraint(condition=Q(keep_count__gte=1), name="backup_policy_keeps_one"),
            models.CheckConstraint(condition=Q(rpo_target_minutes__gt=0) & Q(rto_target_minutes__gt=0),
                                   name="backup_policy_targets_positive"),
        ]

    def __str__(self) -> str:
        return str(_("Backup policy"))


class BackupRun(models.Model):
    """One backup of the platform's database (`finassure backup`): the file, its manifest's sha256 and row
    counts, how long it took, and when retention pruned the file."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MANUAL = "manual", _("Manual")

    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.FloatField(_("duration (s)"), default=0)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULED)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    engine = models.CharField(_("engine"), max_length=16, blank=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file_path = models.CharField(max_length=1000, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    table_count = models.PositiveIntegerField(_("tables"), default=0)
    row_count = models.BigIntegerField(_("rows"), default=0)
    row_counts = models.JSONField(default=dict, blank=True)
    pruned_at = models.DateTimeField(_("pruned at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        constraints = [models.CheckConstraint(condition=Q(status="failed") | ~Q(sha256=""),
                                              name="backup_succeeded_has_checksum")]

    def __str__(self) -> str:
        return self.file_name or f"backup {self.pk}"

    @property
    def succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED


class RestoreTest(models.Model):
    """A restore test of a backup into a scratch database: rows per table compared with the manifest, the
    audit chain verified on the copy, how long it took, and the reason when it failed."""

    backup = models.ForeignKey(BackupRun, on_delete=models.PROTECT, related_name="restore_tests",
                               verbose_name=_("backup"))
    file_name = models.CharField(_("file"), max_length=255)
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.FloatField(_("duration (s)"), default=0)
    restore_seconds = models.FloatField(_("restore (s)"), default=0)
    ok = models.BooleanField(_("passed"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    engine = models.CharField(_("engine"), max_length=16, blank=True)
    scratch = models.CharField(_("scratch database"), max_length=300, blank=True)
    table_count = models.PositiveIntegerField(_("tables compared"), default=0)
    rows_expected = models.BigIntegerField(_("rows in the manifest"), default=0)
    rows_restored = models.BigIntegerField(_("rows restored"), default=0)
    row_comparison = models.JSONField(default=dict, blank=True, help_text="{table: [manifest, restored]}")
    mismatch_count = models.PositiveIntegerField(_("tables that differ"), default=0)
    chain_ok = models.BooleanField(_("audit chain intact"), null=True, blank=True)
    chain_checked = models.PositiveIntegerField(_("audit records verified"), default=0)
    chain_reason = models.CharField(_("audit chain"), max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("restore test")
        verbose_name_plural = _("restore tests")
        indexes = [models.Index(fields=["ok", "started_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} {self.started_at:%Y-%m-%d %H:%M}"
