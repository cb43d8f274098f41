"""Organisation and access: institution, business lines, the org-unit tree, users, role assignments, API tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from finassure.accounts.roles import Role
from finassure.platform.fields import EncryptedTextField
from finassure.platform.models import TimeStampedModel


class BilingualNameMixin(models.Model):
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name_localized

    @property
    def display_name_localized(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Institution(BilingualNameMixin, TimeStampedModel):
    """The financial institution running its assurance system (one per deployment, usually)."""

    class Kind(models.TextChoices):
        BANK = "bank", _("Bank")
        SECURITIES = "securities", _("Securities firm")
        INSURANCE = "insurance", _("Insurer")
        FUND = "fund", _("Fund manager")
        GROUP = "group", _("Financial group")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.BANK)
    is_critical_infrastructure = models.BooleanField(_("critical information infrastructure operator"), default=False)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")


class BusinessLine(BilingualNameMixin, TimeStampedModel):
    """A business line of the institution: banking, securities, insurance, fund (条线)."""

    class Kind(models.TextChoices):
        BANKING = "banking", _("Banking")
        SECURITIES = "securities", _("Securities")
        INSURANCE = "insurance", _("Insurance")
        FUND = "fund", _("Fund")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="business_lines")
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = _("business line")
        verbose_name_plural = _("business lines")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="uniq_business_line_code")]


class OrgUnit(BilingualNameMixin, TimeStampedModel):
    """A node of the institution's org tree: head office, branch, sub-branch or department.

    `path` is a materialised path ("/1/4/9/") so a subtree is one indexed prefix query.
    """

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        BRANCH = "branch", _("Branch")
        SUB_BRANCH = "sub_branch", _("Sub-branch")
        DEPARTMENT = "department", _("Department")
        SUBSIDIARY = "subsidiary", _("Subsidiary")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="org_units")
    business_line = models.ForeignKey(
        BusinessLine, null=True, blank=True, on_delete=models.PROTECT, related_name="org_units",
        verbose_name=_("business line"),
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="uniq_org_unit_code")]

    def is_within(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A member of staff (or an external assessor). Belongs to one home org unit."""

    display_name = models.CharField(_("full name"), max_length=100, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("org unit")
    )
    mobile = EncryptedTextField(_("mobile"), pii_class="C2", mask="phone", blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    is_demo = models.BooleanField(_("demo user"), default=False)
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES,
        help_text=_("Of the pages after sign-in, of notifications and of e-mails; blank: the institution's."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def in_force(self, at: dt.datetime | None = None) -> RoleAssignmentQuerySet:
        now = at or timezone.now()
        return self.filter(valid_from__lte=now).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))


class RoleAssignment(TimeStampedModel):
    """User U holds role R at org unit O (and, if `include_descendants`, all units below it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("org unit"))
    include_descendants = models.BooleanField(_("includes sub-units"), default=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org_unit"], name="uniq_role_assignment"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="role_assignment_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.org_unit}"


class ApiToken(models.Model):
    """A personal API token: shown once, stored as a SHA-256 digest, acts with its user's permissions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
