"""Meetings with their decisions, and third-party assessments with their findings (seed 四, 五)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.framework.models.actions import CorrectiveAction, WorkTask
from finassure.framework.models.indicators import Measure
from finassure.platform.models import TimeStampedModel


class Meeting(TimeStampedModel):
    """A scheduled internal review (内部评审) or working-group meeting (专项工作组会议) with agenda and minutes.

    Each decision taken becomes a work-plan task or a corrective action (see `MeetingDecision`).
    """

    class Kind(models.TextChoices):
        WORKING_GROUP = "working_group", _("Working-group meeting")
        INTERNAL_REVIEW = "internal_review", _("Internal review")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKING_GROUP)
    title = models.CharField(_("title"), max_length=200)
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    measures = models.ManyToManyField(Measure, blank=True, related_name="meetings", verbose_name=_("measures"))
    scheduled_for = models.DateTimeField(_("scheduled for"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("chair"))
    agenda = models.TextField(_("agenda"))
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="framework_meetings",
                                       verbose_name=_("attendees"))
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED,
                              db_index=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            # a meeting counts as held only with its minutes
            models.CheckConstraint(condition=~Q(status="held") | (Q(held_at__isnull=False) & ~Q(minutes="")),
                                   name="meeting_held_has_minutes"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("framework:meeting_detail", args=[self.pk])


class MeetingDecision(TimeStampedModel):
    """A decision of a meeting; it becomes a work-plan task or a corrective action for its owner."""

    class Outcome(models.TextChoices):
        TASK = "task", _("work-plan task")
        ACTION = "action", _("corrective action")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions",
                                verbose_name=_("meeting"))
    text = models.TextField(_("decision"))
    outcome = models.CharField(_("becomes"), max_length=8, choices=Outcome.choices)
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("measure"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    due = models.DateField(_("due date"))
    work_task = models.OneToOneField(WorkTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="decision",
                                     verbose_name=_("work-plan task"))
    corrective_action = models.OneToOneField(CorrectiveAction, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+", verbose_name=_("corrective action"))

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["meeting_id", "id"]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return self.meeting.get_absolute_url()


class ExternalAssessment(TimeStampedModel):
    """A third-party assessment (第三方评估): who assesses, what (org units, measures), which period, conclusions.

    Its `assessor` account (role external assessor) sees only what the engagement covers: its org units,
    its measures and its period.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        FIELDWORK = "fieldwork", _("fieldwork")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=200)
    firm = models.CharField(_("assessor (firm)"), max_length=200)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="external_assessments", verbose_name=_("assessor account"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("commissioning unit"))
    units = models.ManyToManyField("accounts.OrgUnit", related_name="+", verbose_name=_("org units in scope"))
    measures = models.ManyToManyField(Measure, related_name="external_assessments",
                                      verbose_name=_("measures in scope"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until (exclusive)"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED,
                              db_index=True)
    conclusions = models.TextField(_("conclusions"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("third-party assessment")
        verbose_name_plural = _("third-party assessments")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")),
                                   name="external_assessment_period_order"),
            models.CheckConstraint(condition=~Q(status="completed") | (Q(completed_on__isnull=False)
                                                                       & ~Q(conclusions="")),
                                   name="external_assessment_completed_has_conclusions"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("framework:assessment_detail", args=[self.pk])


class AssessmentFinding(TimeStampedModel):
    """A finding of a third-party assessment; each opens a corrective action for its owner."""

    class Severity(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    assessment = models.ForeignKey(ExternalAssessment, on_delete=models.CASCADE, related_name="findings",
                                   verbose_name=_("assessment"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("measure"))
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    corrective_action = models.OneToOneField(CorrectiveAction, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+", verbose_name=_("corrective action"))

    class Meta:
        verbose_name = _("assessment finding")
        verbose_name_plural = _("assessment findings")
        ordering = ["assessment_id", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.assessment.get_absolute_url()
