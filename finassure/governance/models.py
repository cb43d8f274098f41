"""Governance (制度与治理): the business-process catalogue, policies and their versions, positions, attestation,
the regulation library and the quarterly internal audit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from finassure.platform.models import TimeStampedModel
from finassure.service.models import ProductLine


class Process(TimeStampedModel):
    """A business process (业务流程) the institution runs, in one business line, owned by one org unit."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    business_line = models.ForeignKey("accounts.BusinessLine", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("business line"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("business process")
        verbose_name_plural = _("business processes")
        ordering = ["business_line_id", "code"]
        constraints = [models.UniqueConstraint(fields=["business_line", "code"], name="uniq_process_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:process_list") + f"?q={self.code}"


class Position(TimeStampedModel):
    """A position (岗位) with its duties and the permissions it needs; held by members of staff."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    duties = models.TextField(_("duties"), blank=True)
    permissions_needed = models.TextField(_("permissions needed"), blank=True)
    holders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="governance_positions",
                                     verbose_name=_("holders"))

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "code"], name="uniq_position_code")]

    def __str__(self) -> str:
        return self.name


class IncompatibleDuty(TimeStampedModel):
    """Two positions one person must not hold together (separation of duties, 不相容岗位)."""

    first = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+", verbose_name=_("position"))
    second = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("incompatible position"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("incompatible duty")
        verbose_name_plural = _("incompatible duties")
        constraints = [
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="incompatible_duty_ordered_pair"),
            models.UniqueConstraint(fields=["first", "second"], name="uniq_incompatible_duty"),
        ]

    def __str__(self) -> str:
        return f"{self.first} ⟂ {self.second}"


class Policy(TimeStampedModel):
    """A policy or procedure (制度) of one kind, owned by an org unit, covering processes and positions.

    Its text lives in versions; `effective_version` is the one in force (None while drafting or once retired).
    """

    class Kind(models.TextChoices):
        CHARTER = "charter", _("Charter policy")
        RULES = "rules", _("Rules")
        IMPLEMENTING = "implementing", _("Implementing rules")
        PROCEDURE = "procedure", _("Operating procedure")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("owner unit"))
    code = models.CharField(_("document number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    processes = models.ManyToManyField(Process, blank=True, related_name="policies", verbose_name=_("processes"))
    positions = models.ManyToManyField(Position, blank=True, related_name="policies", verbose_name=_("positions"))
    review_due = models.DateField(_("next review"), null=True, blank=True)
    effective_version = models.OneToOneField("PolicyVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+", verbose_name=_("version in force"))
    is_retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("governance:policy_detail", args=[self.pk])


class PolicyVersion(TimeStampedModel):
    """One version of a policy's text: draft → review → approved → effective → superseded (or retired)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        APPROVED = "approved", _("Approved")
        EFFECTIVE = "effective", _("Effective")
        SUPERSEDED = "superseded", _("Superseded")
        RETIRED = "retired", _("Retired")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions", verbose_name=_("policy"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    body = models.TextField(_("text"))
    change_summary = models.CharField(_("summary of changes"), max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("reviewer"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("approver"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    ended_on = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="uniq_policy_version_number"),
            models.UniqueConstraint(fields=["policy"], condition=Q(status="effective"),
                                    name="one_effective_version_per_policy"),
            models.CheckConstraint(condition=Q(approver__isnull=True) | ~Q(approver=F("author")),
                                   name="policy_version_approver_not_author"),
            models.CheckConstraint(condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")),
                                   name="policy_version_reviewer_not_author"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(effective_from__lte=F("ended_on")),
                                   name="policy_version_in_force_range"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("governance:policy_detail", args=[self.policy_id])


class PolicyReview(TimeStampedModel):
    """A periodic review of a policy (定期制度评审): kept as is, or to be revised; sets the next review date."""

    class Outcome(models.TextChoices):
        KEEP = "keep", _("Still fit for purpose")
        REVISE = "revise", _("To be revised")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("policy"))
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    next_review = models.DateField(_("next review"))

    class Meta:
        verbose_name = _("policy review")
        verbose_name_plural = _("policy reviews")
        ordering = ["-reviewed_on"]
        constraints = [models.CheckConstraint(condition=Q(next_review__gt=F("reviewed_on")),
                                              name="policy_review_next_after")]

    def __str__(self) -> str:
        return f"{self.policy.code} {self.reviewed_on}"


class Attestation(TimeStampedModel):
    """A member of staff's read-and-acknowledge (制度学习确认) of an effective policy version."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="attestations",
                                verbose_name=_("policy version"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy attestation")
        verbose_name_plural = _("policy attestations")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="uniq_attestation")]

    def __str__(self) -> str:
        return f"{self.version} · {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("governance:policy_detail", args=[self.version.policy_id])


class Regulation(TimeStampedModel):
    """An external regulation (法规) in the library; shared by the whole institution."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    effective_on = models.DateField(_("in force from"), null=True, blank=True)

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class Article(TimeStampedModel):
    """An article (条款) of a regulation, and the internal policies that implement it."""

    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="articles",
                                   verbose_name=_("regulation"))
    number = models.CharField(_("article"), max_length=40)
    order = models.PositiveIntegerField(_("order"), default=0)
    summary = models.TextField(_("summary"))
    policies = models.ManyToManyField(Policy, blank=True, related_name="articles", verbose_name=_("policies"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["regulation_id", "order"]
        constraints = [models.UniqueConstraint(fields=["regulation", "number"], name="uniq_article_number")]

    def __str__(self) -> str:
        return f"{self.regulation.title} {self.number}"


class AuditPlan(TimeStampedModel):
    """The internal audit plan of one org unit for one quarter (the seed: an internal audit every quarter)."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("audit plan")
        verbose_name_plural = _("audit plans")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "quarter"], name="uniq_audit_plan_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="audit_plan_quarter_range"),
        ]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter} {self.title}"


class Engagement(TimeStampedModel):
    """An internal audit engagement (内部审计) of one org unit: scope, fieldwork, report, findings."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        FIELDWORK = "fieldwork", _("Fieldwork")
        REPORTED = "reported", _("Reported")

    plan = models.ForeignKey(AuditPlan, on_delete=models.PROTECT, related_name="engagements",
                             verbose_name=_("audit plan"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("audited unit"))
    title = models.CharField(_("title"), max_length=300)
    processes = models.ManyToManyField(Process, blank=True, related_name="+", verbose_name=_("processes in scope"))
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("lead auditor"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    starts_on = models.DateField(_("starts on"))
    reported_on = models.DateField(_("report issued on"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    class Meta:
        verbose_name = _("audit engagement")
        verbose_name_plural = _("audit engagements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(reported_on__isnull=True) | Q(reported_on__gte=F("starts_on")),
                                   name="engagement_report_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:engagement_detail", args=[self.pk])


class Finding(TimeStampedModel):
    """An audit finding (审计发现): criteria, condition, cause, effect, recommendation; remedied by a
    corrective action of the framework."""

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="findings",
                                   verbose_name=_("audit engagement"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    title = models.CharField(_("title"), max_length=300)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    criteria = models.TextField(_("criteria"), blank=True)
    condition = models.TextField(_("condition"))
    cause = models.TextField(_("cause"), blank=True)
    effect = models.TextField(_("effect"), blank=True)
    recommendation = models.TextField(_("recommendation"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    due = models.DateField(_("due"))

    class Meta:
        verbose_name = _("audit finding")
        verbose_name_plural = _("audit findings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:engagement_detail", args=[self.engagement_id])


class Control(TimeStampedModel):
    """A control (内部控制措施) in the library: owner, frequency, the processes it works in."""

    class Frequency(models.TextChoices):
        CONTINUOUS = "continuous", _("Continuous")
        DAILY = "daily", _("Daily")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        ANNUAL = "annual", _("Annual")
        EVENT = "event", _("Per event")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    processes = models.ManyToManyField(Process, blank=True, related_name="controls", verbose_name=_("processes"))

    class Meta:
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "code"], name="uniq_control_code")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:control_detail", args=[self.pk])


RISK_SCALE = 5  # the likelihood × impact matrix is 5 × 5


class Risk(TimeStampedModel):
    """An entry of the risk register (风险登记册): inherent and residual risk on a likelihood × impact matrix,
    treatment, owner, controls and policies; accepted by its owner (acceptance lapses when the risk changes)."""

    class Category(models.TextChoices):
        CREDIT = "credit", _("Credit")
        MARKET = "market", _("Market")
        LIQUIDITY = "liquidity", _("Liquidity")
        OPERATIONAL = "operational", _("Operational")
        COMPLIANCE = "compliance", _("Compliance")
        IT = "it", _("Information technology")
        REPUTATIONAL = "reputational", _("Reputational")
        AML = "aml", _("Money laundering")
        CONSUMER = "consumer", _("Consumer protection")

    class Treatment(models.TextChoices):
        MITIGATE = "mitigate", _("Mitigate")
        ACCEPT = "accept", _("Accept")
        TRANSFER = "transfer", _("Transfer")
        AVOID = "avoid", _("Avoid")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    title = models.CharField(_("title"), max_length=300)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    inherent_likelihood = models.PositiveSmallIntegerField(_("inherent likelihood"))
    inherent_impact = models.PositiveSmallIntegerField(_("inherent impact"))
    residual_likelihood = models.PositiveSmallIntegerField(_("residual likelihood"))
    residual_impact = models.PositiveSmallIntegerField(_("residual impact"))
    treatment = models.CharField(_("treatment"), max_length=16, choices=Treatment.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("risk owner"))
    controls = models.ManyToManyField(Control, blank=True, related_name="risks", verbose_name=_("controls"))
    policies = models.ManyToManyField(Policy, blank=True, related_name="risks", verbose_name=_("policies"))
    review_due = models.DateField(_("next review"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acceptance_note = models.TextField(_("acceptance decision"), blank=True)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inherent_likelihood__gte=1, inherent_likelihood__lte=RISK_SCALE,
                            inherent_impact__gte=1, inherent_impact__lte=RISK_SCALE,
                            residual_likelihood__gte=1, residual_likelihood__lte=RISK_SCALE,
                            residual_impact__gte=1, residual_impact__lte=RISK_SCALE),
                name="risk_ratings_on_the_matrix"),
            models.CheckConstraint(
                condition=Q(residual_likelihood__lte=F("inherent_likelihood"),
                            residual_impact__lte=F("inherent_impact")),
                name="risk_residual_not_above_inherent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:risk_detail", args=[self.pk])

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int:
        return self.residual_likelihood * self.residual_impact

    @property
    def residual_level(self) -> str:
        return risk_level(self.residual_score)


def risk_level(score: int) -> str:
    """low 1–4, medium 5–9, high 10–16, extreme 20–25 on the 5 × 5 matrix."""
    if score >= 20:
        return "extreme"
    if score >= 10:
        return "high"
    if score >= 5:
        return "medium"
    return "low"


class KeyRiskIndicator(TimeStampedModel):
    """A key risk indicator (关键风险指标) of a risk, with a warning and a limit threshold."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="kris", verbose_name=_("risk"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    name = models.CharField(_("name"), max_length=300)
    code = models.SlugField(_("code"), max_length=60, blank=True,
                            help_text=_("Names the indicator in an Excel import of values."))
    indicator = models.ForeignKey("framework.Indicator", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("framework indicator"),
                                  help_text=_("Fed each period from the indicator's snapshot for this unit."))
    unit = models.CharField(_("unit of measure"), max_length=40, blank=True)
    higher_is_worse = models.BooleanField(_("higher is worse"), default=True)
    warning = models.DecimalField(_("warning threshold"), max_digits=14, decimal_places=4)
    limit = models.DecimalField(_("limit"), max_digits=14, decimal_places=4)

    class Meta:
        verbose_name = _("key risk indicator")
        verbose_name_plural = _("key risk indicators")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "code"], condition=~Q(code=""),
                                               name="uniq_kri_code_unit")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:risk_detail", args=[self.risk_id])


class KriValue(TimeStampedModel):
    """One value of a KRI — recorded by hand, imported from Excel or fed from a framework indicator's snapshot; a
    value beyond the limit is a breach and opens a corrective action."""

    class Status(models.TextChoices):
        NORMAL = "normal", _("Normal")
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")

    class Source(models.TextChoices):
        MANUAL = "manual", pgettext_lazy("KRI value source", "By hand")
        IMPORT = "import", pgettext_lazy("KRI value source", "Excel import")
        INDICATOR = "indicator", pgettext_lazy("KRI value source", "Framework indicator")

    kri = models.ForeignKey(KeyRiskIndicator, on_delete=models.CASCADE, related_name="values",
                            verbose_name=_("key risk indicator"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    snapshot = models.ForeignKey("framework.Snapshot", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("snapshot"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("KRI value")
        verbose_name_plural = _("KRI values")
        ordering = ["-measured_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kri", "measured_on"], name="uniq_kri_value_day")]

    def __str__(self) -> str:
        return f"{self.kri.name} {self.measured_on}: {self.value}"

    def get_absolute_url(self) -> str:
        return reverse("governance:risk_detail", args=[self.kri.risk_id])


class ControlTest(TimeStampedModel):
    """A test of a control's design and operation: result and evidence; a deficient one needs a remedy."""

    class Result(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        DEFICIENT = "deficient", _("Deficient")

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="tests", verbose_name=_("control"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    tested_on = models.DateField(_("tested on"))
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("tester"))
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    evidence = models.TextField(_("evidence"))

    class Meta:
        verbose_name = _("control test")
        verbose_name_plural = _("control tests")
        ordering = ["-tested_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.control} {self.tested_on}"

    def get_absolute_url(self) -> str:
        return reverse("governance:control_detail", args=[self.control_id])


class Product(TimeStampedModel):
    """A new product or service, or a material change of one (新产品/重大变更, 产品设计), reviewed before launch:
    risk assessment, compliance review and consumer-protection review, each by its own reviewer, then approval by
    yet another person. Conditions of the approval become corrective actions of the framework; a post-launch
    review is scheduled. Complaints about its product line feed back to its page."""

    class Kind(models.TextChoices):
        NEW = "new", _("New product or service")
        CHANGE = "change", _("Material change")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        LAUNCHED = "launched", _("Launched")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.NEW)
    product_line = models.CharField(_("product line"), max_length=32, choices=ProductLine.choices)
    description = models.TextField(_("description"), blank=True)
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("proposer"))
    processes = models.ManyToManyField(Process, blank=True, related_name="products", verbose_name=_("processes"))
    policies = models.ManyToManyField(Policy, blank=True, related_name="products", verbose_name=_("policies"))
    risks: models.ManyToManyField[Risk, Any] = models.ManyToManyField(
        "Risk", blank=True, related_name="products", verbose_name=_("risks"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    round = models.PositiveSmallIntegerField(_("review round"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("approver"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    post_launch_review_due = models.DateField(_("post-launch review due"), null=True, blank=True)
    post_launch_reviewed_on = models.DateField(_("post-launch review held on"), null=True, blank=True)
    post_launch_review_note = models.TextField(_("post-launch review"), blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "code"], name="uniq_product_code"),
            models.CheckConstraint(condition=Q(approver__isnull=True) | ~Q(approver=F("proposer")),
                                   name="product_approver_not_proposer"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("governance:product_detail", args=[self.pk])


# The checklist of each pre-launch review: (key, label). Consumer protection: 消费者权益保护审查.
PRODUCT_CHECKLISTS: dict[str, list[tuple[str, Any]]] = {
    "risk": [("identified", _("Risks identified and rated in the register")),
             ("controls", _("Controls in place for each material risk")),
             ("limits", _("Limits and exit conditions defined"))],
    "compliance": [("regulation", _("Complies with the applicable regulations")),
                   ("policies", _("Covered by internal policies and procedures")),
                   ("licence", _("Within the institution's licences and approvals"))],
    "consumer": [("disclosure", _("Disclosure: terms, risks and rights stated clearly")),
                 ("suitability", _("Suitability: sold only to customers it fits")),
                 ("fees", _("Fees: all charges disclosed and reasonable")),
                 ("marketing", _("Marketing material: accurate, no misleading promises"))],
}


class ProductReview(TimeStampedModel):
    """One pre-launch review of a product (risk assessment, compliance, consumer protection) in a review round:
    its checklist (item → satisfactory and note), result and comment. One person reviews at most once a round."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Risk assessment")
        COMPLIANCE = "compliance", _("Compliance review")
        CONSUMER = "consumer", _("Consumer-protection review")

    class Result(models.TextChoices):
        PASS = "pass", _("Passed")
        FAIL = "fail", _("Not passed")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews",
                                verbose_name=_("product"))
    round = models.PositiveSmallIntegerField(_("review round"))
    kind = models.CharField(_("review"), max_length=16, choices=Kind.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    checklist = models.JSONField(_("checklist"), default=dict)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("product review")
        verbose_name_plural = _("product reviews")
        ordering = ["product_id", "round", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["product", "round", "kind"], name="uniq_product_review_kind"),
            models.UniqueConstraint(fields=["product", "round", "reviewer"], name="uniq_product_reviewer"),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("governance:product_detail", args=[self.product_id])


class ProductCondition(TimeStampedModel):
    """A condition attached to a product's approval; it is followed up as a corrective action of the framework."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="conditions",
                                verbose_name=_("product"))
    text = models.CharField(_("condition"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    due = models.DateField(_("due"))

    class Meta:
        verbose_name = _("approval condition")
        verbose_name_plural = _("approval conditions")
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return f"{self.product.code}: {self.text}"

    def get_absolute_url(self) -> str:
        return reverse("governance:product_detail", args=[self.product_id])
