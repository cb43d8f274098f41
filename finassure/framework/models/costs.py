"""Cost-benefit (loss events) and the responsibility matrix (RACI)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.framework.models.indicators import Indicator, Measure
from finassure.platform.models import TimeStampedModel


class LossEvent(TimeStampedModel):
    """A loss, regulatory fine or compensation (损失、罚款、赔偿) recorded against a measure, for cost-benefit (六).

    Compensation paid to complainants is read from customer service; this record holds what has no other home:
    operational losses, regulators' fines, and compensation paid outside the complaint process.
    """

    class Kind(models.TextChoices):
        LOSS = "loss", _("loss")
        FINE = "fine", _("fine")
        COMPENSATION = "compensation", _("compensation")

    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="loss_events",
                                verbose_name=_("measure"))
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2)
    description = models.CharField(_("description"), max_length=300)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("loss or fine")
        verbose_name_plural = _("losses and fines")
        ordering = ["-occurred_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="loss_event_amount_positive")]
        indexes = [models.Index(fields=["measure", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount} {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("framework:cost_benefit")


class RaciEntry(TimeStampedModel):
    """One cell of a measure's responsibility matrix (RACI): a role (optionally at an org unit) and its letter.

    `indicator` narrows the entry to one obligation or indicator of the measure; blank means the whole measure.
    """

    class Letter(models.TextChoices):
        RESPONSIBLE = "R", _("Responsible")
        ACCOUNTABLE = "A", _("Accountable")
        CONSULTED = "C", _("Consulted")
        INFORMED = "I", _("Informed")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="raci", verbose_name=_("measure"))
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="raci",
                                  verbose_name=_("obligation or indicator"))
    letter = models.CharField(_("responsibility"), max_length=1, choices=Letter.choices)
    role = models.CharField(_("role"), max_length=40)
    org_unit = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("org unit"))

    class Meta:
        verbose_name = _("responsibility (RACI)")
        verbose_name_plural = _("responsibility matrix (RACI)")
        ordering = ["measure__order", "indicator_id", "letter", "role"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "indicator", "letter", "role", "org_unit"],
                                    name="uniq_raci_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.letter} {self.role}"
