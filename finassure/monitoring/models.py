"""Models of risk monitoring (风险监测): engine runs, alerts (预警), cases (案件), AML reports and real-time scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.platform.models import TimeStampedModel


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class Run(TimeStampedModel):
    """One engine run over the institution's transaction store, and the import of its alerts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        MANUAL = "manual", _("On demand")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    input_path = models.CharField(_("transaction store"), max_length=500)
    output_dir = models.CharField(_("output folder"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    rule_sql = models.JSONField(_("compiled rule SQL"), default=dict, blank=True)
    outputs_sha256 = models.JSONField(_("output hashes"), default=dict, blank=True)
    models_used = models.JSONField(
        _("models used"),
        default=dict,
        blank=True,
        help_text=_("The current model that alerted and the shadow model compared with it."),
    )
    rule_config = models.JSONField(
        _("rule configuration used"),
        default=dict,
        blank=True,
        help_text=_("Per rule: the approved change (version, unit) the run applied."),
    )
    error = models.TextField(_("failure reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("engine run")
        verbose_name_plural = _("engine runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:run_detail", args=[self.pk])


class CustomerUnit(TimeStampedModel):
    """Which org unit (branch) a customer of the transaction store belongs to; unmapped ones go to the run's unit."""

    customer_id = models.CharField(_("customer id"), max_length=64, unique=True)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))

    class Meta:
        verbose_name = _("customer's org unit")
        verbose_name_plural = _("customers' org units")

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.org_unit}"


class Case(TimeStampedModel):
    """A case (案件): the alerts of one customer investigated together, ending in a disposition."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Disposition(models.TextChoices):
        FALSE_POSITIVE = "false_positive", _("False positive")
        KEEP_MONITORING = "keep_monitoring", _("Keep monitoring")
        SUSPICIOUS = "suspicious", _("Suspicious")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    customer_id = models.CharField(_("customer id"), max_length=64, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assignee"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices, blank=True)
    disposition_reason = models.TextField(_("disposition reason"), blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("disposed by"),
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "org_unit"],
                condition=Q(status="open"),
                name="monitoring_one_open_case_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(disposition=""), name="monitoring_closed_case_has_disposition"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Case')} #{self.pk} {self.customer_id}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:case_detail", args=[self.pk])


class CaseNote(TimeStampedModel):
    """An investigation note on a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("note"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return self.text[:60]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    FILED = "filed", _("Approved and filed")


class MakerCheckerReport(TimeStampedModel):
    """What a report filed with four eyes holds: the analyst who drafts it, a second person who approves and files it
    (each subclass adds a database constraint that they differ), and when it was submitted and filed."""

    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)

    class Meta:
        abstract = True


class LargeValueReport(MakerCheckerReport):
    """A large-value transaction report (大额交易报告) for one business day of one org unit, due in 5 working days."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    report_date = models.DateField(_("transaction day"))
    due_date = models.DateField(_("due"))

    class Meta:
        ordering = ["-report_date", "-id"]
        verbose_name = _("large-value transaction report")
        verbose_name_plural = _("large-value transaction reports")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "report_date"], name="monitoring_one_lv_report_per_day"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
                name="monitoring_lv_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Large-value report')} {self.report_date} {self.org_unit}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:report_detail", args=["lv", self.pk])


class SuspiciousReport(MakerCheckerReport):
    """A suspicious transaction report (可疑交易报告) drafted from a case disposed as suspicious, with its grounds."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="suspicious_report", verbose_name=_("case")
    )
    grounds = models.TextField(_("grounds for suspicion"))
    due_date = models.DateField(_("due"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suspicious transaction report")
        verbose_name_plural = _("suspicious transaction reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("drafted_by")),
                name="monitoring_str_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Suspicious report')} #{self.pk} {self.case.customer_id}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:report_detail", args=["str", self.pk])


class Alert(TimeStampedModel):
    """An alert (预警) imported from an engine run: one rule hit (or model score) on a customer's account."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_CASE = "in_case", _("In a case")
        CLOSED = "closed", _("Closed")

    alert_id = models.CharField(_("engine alert id"), max_length=64, unique=True)
    run = models.ForeignKey(
        Run,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("run"),
        help_text=_("Empty for alerts opened by real-time scoring."),
    )
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    rule_id = models.CharField(_("rule"), max_length=64, db_index=True)
    rule_version = models.CharField(_("rule version"), max_length=32, blank=True)
    customer_id = models.CharField(_("customer id"), max_length=64, db_index=True)
    account_id = models.CharField(_("account id"), max_length=64)
    date = models.DateField(_("date"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=8, blank=True)
    currency = models.CharField(_("currency"), max_length=8, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    txn_count = models.PositiveIntegerField(_("transactions"), default=0)
    txn_ids = models.JSONField(_("transaction ids"), default=list, blank=True)
    score = models.FloatField(_("score"))
    model_score = models.FloatField(_("model score"), null=True, blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(default=1, editable=False)
    explanation = models.TextField(_("explanation"), blank=True)
    explanation_zh = models.TextField(_("explanation (Chinese)"), blank=True)
    top_features = models.JSONField(_("model contributions"), default=list, blank=True)
    top_features_zh = models.JSONField(_("model contributions (Chinese)"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("review due"))
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("case")
    )
    lv_report = models.ForeignKey(
        LargeValueReport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        verbose_name=_("large-value report"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_reason = models.TextField(_("closing reason"), blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=Case.Disposition.choices, blank=True
    )

    class Meta:
        ordering = ["-severity_rank", "created_at", "id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(
                fields=["status", "-severity_rank", "created_at", "id"], name="monitoring_alert_queue"
            ),
            # the queue filtered by rule: a rule has one severity, so without it a low-severity rule's alerts
            # are found only after walking past every higher one (1.3 s at 1M open alerts, 2 ms with it)
            models.Index(
                fields=["status", "rule_id", "-severity_rank", "created_at", "id"],
                name="monitoring_alert_rule_queue",
            ),
            models.Index(fields=["org_unit", "status"], name="monitoring_alert_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(resolution=""),
                name="monitoring_closed_alert_has_resolution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.customer_id} {self.date or ''}".strip()

    def get_absolute_url(self) -> str:
        return reverse("monitoring:alert_detail", args=[self.pk])

    @property
    def is_large_value(self) -> bool:
        return self.rule_id.startswith("pboc_lv_")


class ScoreResult(TimeStampedModel):
    """The first real-time score of a transaction id; a repeated request gets this answer back."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    txn_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    request = models.JSONField(_("request"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("alert")
    )

    class Meta:
        verbose_name = _("real-time score")
        verbose_name_plural = _("real-time scores")

    def __str__(self) -> str:
        return f"{self.txn_id} {self.result.get('decision', '')}"


class RuleChange(TimeStampedModel):
    """A versioned change of one rule's switch and parameters for an org unit (the institution or a business line).

    Proposed by one person, approved by another (four eyes, also a database constraint); the approved change
    with the highest version is the rule's configuration for runs of that unit and the units below it.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    rule_id = models.CharField(_("rule"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_("Only the parameters that differ from the engine's built-in ones."),
    )
    reason = models.TextField(_("reason for the change"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["rule_id", "-version"]
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "rule_id", "version"], name="monitoring_rule_change_version"
            ),
            models.UniqueConstraint(
                fields=["org_unit", "rule_id"],
                condition=Q(status="proposed"),
                name="monitoring_one_pending_rule_change",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("proposed_by")),
                name="monitoring_rule_change_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version} ({self.org_unit})"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:rule_list") + f"#change-{self.pk}"


class ModelVersion(TimeStampedModel):
    """A trained engine model version (a folder with model.txt, model2.txt, meta.json), its metrics and its role.

    A role change (to current or shadow) is requested by one person and approved by another (four eyes).
    Runs score with the current model; the shadow model scores the same transactions without opening alerts,
    and each run records how the two compare.
    """

    class Role(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        SHADOW = "shadow", _("Shadow")
        CURRENT = "current", _("Current")
        RETIRED = "retired", _("Retired")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, verbose_name=_("org unit"))
    version = models.CharField(_("version"), max_length=64)
    path = models.CharField(_("model folder"), max_length=500)
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    training = models.JSONField(_("training data"), default=dict, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CANDIDATE)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    requested_role = models.CharField(_("requested role"), max_length=16, choices=Role.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_reason = models.TextField(_("reason"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "version"], name="monitoring_model_version_unique"),
            models.UniqueConstraint(
                fields=["org_unit"], condition=Q(role="current"), name="monitoring_one_current_model"
            ),
            models.UniqueConstraint(
                fields=["org_unit"], condition=Q(role="shadow"), name="monitoring_one_shadow_model"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="monitoring_model_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:model_list") + f"#model-{self.pk}"


class CaseAttachment(TimeStampedModel):
    """Evidence attached to a case: checked by content (attachments.py), stored sealed, downloaded only in scope."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case"))
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    key_id = models.CharField(max_length=64, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case attachment")
        verbose_name_plural = _("case attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("monitoring:case_attachment", args=[self.case_id, self.pk])
