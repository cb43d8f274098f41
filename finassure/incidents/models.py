"""Models of incidents and emergencies: incident types, reporting rules, incidents with their timeline,
alerts raised by the timers, and post-incident reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from finassure.accounts.roles import Role
from finassure.platform.models import TimeStampedModel


class Grade(models.TextChoices):
    """Incident grades of the national cybersecurity incident reporting rules (in force 2025-11-01)."""

    EXTRAORDINARY = "extraordinary", _("Extraordinarily serious (特别重大)")
    MAJOR = "major", _("Major (重大)")
    SERIOUS = "serious", _("Serious (较大)")
    GENERAL = "general", _("General (一般)")


# Grades from the most to the least severe; "serious and above" reports to the regulator under the national rules.
GRADE_ORDER = [Grade.EXTRAORDINARY, Grade.MAJOR, Grade.SERIOUS, Grade.GENERAL]
MAJOR_GRADES = frozenset({Grade.EXTRAORDINARY, Grade.MAJOR, Grade.SERIOUS})

# The grading criteria shown on the report form and the incident (summary of the national rules' annex).
GRADING_CRITERIA = {
    Grade.EXTRAORDINARY: _(
        "Critical information infrastructure or important systems down or severely degraded over a wide area; "
        "loss or theft of core data or of the personal data of more than 100 million people; "
        "direct economic loss over RMB 100 million; or a serious threat to national security or social stability."
    ),
    Grade.MAJOR: _(
        "Important systems down or degraded for many customers or several branches for hours; loss or theft of "
        "important data or of the personal data of more than 10 million people; direct economic loss over "
        "RMB 20 million; or wide public concern."
    ),
    Grade.SERIOUS: _(
        "A business system down or degraded for a branch or a customer group; leak of the personal data of more "
        "than 1 million people; direct economic loss over RMB 5 million; or regional public concern."
    ),
    Grade.GENERAL: _("Any other incident affecting service quality, safety, data or systems."),
}


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CONTAINED = "contained", _("Contained")
    RESOLVED = "resolved", _("Resolved")
    UNDER_REVIEW = "under_review", _("Under review")
    CLOSED = "closed", _("Closed")


# The lifecycle in order, and the timestamp field each status sets.
LIFECYCLE = [Status.REPORTED, Status.ACKNOWLEDGED, Status.CONTAINED, Status.RESOLVED, Status.UNDER_REVIEW,
             Status.CLOSED]
STATUS_FIELD = {
    Status.REPORTED: "reported_at",
    Status.ACKNOWLEDGED: "acknowledged_at",
    Status.CONTAINED: "contained_at",
    Status.RESOLVED: "resolved_at",
    Status.UNDER_REVIEW: "review_started_at",
    Status.CLOSED: "closed_at",
}


class IncidentType(TimeStampedModel):
    """A kind of incident (information security, personal-data leak, outage, …). Configurable; defaults seeded.

    `on_duty_role` is the role notified when an incident of the type is reported; `is_security` and
    `is_pii_leak` say which indicators count it; `is_it` lets the banking IT first-report rule apply.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    on_duty_role = models.CharField(_("on-duty role"), max_length=40, choices=Role.choices,
                                    default=Role.SECURITY_OFFICER)
    ack_hours = models.DecimalField(_("acknowledge within (hours)"), max_digits=5, decimal_places=2, default=2)
    is_security = models.BooleanField(_("information-security incident"), default=False)
    is_pii_leak = models.BooleanField(_("personal-data leak"), default=False)
    is_it = models.BooleanField(_("IT incident"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")
        constraints = [models.CheckConstraint(condition=Q(ack_hours__gt=0), name="incident_type_ack_positive")]

    def __str__(self) -> str:
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class ReportingRule(TimeStampedModel):
    """A timer rule for a grade, an institution type (blank = any) and optionally only IT incidents: a regulatory
    first-report deadline (`minutes`) and/or a response (acknowledgement) deadline (`ack_minutes`, stricter than the
    type's own when shorter). The strictest applicable rule sets each deadline. Defaults seeded, each configurable."""

    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    institution_kind = models.CharField(_("institution type"), max_length=16, blank=True)
    it_only = models.BooleanField(_("IT incidents only"), default=False)
    minutes = models.PositiveIntegerField(_("first report within (minutes)"), null=True, blank=True)
    ack_minutes = models.PositiveIntegerField(_("acknowledge within (minutes)"), null=True, blank=True,
                                              help_text=_("Overrides the incident type's deadline when shorter."))
    minutes_critical_infrastructure = models.PositiveIntegerField(
        _("within (minutes) for critical information infrastructure operators"), null=True, blank=True)
    basis = models.CharField(_("basis"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["grade", "institution_kind"]
        verbose_name = _("reporting rule")
        verbose_name_plural = _("reporting rules")
        constraints = [models.CheckConstraint(condition=Q(minutes__gt=0), name="reporting_rule_minutes_positive")]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} {self.institution_kind or '*'} {self.minutes or '—'}/{self.ack_minutes or '—'} min"


class IncidentSettings(TimeStampedModel):
    """Settings of the incident module that are not per type or grade (one row, edited by the security
    administrator): when the post-incident review falls due after resolution."""

    review_due_days = models.PositiveSmallIntegerField(_("post-incident review due (days after resolution)"),
                                                       default=7)

    class Meta:
        verbose_name = _("incident settings")
        verbose_name_plural = _("incident settings")
        constraints = [models.CheckConstraint(condition=Q(review_due_days__gte=1), name="incident_review_days_min")]

    def __str__(self) -> str:
        return str(_("Incident settings"))


class Incident(TimeStampedModel):
    """An incident (事件) with its grade, lifecycle timestamps, roles and the deadlines its timers watch.

    Deadlines are computed from the event history (reported_at, grade, type, institution) by `timers`;
    they are stored so lists can filter and sort on them, and recomputed whenever their inputs change.
    """

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="incidents",
                                      verbose_name=_("type"))
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, default=Grade.GENERAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REPORTED)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    regulator_reported_at = models.DateTimeField(_("first report to the regulator at"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledge by"))
    report_due_at = models.DateTimeField(_("report to the regulator by"), null=True, blank=True)
    report_basis = models.CharField(_("reporting basis"), max_length=200, blank=True)
    ack_warned_at = models.DateTimeField(null=True, blank=True)
    ack_escalated_at = models.DateTimeField(null=True, blank=True)
    report_warned_at = models.DateTimeField(null=True, blank=True)
    report_escalated_at = models.DateTimeField(null=True, blank=True)
    affected_customers = models.PositiveIntegerField(_("customers affected"), default=0)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reported by"))
    commander = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("incident commander"))
    scribe = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("scribe"))
    liaison = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("liaison"))
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                          verbose_name=_("participants"))

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["status", "reported_at"]), models.Index(fields=["grade", "reported_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=models.F(
                "reported_at")), name="incident_ack_after_report"),
            models.CheckConstraint(condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F(
                "reported_at")), name="incident_resolved_after_report"),
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_at__isnull=False),
                                   name="incident_closed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    @property
    def grading_criteria(self) -> str:
        return str(GRADING_CRITERIA[Grade(self.grade)])

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class IncidentEvent(models.Model):
    """One entry of an incident's timeline: a status change, a note, a grade or role change, a correction.

    `at` is when it happened (may be earlier than `recorded_at` when entered afterwards, with a reason).
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        NOTE = "note", _("Note")
        GRADE = "grade", _("Grade change")
        ROLES = "roles", _("Roles")
        REGULATOR = "regulator", _("Report to the regulator")
        ALERT = "alert", _("Timer alert")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(_("note"), blank=True)
    backdate_reason = models.CharField(_("reason for the earlier time"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("time"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class IncidentAlert(models.Model):
    """An in-app alert about an incident: reported (to the on-duty role), a timer warning or a breach escalation."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("New incident")
        WARNING = "warning", _("Deadline approaching")
        BREACH = "breach", _("Deadline missed")

    class Timer(models.TextChoices):
        NONE = "", _("—")
        ACK = "ack", _("Acknowledgement")
        REPORT = "report", _("Report to the regulator")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    timer = models.CharField(_("timer"), max_length=16, choices=Timer.choices, blank=True)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("incident alert")
        verbose_name_plural = _("incident alerts")
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "timer"],
                                               condition=~Q(kind="reported"), name="uniq_incident_alert_timer")]

    def __str__(self) -> str:
        return self.message


class PostIncidentReview(TimeStampedModel):
    """The post-incident review (事后复盘): impact, detection, timeline, root cause by five whys, lessons.

    Due 7 days after resolution by default. Corrective actions are the framework's shared model, raised with
    this review as their source; the incident cannot close while any of them is open.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COMPLETED = "completed", _("Completed")

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    due_on = models.DateField(_("due on"))
    impact = models.TextField(_("impact"), blank=True)
    detection = models.TextField(_("detection"), blank=True)
    timeline_summary = models.TextField(_("timeline"), blank=True)
    whys = models.JSONField(_("five whys"), default=list, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self) -> str:
        return f"{self.incident.reference} review"

    def get_absolute_url(self) -> str:
        return reverse("incidents:review", args=[self.incident_id])


class EmergencyPlan(TimeStampedModel):
    """An emergency plan (应急预案): scenario, trigger grades, linked incident types and systems, contacts.

    Its steps live in versions; the version in force is the latest approved one. Opening an incident of a
    linked type (at a trigger grade) attaches that version's checklist to the incident.
    """

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    title = models.CharField(_("title"), max_length=200)
    scenario = models.TextField(_("scenario"))
    trigger_grades = models.JSONField(_("trigger grades"), default=list, blank=True,
                                      help_text=_("Empty means every grade."))
    incident_types = models.ManyToManyField(IncidentType, blank=True, related_name="plans",
                                            verbose_name=_("linked incident types"))
    systems = models.CharField(_("systems"), max_length=500, blank=True)
    contacts = models.TextField(_("contacts"), blank=True)
    review_due_on = models.DateField(_("next review"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:plan_detail", args=[self.pk])


class PlanVersion(TimeStampedModel):
    """One version of a plan's step checklist; approved by someone other than its author before it is used."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    steps = models.JSONField(_("steps"), default=list, help_text=_("[{\"title\": …, \"role\": …}]"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="uniq_plan_version_number"),
            models.CheckConstraint(condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("author")),
                                   name="plan_version_not_self_approved"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.title} v{self.number}"


class IncidentPlanStep(models.Model):
    """A step of a plan's checklist offered on an incident, with when and by whom it was completed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="plan_steps")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField()
    title = models.CharField(_("step"), max_length=300)
    role = models.CharField(_("role"), max_length=100, blank=True)
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["plan_version", "index"]
        constraints = [models.UniqueConstraint(fields=["incident", "plan_version", "index"],
                                               name="uniq_incident_plan_step")]

    def __str__(self) -> str:
        return f"{self.index + 1}. {self.title}"


class Drill(TimeStampedModel):
    """An emergency drill (应急演练) run against a plan version: scheduled, run with timed steps, evaluated.

    Findings become the framework's corrective actions with the drill as their source.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="drills",
                                     verbose_name=_("plan version"))
    title = models.CharField(_("title"), max_length=200)
    scheduled_for = models.DateTimeField(_("scheduled for"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SCHEDULED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                          verbose_name=_("participants"))
    evaluation = models.TextField(_("evaluation"), blank=True)
    score = models.PositiveSmallIntegerField(_("score (0–100)"), null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        constraints = [
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="drill_score_range"),
            models.CheckConstraint(condition=~Q(state="completed") | Q(ended_at__isnull=False),
                                   name="drill_completed_has_end"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:drill_detail", args=[self.pk])


class DrillStep(models.Model):
    """A step of a drill, timed from the drill's start."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    title = models.CharField(_("step"), max_length=300)
    role = models.CharField(_("role"), max_length=100, blank=True)
    completed_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["drill", "index"]
        constraints = [models.UniqueConstraint(fields=["drill", "index"], name="uniq_drill_step")]

    def __str__(self) -> str:
        return f"{self.index + 1}. {self.title}"

    @property
    def minutes_from_start(self) -> int | None:
        if self.completed_at is None or self.drill.started_at is None:
            return None
        return int((self.completed_at - self.drill.started_at).total_seconds() // 60)
