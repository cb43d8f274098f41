"""Policies and their versions, reviews and attestation; the regulation library and its articles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.governance.models.processes import Position, Process
from finassure.platform.models import TimeStampedModel


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
