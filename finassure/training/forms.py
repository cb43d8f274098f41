"""Forms of training: validation only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import OrgUnit
from finassure.platform.forms import StyledForm
from finassure.training.models import Course, Employee, Exam, Question, QuestionBank, Topic


class UnitForm(StyledForm):
    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]


class EmployeeForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Org unit"))
    employee_no = forms.CharField(label=_("Employee number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    hire_date = forms.DateField(label=_("Hire date"), widget=forms.DateInput(attrs={"type": "date"}))


class RosterImportForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Import into unit"))
    file = forms.FileField(label=_("HR export (.csv or .xlsx)"))
    sync = forms.BooleanField(label=_("Full export: deactivate staff of this unit missing from the file"),
                              required=False)


class CourseForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Owner unit"))
    code = forms.CharField(label=_("Code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Topic.choices)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, initial=60)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    material_url = forms.URLField(label=_("Material link"), required=False, assume_scheme="https")
    material_text = forms.CharField(label=_("Material text"), widget=forms.Textarea(attrs={"rows": 6}),
                                    required=False)
    material_file = forms.FileField(label=_("Material file"), required=False)


class PlanForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Org unit"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)


class RuleForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Org unit (and sub-units)"))
    course = forms.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"), required=False)
    exam = forms.ModelChoiceField(queryset=Exam.objects.none(), label=_("Exam or assessment"), required=False)
    position = forms.CharField(label=_("Position (empty: every position)"), max_length=100, required=False)
    new_hires_only = forms.BooleanField(label=_("New hires of the plan year only"), required=False)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, courses: Any, exams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["exam"].queryset = exams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("course")) == bool(data.get("exam")):
            raise forms.ValidationError(_("Choose either a course or an exam."))
        return data


class BankForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Owner unit"))
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class QuestionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Type"), choices=Question.Kind.choices)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    difficulty = forms.TypedChoiceField(label=_("Difficulty"), coerce=int, initial=2,
                                        choices=[(1, _("easy")), (2, _("medium")), (3, _("hard"))])
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(label=_("Options, one per line (empty for true/false)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    correct = forms.CharField(label=_("Correct option numbers, comma-separated (1 = first)"), max_length=40)
    explanation = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def clean_correct(self) -> list[int]:
        try:
            return [int(part) - 1 for part in self.cleaned_data["correct"].replace("，", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("Enter option numbers such as 1 or 1,3.")) from exc


class ExamForm(UnitForm):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("Owner unit"))
    kind = forms.ChoiceField(label=_("Type"), choices=Exam.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    bank = forms.ModelChoiceField(queryset=QuestionBank.objects.none(), label=_("Question bank"))
    time_limit_minutes = forms.IntegerField(label=_("Time limit (minutes)"), min_value=1, initial=30)
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100, initial=80)
    max_attempts = forms.IntegerField(label=_("Attempts allowed"), min_value=1, initial=3)

    def __init__(self, *args: Any, banks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks  # type: ignore[attr-defined]
        for value, label in Topic.choices:
            self.fields[f"quota_{value}"] = forms.IntegerField(label=_("Questions: %(topic)s") % {"topic": label},
                                                               min_value=0, initial=0, required=False)
            self.fields[f"quota_{value}"].widget.attrs["class"] = "form-control"

    def quotas(self) -> dict[str, int]:
        return {v: self.cleaned_data.get(f"quota_{v}") or 0 for v in Topic.values}


class EmployeeStatusForm(StyledForm):
    status = forms.ChoiceField(choices=Employee.Status.choices)
