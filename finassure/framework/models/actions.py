"""Closing the loop: corrective actions, notifications, work plans, accountability and budget lines."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from finassure.framework.models.indicators import Indicator, Measure
from finassure.platform.models import TimeStampedModel


class CorrectiveAction(TimeStampedModel):
    """A corrective action (整改): raised from any record (breach, finding, incident, drill, complaint root cause).

    Lifecycle: open → in progress → done → verified (by someone other than the owner) → closed;
    a failed verification sends it back to in progress (reopened).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done, awaiting verification")
        VERIFIED = "verified", _("effectiveness verified")
        CLOSED = "closed", _("closed")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.DONE, Status.VERIFIED)

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("source type"))
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    source_repr = models.CharField(_("source"), max_length=300, blank=True)
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="corrective_actions", verbose_name=_("measure"))
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="corrective_actions", verbose_name=_("indicator"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="corrective_actions",
                              verbose_name=_("owner"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("raised by"))
    due = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_note = models.TextField(_("what was done"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["source_type", "source_id"]), models.Index(fields=["owner", "status"])]
        constraints = [
            # separation of duties, also in the database: the owner never verifies their own action
            models.CheckConstraint(condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("owner")),
                                   name="corrective_action_verifier_not_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("framework:action_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def source(self) -> models.Model | None:
        if self.source_type is None or not self.source_id:
            return None
        model = self.source_type.model_class()
        if model is None:
            return None
        return model._default_manager.filter(pk=self.source_id).first()


class Notification(models.Model):
    """An in-app notification (also mailed): assignment, due soon, overdue, breach."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("assigned to you")
        DUE_SOON = "due_soon", _("due soon")
        OVERDUE = "overdue", _("overdue")
        BREACH = "breach", _("indicator off target")
        VERIFY = "verify", _("awaiting your verification")
        REOPENED = "reopened", _("reopened")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=300)  # in the recipient's language when sent (as mailed)
    #: the title written out in every offered language when sent, {"zh-hans": …, "en": …}: the list shows the
    #: reader's language of the day, so one who changes language reads old notifications in the new one too
    titles = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the language active now (the reader's), else as it was sent."""
        return str(self.titles.get(translation.get_language() or "", "") or self.title)


class WorkTask(TimeStampedModel):
    """A task of a measure's work plan (四): owner, deadline, status and evidence; overdue tasks escalate."""

    class Status(models.TextChoices):
        TODO = "todo", _("to do")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("measure"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_tasks",
                              verbose_name=_("owner"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.TODO)
    evidence = models.FileField(_("evidence"), upload_to="framework/evidence/%Y/", blank=True)
    evidence_note = models.TextField(_("evidence note"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("work-plan task")
        verbose_name_plural = _("work-plan tasks")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title


class AccountabilityRecord(TimeStampedModel):
    """An accountability record (责任追究): what happened, who is accountable, the finding and the outcome."""

    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("measure"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    subject = models.CharField(_("what"), max_length=200)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("who"))
    finding = models.TextField(_("finding"))
    outcome = models.TextField(_("outcome"))
    decided_on = models.DateField(_("decided on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.subject


class BudgetLine(TimeStampedModel):
    """A special-fund budget line (专项资金) of a measure for a year: planned, committed and spent (yuan)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="budget_lines",
                                verbose_name=_("measure"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    planned = models.DecimalField(_("planned"), max_digits=14, decimal_places=2)
    committed = models.DecimalField(_("committed"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("spent"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["-year", "measure__order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned__gte=0) & Q(committed__gte=0) & Q(spent__gte=0),
                                   name="budget_line_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"
