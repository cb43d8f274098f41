"""Models of the assurance framework: library versions, measures, indicators, target overrides, snapshots,
corrective actions (整改) and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
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
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


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
