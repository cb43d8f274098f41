"""Models of training (培训): the staff roster, courses and annual plans, assignments, question banks, exams
and their attempts, and risk-awareness assessments (an exam of kind `awareness`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from finassure.platform.models import TimeStampedModel


class Topic(models.TextChoices):
    """Course categories and question topics share one vocabulary; the last four are risk categories."""

    OPERATIONS = "operations", _("Business operations")
    COMPLIANCE = "compliance", _("Compliance and regulations")
    RISK = "risk", _("Risk identification")
    AML = "aml", _("Anti-money laundering")
    INFOSEC = "infosec", _("Information security")
    CONSUMER = "consumer", _("Consumer protection")
    FRAUD = "fraud", _("Fraud risk")
    OPERATIONAL_RISK = "operational_risk", _("Operational risk")
    CREDIT_RISK = "credit_risk", _("Credit risk")
    CONDUCT = "conduct", _("Conduct and ethics")


class Employee(TimeStampedModel):
    """One person on the staff roster (from the HR export). Leavers are deactivated, never deleted."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        ON_LEAVE = "on_leave", _("on leave")
        LEFT = "left", _("left")

    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="employee", verbose_name=_("user account"))
    employee_no = models.CharField(_("employee number"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    hire_date = models.DateField(_("hire date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["employee_no"]
        verbose_name = _("employee")
        verbose_name_plural = _("staff roster")
        constraints = [
            models.UniqueConstraint(fields=["institution", "employee_no"], name="training_employee_no_unique"),
            models.CheckConstraint(condition=Q(status="left") | Q(left_on__isnull=True),
                                   name="training_employee_left_on_only_when_left"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_no} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("training:employee_detail", args=[self.pk])


class RosterImport(TimeStampedModel):
    """One HR roster import: what was read, accepted and rejected (with line, field and reason per row)."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    sync = models.BooleanField(_("deactivate staff missing from the file"), default=False)
    rows_read = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    header = models.JSONField(default=list)
    rejected = models.JSONField(default=list)  # [{"line", "field", "reason", "row": [...]}]

    class Meta:
        ordering = ["-id"]
        verbose_name = _("roster import")
        constraints = [
            models.CheckConstraint(condition=Q(rows_read=models.F("rows_accepted") + models.F("rows_rejected")),
                                   name="training_rosterimport_counts_reconcile"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class Course(TimeStampedModel):
    """A course in the catalogue with its materials (text, link, file) and duration."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("owner unit"))
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Topic.choices)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    description = models.TextField(_("description"), blank=True)
    material_url = models.URLField(_("material link"), blank=True)
    material_text = models.TextField(_("material text"), blank=True)
    material_file = models.FileField(_("material file"), upload_to="training/materials/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "code"], name="training_course_code_unique"),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="training_course_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("training:course_detail", args=[self.pk])


class QuestionBank(TimeStampedModel):
    """A question bank (题库): questions tagged by topic and difficulty."""

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("owner unit"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("question bank")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("training:bank_detail", args=[self.pk])


class Question(TimeStampedModel):
    """One question: single choice, multiple choice or true/false; `correct` holds the right option indices."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        TRUE_FALSE = "true_false", _("true/false")

    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="questions")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=2)  # 1 easy, 2 medium, 3 hard
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list)
    correct = models.JSONField(_("correct options"), default=list)
    explanation = models.TextField(_("explanation"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("question")
        constraints = [
            models.CheckConstraint(condition=Q(difficulty__gte=1, difficulty__lte=3),
                                   name="training_question_difficulty_range"),
        ]
        indexes = [models.Index(fields=["bank", "topic", "is_active"])]

    def __str__(self) -> str:
        return self.text[:60]


class Exam(TimeStampedModel):
    """An exam (考试) or a risk-awareness assessment (风险意识测评): questions drawn from a bank by topic quotas."""

    class Kind(models.TextChoices):
        EXAM = "exam", _("exam")
        AWARENESS = "awareness", _("risk-awareness assessment")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("owner unit"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.EXAM)
    title = models.CharField(_("title"), max_length=200)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="exams",
                             verbose_name=_("question bank"))
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="exams",
                               verbose_name=_("course"))
    quotas = models.JSONField(_("questions per topic"), default=dict)  # {"aml": 5, "compliance": 3}
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=30)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("exam")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="training_exam_pass_mark"),
            models.CheckConstraint(condition=Q(time_limit_minutes__gt=0), name="training_exam_time_limit"),
            models.CheckConstraint(condition=Q(max_attempts__gt=0), name="training_exam_max_attempts"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:exam_detail", args=[self.pk])

    @property
    def question_count(self) -> int:
        return sum(int(n) for n in self.quotas.values())


class TrainingPlan(TimeStampedModel):
    """An annual training plan (培训计划) of an org unit (institution or business line) for one year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("training plan")
        constraints = [
            models.UniqueConstraint(fields=["org_unit", "year", "title"], name="training_plan_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("training:plan_detail", args=[self.pk])


class AssignmentRule(TimeStampedModel):
    """Who in a plan must take a course or an exam, by when: by position, org unit and/or new-hire status."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="rules")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit (and sub-units)"))
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("course"))
    exam = models.ForeignKey(Exam, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("exam"))
    position = models.CharField(_("position"), max_length=100, blank=True, help_text=_("Empty: every position."))
    new_hires_only = models.BooleanField(_("new hires only"), default=False,
                                         help_text=_("Only staff hired in the plan year."))
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("assignment rule")
        constraints = [
            models.CheckConstraint(condition=Q(course__isnull=True, exam__isnull=False)
                                   | Q(course__isnull=False, exam__isnull=True),
                                   name="training_rule_course_xor_exam"),
        ]

    def __str__(self) -> str:
        return str(self.course or self.exam)


class Assignment(TimeStampedModel):
    """A course or an exam assigned to one employee with a due date; completed when done (or the exam passed)."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("assigned")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="assignments")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    plan = models.ForeignKey(TrainingPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    rule = models.ForeignKey(AssignmentRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    exam = models.ForeignKey(Exam, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments")
    due_date = models.DateField(_("due date"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ASSIGNED)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("assignment")
        constraints = [
            models.CheckConstraint(condition=Q(course__isnull=True, exam__isnull=False)
                                   | Q(course__isnull=False, exam__isnull=True),
                                   name="training_assignment_course_xor_exam"),
            models.CheckConstraint(condition=Q(status="completed", completed_at__isnull=False)
                                   | (~Q(status="completed") & Q(completed_at__isnull=True)),
                                   name="training_assignment_completed_at"),
            models.UniqueConstraint(fields=["employee", "plan", "course"], condition=Q(course__isnull=False),
                                    name="training_assignment_course_once_per_plan"),
            models.UniqueConstraint(fields=["employee", "plan", "exam"], condition=Q(exam__isnull=False),
                                    name="training_assignment_exam_once_per_plan"),
        ]
        indexes = [models.Index(fields=["org_unit", "due_date", "status"])]

    def __str__(self) -> str:
        return f"{self.employee} · {self.course or self.exam}"

    def get_absolute_url(self) -> str:
        return reverse("training:employee_detail", args=[self.employee_id])

    @property
    def title(self) -> str:
        return str(self.course.title if self.course else self.exam)


class Attempt(TimeStampedModel):
    """One sitting of an exam by an employee. The drawn questions follow from `seed`; graded on submission."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        SUBMITTED = "submitted", _("submitted")
        EXPIRED = "expired", _("over the time limit")

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="attempts")
    org_unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("org unit"))
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    seed = models.BigIntegerField()
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True)
    breakdown = models.JSONField(_("score by topic"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("exam attempt")
        constraints = [
            models.UniqueConstraint(fields=["exam", "employee", "number"], name="training_attempt_number_unique"),
            models.UniqueConstraint(fields=["exam", "employee"], condition=Q(status="in_progress"),
                                    name="training_attempt_one_open"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                                   name="training_attempt_score_range"),
        ]
        indexes = [models.Index(fields=["org_unit", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.employee} · {self.exam} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("training:attempt_detail", args=[self.pk])


class AttemptQuestion(models.Model):
    """A question as drawn into an attempt: its position, the shown option order and the answer given."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    topic = models.CharField(max_length=20, choices=Topic.choices)
    option_order = models.JSONField(default=list)  # shown option i is question.options[option_order[i]]
    answer = models.JSONField(null=True, blank=True)  # original option indices chosen
    is_correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="training_attemptq_position_unique"),
            models.UniqueConstraint(fields=["attempt", "question"], name="training_attemptq_question_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.position}"
