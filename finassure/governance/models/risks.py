"""Controls, the risk register (5 × 5 matrix), key risk indicators with their values, and control tests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from finassure.governance.models.policies import Policy
from finassure.governance.models.processes import Process
from finassure.platform.models import TimeStampedModel


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
