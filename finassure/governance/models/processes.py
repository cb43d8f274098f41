"""The business-process catalogue, positions and incompatible duties."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.platform.models import TimeStampedModel


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
