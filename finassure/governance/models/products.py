"""New products: the proposal, its three reviews by different people, approval conditions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.governance.models.policies import Policy
from finassure.governance.models.processes import Process
from finassure.governance.models.risks import Risk
from finassure.platform.models import TimeStampedModel
from finassure.service.models import ProductLine


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
