"""The library: measures and indicators with bilingual text, per-unit target overrides and snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from finassure.platform.models import TimeStampedModel


class BilingualText(models.Model):
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name

    @property
    def display_description(self) -> str:
        return self.description_en if translation.get_language() == "en" and self.description_en else self.description


class LibraryVersion(models.Model):
    """One loaded version of a framework library file (the YAML shipped with the product)."""

    code = models.SlugField(_("library"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    changes = models.JSONField(_("changes"), default=list, blank=True)

    class Meta:
        verbose_name = _("library version")
        verbose_name_plural = _("library versions")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="uniq_library_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Measure(BilingualText, TimeStampedModel):
    """A measure of the assurance system (措施), e.g. 3 服务流程优化, or a section such as 四 execution."""

    class Section(models.TextChoices):
        MEASURE = "measure", _("Measure")
        EXECUTION = "execution", _("Execution and accountability")
        MONITORING = "monitoring", _("Monitoring and evaluation")
        RESOURCES = "resources", _("Cost-benefit and resources")

    library = models.SlugField(_("library"), max_length=60)
    key = models.SlugField(_("key"), max_length=60, unique=True)
    number = models.CharField(_("number"), max_length=10)
    section = models.CharField(_("section"), max_length=16, choices=Section.choices, default=Section.MEASURE)
    responsible_role = models.CharField(_("responsible role"), max_length=40, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_measures", verbose_name=_("owner"))
    lead_unit = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("lead unit"))
    order = models.PositiveSmallIntegerField(default=0)
    library_version = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["order", "key"]

    def get_absolute_url(self) -> str:
        return reverse("framework:measure_detail", args=[self.pk])


class Indicator(BilingualText, TimeStampedModel):
    """An indicator (指标) proving a measure, with its target (指标设定); also a recurring obligation (met = 1)."""

    class Kind(models.TextChoices):
        INDICATOR = "indicator", _("Indicator")
        OBLIGATION = "obligation", _("Obligation")

    class Unit(models.TextChoices):
        PERCENT = "percent", _("percent")
        HOURS = "hours", _("hours")
        COUNT = "count", _("count")
        SCORE = "score", _("score")
        FLAG = "flag", _("met (1) / not met (0)")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        HALF = "half", _("half-year")
        YEAR = "year", _("year")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="indicators",
                                verbose_name=_("measure"))
    key = models.SlugField(_("key"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INDICATOR)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    target = models.FloatField(_("target"))
    amber = models.FloatField(_("amber band"), default=0)
    library_target = models.FloatField(_("library target"))
    library_amber = models.FloatField(_("library amber band"), default=0)
    minimum = models.FloatField(_("lowest possible value"), null=True, blank=True)
    maximum = models.FloatField(_("highest possible value"), null=True, blank=True)
    period = models.CharField(_("evaluation period"), max_length=8, choices=PeriodKind.choices)
    computation = models.CharField(_("computation"), max_length=120)
    target_note = models.CharField(_("target as stated"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["measure__order", "order", "key"]
        constraints = [models.CheckConstraint(condition=Q(amber__gte=0), name="indicator_amber_non_negative")]

    def get_absolute_url(self) -> str:
        return reverse("framework:indicator_detail", args=[self.pk])

    @property
    def is_tuned(self) -> bool:
        return self.target != self.library_target or self.amber != self.library_amber


class TargetOverride(TimeStampedModel):
    """An institution's own target for an indicator in one business line or one org unit (and its subtree)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="overrides",
                                  verbose_name=_("indicator"))
    business_line = models.ForeignKey("accounts.BusinessLine", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("business line"))
    org_unit = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("org unit"))
    target = models.FloatField(_("target"))
    amber = models.FloatField(_("amber band"), default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        verbose_name = _("target override")
        verbose_name_plural = _("target overrides")
        constraints = [
            models.CheckConstraint(
                condition=(Q(business_line__isnull=True) & Q(org_unit__isnull=False))
                | (Q(business_line__isnull=False) & Q(org_unit__isnull=True)),
                name="target_override_one_scope",
            ),
            models.UniqueConstraint(fields=["indicator", "business_line"], name="uniq_override_business_line",
                                    condition=Q(business_line__isnull=False)),
            models.UniqueConstraint(fields=["indicator", "org_unit"], name="uniq_override_org_unit",
                                    condition=Q(org_unit__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} @ {self.org_unit or self.business_line}: {self.target:g}"


class Snapshot(models.Model):
    """The value and status of an indicator for an org unit (with its subtree) and a period; one per period."""

    class Status(models.TextChoices):
        GREEN = "green", _("on target")
        AMBER = "amber", _("near target")
        RED = "red", _("off target")
        NO_DATA = "no_data", _("no data")
        NO_SOURCE = "no_source", _("no data source")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="snapshots",
                                  verbose_name=_("indicator"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    period_kind = models.CharField(max_length=8)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period"), max_length=10)
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    target = models.FloatField(_("target"))
    amber = models.FloatField(_("amber band"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["indicator_id", "org_unit_id", "-period_start"]
        constraints = [models.UniqueConstraint(fields=["indicator", "org_unit", "period_kind", "period_start"],
                                               name="uniq_snapshot_period")]
        indexes = [models.Index(fields=["org_unit", "period_start"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.org_unit} · {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("framework:snapshot_detail", args=[self.pk])
