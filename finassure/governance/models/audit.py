"""The quarterly internal audit: plans, engagements and findings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.governance.models.processes import Process
from finassure.platform.models import TimeStampedModel


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
