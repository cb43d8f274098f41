"""Models of customer service: consumer complaints with their event history, categories, surveys, compensation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finassure.platform.fields import EncryptedTextField
from finassure.platform.models import TimeStampedModel
from finassure.service import clock


def business_hours() -> clock.BusinessHours:
    """The platform business calendar and the configured working hours (FINASSURE_SERVICE_WORKING_HOURS)."""
    from finassure.platform import calendar

    start, end = getattr(settings, "FINASSURE_SERVICE_WORKING_HOURS", ("09:00", "17:00"))
    return clock.BusinessHours(is_working_day=calendar.is_working_day, opens=dt.time.fromisoformat(start),
                               closes=dt.time.fromisoformat(end), tz=settings.TIME_ZONE or "Asia/Shanghai")


MAJOR_GROUP_SIZE = 20  # Art. 29: a complaint by 20 or more people together is a major complaint
DEFAULT_SLA_HOURS = 48


class ProductLine(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    LOAN = "loan", _("Loan")
    CREDIT_CARD = "credit_card", _("Credit card")
    WEALTH = "wealth_management", _("Wealth management")
    SECURITIES = "securities_brokerage", _("Securities brokerage")
    INSURANCE_CLAIM = "insurance_claim", _("Insurance claim")
    FUND_SALES = "fund_sales", _("Fund sales")
    PAYMENT = "payment", _("Payment")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    COUNTER = "counter", _("Counter")
    PORTAL = "portal", _("Web portal")
    APP = "app", _("Mobile app")
    LETTER = "letter", _("Letter")
    REGULATOR = "regulator", _("Forwarded by the regulator")
    EMAIL = "email", _("Email")
    IMPORT = "import", _("Bulk import")


class SlaBasis(models.TextChoices):
    NATURAL = clock.NATURAL_HOURS, _("Natural hours")
    BUSINESS = clock.BUSINESS_HOURS, _("Business hours (working days)")


class ComplaintCategory(TimeStampedModel):
    """One entry of the configurable complaint taxonomy, with the internal SLA that applies to it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    sla_hours = models.PositiveIntegerField(_("internal SLA (hours)"), default=DEFAULT_SLA_HOURS)
    sla_basis = models.CharField(_("SLA counted in"), max_length=16, choices=SlaBasis.choices,
                                 default=SlaBasis.NATURAL)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        constraints = [models.CheckConstraint(condition=models.Q(sla_hours__gte=1), name="service_category_sla_positive")]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


# Defaults shipped with the product (code, 中文, English, order); institutions add or deactivate their own.
DEFAULT_CATEGORIES = [
    ("sales-misconduct", "销售误导", "Sales misconduct", 10),
    ("fees", "收费问题", "Fees and charges", 20),
    ("service-attitude", "服务态度", "Service attitude", 30),
    ("claims", "理赔纠纷", "Claims", 40),
    ("data-privacy", "个人信息保护", "Data privacy", 50),
    ("fraud", "欺诈盗刷", "Fraud", 60),
    ("system-failure", "系统故障", "System failure", 70),
    ("debt-collection", "催收行为", "Debt collection", 80),
    ("other", "其他", "Other", 900),
]


class Complaint(TimeStampedModel):
    """A consumer complaint (or suggestion), from any channel, with its handling state and decision.

    The two clocks are computed from `events` (see `clock.py`); `sla_due_at`, `regulatory_due_at` and
    `handling_hours` are caches refreshed by the services after each event, for list filters and indicators.
    """

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ACCEPTED = "accepted", _("In handling")
        PAUSED = "paused", _("Paused")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MERGED = "merged", _("Merged (repeat complaint)")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Cause(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary")
        DISASTER = "disaster", _("Natural disaster")
        SAFETY = "safety", _("Safety accident")
        PUBLIC_HEALTH = "public_health", _("Public-health event")

    class RootCause(models.TextChoices):
        NONE = "", _("Not analysed")
        PRODUCT_DESIGN = "product_design", _("Product design")
        SALES_PROCESS = "sales_process", _("Sales process")
        STAFF_CONDUCT = "staff_conduct", _("Staff conduct")
        SYSTEM = "system", _("System or technology")
        POLICY = "policy", _("Policy or rules")
        THIRD_PARTY = "third_party", _("Third party")
        CUSTOMER_UNDERSTANDING = "customer_understanding", _("Customer misunderstanding")

    OPEN_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.PAUSED, Status.DECIDED)

    tracking_number = models.CharField(_("tracking number"), max_length=24, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.COMPLAINT)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED,
                              db_index=True)
    # complainant (C2, encrypted at rest; phone and ID number searchable through keyed hashes)
    complainant_name = EncryptedTextField(_("complainant"), mask="name", blank=True)
    complainant_id_number = EncryptedTextField(_("ID number"), mask="id_number", blank=True)
    complainant_phone = EncryptedTextField(_("phone"), mask="phone", blank=True)
    complainant_address = EncryptedTextField(_("address"), mask="address", blank=True)
    account_number = EncryptedTextField(_("account or card number"), mask="card", blank=True)
    # searched by equality only, through the (index, org unit) indexes of Meta
    phone_index = models.CharField(max_length=64, blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False)
    # what it is about
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("staff member complained about"))
    respondent_text = models.CharField(_("party complained about"), max_length=200, blank=True)
    product_line = models.CharField(_("product line"), max_length=32, choices=ProductLine.choices,
                                    default=ProductLine.OTHER, db_index=True)
    category = models.ForeignKey(ComplaintCategory, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="complaints", verbose_name=_("category"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.COUNTER)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("description"), max_length=10000)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    group_size = models.PositiveIntegerField(_("number of complainants"), default=1)
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices, default=Cause.ORDINARY)
    is_major = models.BooleanField(_("major complaint"), default=False, db_index=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    # handling
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("handler"))
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="duplicates", verbose_name=_("merged into"))
    recheck_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="rechecks",
                                   verbose_name=_("re-check of"))
    sla_hours = models.PositiveIntegerField(_("internal SLA (hours)"), default=DEFAULT_SLA_HOURS)
    sla_basis = models.CharField(_("SLA counted in"), max_length=16, choices=SlaBasis.choices,
                                 default=SlaBasis.NATURAL)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    extensions = models.PositiveSmallIntegerField(_("extensions"), default=0)
    # decision (Art. 19)
    decision_facts = models.TextField(_("facts verified"), blank=True)
    decision_basis = models.TextField(_("basis"), blank=True)
    decision_reasons = models.TextField(_("reasons"), blank=True)
    decision_remedies = models.TextField(_("remedies"), blank=True)
    upheld = models.BooleanField(_("complaint upheld"), null=True, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=32, choices=RootCause.choices, blank=True,
                                  default="")
    # clock caches
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    regulatory_due_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    handling_hours = models.FloatField(_("handling time (hours)"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["org_unit", "status", "received_at"]),
            # a search by phone or ID number is scoped by org unit: with the unit in the same index the planner
            # never intersects a blind-index bitmap with a whole unit's complaints (see benchmarks/service)
            models.Index(fields=["phone_index", "org_unit"], name="service_cmp_phone_unit_idx"),
            models.Index(fields=["id_number_index", "org_unit"], name="service_cmp_idnum_unit_idx"),
            # statistics by root cause read only analysed complaints: most have none yet
            models.Index(fields=["received_at"], condition=~models.Q(root_cause=""),
                         name="service_cmp_rootcause_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(group_size__gte=1), name="service_complaint_group_size"),
            models.CheckConstraint(condition=models.Q(extensions__lte=2), name="service_complaint_extensions"),
            models.CheckConstraint(
                condition=models.Q(is_major=True) | (models.Q(group_size__lt=MAJOR_GROUP_SIZE)
                                                     & models.Q(cause="ordinary")),
                name="service_complaint_major_flag",
            ),
            models.UniqueConstraint(fields=["external_id"], condition=~models.Q(external_id=""),
                                    name="service_complaint_external_id_unique"),
            models.CheckConstraint(condition=~models.Q(merged_into=models.F("id")),
                                   name="service_complaint_not_merged_into_self"),
            # a merged duplicate, and only it, has the merged status and points at its primary
            models.CheckConstraint(condition=(models.Q(merged_into__isnull=True) & ~models.Q(status="merged"))
                                   | models.Q(merged_into__isnull=False, status="merged"),
                                   name="service_complaint_merged_status"),
        ]

    def __str__(self) -> str:
        return self.tracking_number  # never personal data: this goes into the audit trail

    def get_absolute_url(self) -> str:
        return reverse("service:complaint_detail", args=[self.pk])

    @property
    def is_recheck(self) -> bool:
        return self.recheck_of_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def clock_events(self) -> list[clock.Event]:
        events = getattr(self, "_prefetched_objects_cache", {}).get("events")
        rows = list(events) if events is not None else list(self.events.all())
        return [clock.Event(e.kind, e.at, e.data or {}) for e in rows]

    def clocks(self, now: dt.datetime | None = None) -> tuple[clock.ClockState, clock.ClockState]:
        now = now or timezone.now()
        events = self.clock_events()
        base_days = clock.RECHECK_DAYS if self.is_recheck else clock.REGULATORY_DAYS[0]
        return (clock.sla_clock(events, now=now, sla_hours=self.sla_hours, basis=self.sla_basis,
                                business=business_hours() if self.sla_basis == SlaBasis.BUSINESS else None),
                clock.regulatory_clock(events, now=now, base_days=base_days,
                                        tz=settings.TIME_ZONE or "Asia/Shanghai"))

    @property
    def sla(self) -> clock.ClockState:
        return self.clocks()[0]

    @property
    def regulatory(self) -> clock.ClockState:
        return self.clocks()[1]


class ComplaintEvent(models.Model):
    """One step in a complaint's history (append-only); the clocks are computed from these."""

    class Kind(models.TextChoices):
        REGISTERED = clock.REGISTERED, _("Registered")
        ACCEPTED = clock.ACCEPTED, _("Accepted")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        INFO_REQUESTED = "info_requested", _("More information requested")
        PAUSED = clock.PAUSED, _("Paused")
        RESUMED = clock.RESUMED, _("Resumed")
        EXTENDED = clock.EXTENDED, _("Deadline extended")
        DECIDED = clock.DECIDED, _("Decided")
        NOTIFIED = "notified", _("Customer notified")
        CLOSED = clock.CLOSED, _("Closed")
        WITHDRAWN = clock.WITHDRAWN, _("Withdrawn")
        RECHECK_REQUESTED = "recheck_requested", _("Re-check requested")
        ROOT_CAUSE = "root_cause", _("Root cause recorded")
        MERGED = clock.MERGED, _("Merged into another complaint (repeat)")
        DUPLICATE_MERGED = "duplicate_merged", _("A repeat complaint was merged into this one")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.TextField(blank=True, max_length=4000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("complaint event")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Survey(TimeStampedModel):
    """A one-time satisfaction survey (token link, no login): after a closed complaint or another touch point."""

    class Kind(models.TextChoices):
        COMPLAINT_HANDLING = "complaint_handling", _("Complaint handling")
        SERVICE = "service", _("Service")

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="surveys")
    touch_point = models.CharField(_("touch point"), max_length=100, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("satisfaction survey")
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                                   name="service_survey_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def satisfied(self) -> bool | None:
        return None if self.rating is None else self.rating >= 4


class Compensation(TimeStampedModel):
    """A compensation proposal for a complaint: proposed by one person, approved by another, then paid."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="compensations")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_evidence = models.CharField(_("payment evidence"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("compensation")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="service_compensation_amount_positive"),
            models.CheckConstraint(condition=~models.Q(decided_by=models.F("proposed_by")),
                                   name="service_compensation_maker_checker"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} ¥{self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("service:complaint_detail", args=[self.complaint_id])



class ComplaintImport(TimeStampedModel):
    """One bulk import of a complaint register: counts that reconcile, row errors, and the rejected rows.

    The rejected rows hold complainants' data as the file had it, so they are stored encrypted.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    total = models.PositiveIntegerField(_("rows read"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)  # [[line, field, reason], ...]
    header = models.JSONField(default=list, blank=True)
    rejected_rows = EncryptedTextField(mask="generic", blank=True)  # JSON list of {"line", "values"}
    # the import job: queued with the uploaded file (encrypted, random name), run by the worker in batches;
    # `processed` of `expected` rows drive the progress bar, and total = imported + rejected after every batch
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DONE)
    expected = models.PositiveIntegerField(_("rows in the file"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    upload_storage = models.CharField(max_length=200, blank=True, editable=False)
    failure = models.CharField(_("failure"), max_length=300, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("duration (s)"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("complaint import")
        constraints = [models.CheckConstraint(condition=models.Q(total=models.F("imported") + models.F("rejected")),
                                              name="service_import_counts_reconcile")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name


class FaqArticle(TimeStampedModel):
    """A self-service knowledge-base article (三.3), per product line, in both languages, rated by readers."""

    product_line = models.CharField(_("product line"), max_length=32, choices=ProductLine.choices,
                                    default=ProductLine.OTHER)
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), max_length=5000)
    question_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    answer_en = models.TextField(_("answer (English)"), max_length=5000, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    helpful = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful = models.PositiveIntegerField(_("not helpful"), default=0)

    class Meta:
        ordering = ["product_line", "question"]
        verbose_name = _("FAQ article")

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.question_en:
            return self.question_en
        return self.question

    @property
    def localized_answer(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.answer_en:
            return self.answer_en
        return self.answer


class ComplaintAttachment(TimeStampedModel):
    """A file attached to a complaint (portal, staff form or API).

    Its type is decided by its content (PDF, JPEG, PNG, DOCX), never by its name. The bytes are stored
    AES-GCM encrypted under MEDIA_ROOT with a random name (`storage_name`) and never served directly: only
    the scoped download view returns them, to roles that may reveal personal data, and every download is
    audited. The original file name may itself be personal data, so it is encrypted too.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    original_name = EncryptedTextField(_("file name"), mask="generic", blank=True)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, editable=False)
    key_id = models.CharField(max_length=40, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.COUNTER)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("complaint attachment")
        constraints = [models.CheckConstraint(condition=models.Q(size__gt=0), name="service_attachment_not_empty")]

    def __str__(self) -> str:
        return f"{self.complaint_id}/{self.pk}"  # never the file name: it may be personal data

    @property
    def extension(self) -> str:
        from finassure.service.attachments import EXTENSIONS

        return EXTENSIONS.get(self.content_type, (".bin",))[0]


class RoutingRule(TimeStampedModel):
    """Where complaints of a kind should be handled: empty conditions match anything; the most specific
    active rule wins, then the lower `priority`. Applied on intake as a suggestion a person confirms."""

    product_line = models.CharField(_("product line"), max_length=32, choices=ProductLine.choices, blank=True)
    category = models.ForeignKey(ComplaintCategory, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("category"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    business_line = models.ForeignKey("accounts.BusinessLine", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+", verbose_name=_("business line"))
    target = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("handling org unit"))
    priority = models.PositiveSmallIntegerField(_("priority"), default=100,
                                                help_text=_("Among equally specific rules, the lower number wins."))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")

    def __str__(self) -> str:
        return f"#{self.pk} → {self.target}"

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.product_line, self.category_id, self.channel, self.business_line_id))


class PortalVisit(models.Model):
    """One anonymous portal visit (a browser session, 30 minutes of inactivity ends it): what it did, not who.

    No IP address, user agent, name or phone: only the visit's random key, its day and its counts. A visit is
    resolved without a complaint when an article was rated helpful and no complaint was submitted in it.
    """

    key = models.CharField(max_length=32, unique=True)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    faq_views = models.PositiveIntegerField(default=0)
    helpful_votes = models.PositiveIntegerField(default=0)
    complaint_submitted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("portal visit")

    def __str__(self) -> str:
        return f"visit {self.pk}"

    @property
    def resolved_without_complaint(self) -> bool:
        return self.helpful_votes > 0 and not self.complaint_submitted


class ComplaintDailyCount(models.Model):
    """Pre-aggregated counts for the statistics page: complaints (kind COMPLAINT, not merged into another)
    received on one local `day` (settings.TIME_ZONE) per org unit × product line × category × root cause.

    Exact only for a day without a `ComplaintCountDirtyHour` in it: the statistics read these rows for clean
    days and count dirty days live (see `selectors.statistics` and `services/counts.py`).
    """

    day = models.DateField(db_index=True)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.CASCADE, related_name="+")
    product_line = models.CharField(max_length=32)
    category = models.ForeignKey(ComplaintCategory, null=True, on_delete=models.CASCADE, related_name="+")
    root_cause = models.CharField(max_length=32, blank=True)
    n = models.PositiveIntegerField(default=0)
    major = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_within_48h = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily complaint count")

    def __str__(self) -> str:
        return f"{self.day} unit {self.org_unit_id}: {self.n}"


class ComplaintCountDirtyHour(models.Model):
    """An hour (UTC, truncated) holding a complaint whose counted fields changed since its day was last
    summarised. Written only by database triggers on the complaint table (migration 0008), so every write
    path (services, bulk import's raw INSERT, `QuerySet.update`, the shell) marks it; `version` is bumped on
    each mark so a rebuild deletes only marks it has seen."""

    hour = models.DateTimeField(unique=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("changed complaint hour")

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} UTC (v{self.version})"
