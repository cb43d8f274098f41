"""Forms of incidents: validation only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import Institution
from finassure.accounts.roles import Role
from finassure.incidents.models import GRADING_CRITERIA, Grade, Status
from finassure.platform.forms import ModelMultipleChoiceField, StyledForm

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _criteria_help() -> str:
    return " ".join(f"{Grade(g).label}: {c}" for g, c in GRADING_CRITERIA.items())


class IncidentReportForm(StyledForm):
    title = forms.CharField(label=_("What happened"), max_length=200)
    incident_type = forms.ModelChoiceField(label=_("Type"), queryset=None)  # type: ignore[arg-type,var-annotated]
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, initial=Grade.GENERAL)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=None)  # type: ignore[arg-type,var-annotated]
    occurred_at = forms.DateTimeField(label=_("When it happened"), required=False, widget=DATETIME_WIDGET)
    affected_customers = forms.IntegerField(label=_("Customers affected"), min_value=0, initial=0)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, types: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["incident_type"].queryset = types  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["grade"].help_text = _criteria_help()


class TransitionForm(StyledForm):
    to_status = forms.ChoiceField(choices=[(s, s.label) for s in (Status.ACKNOWLEDGED, Status.CONTAINED,
                                                                  Status.RESOLVED)])
    at = forms.DateTimeField(label=_("Time (leave empty for now)"), required=False, widget=DATETIME_WIDGET)
    reason = forms.CharField(label=_("Reason for an earlier time"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(StyledForm):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    at = forms.DateTimeField(label=_("Time (leave empty for now)"), required=False, widget=DATETIME_WIDGET)
    reason = forms.CharField(label=_("Reason for an earlier time"), max_length=300, required=False)


class RegradeForm(StyledForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class RegulatorReportForm(StyledForm):
    at = forms.DateTimeField(label=_("Reported at (leave empty for now)"), required=False, widget=DATETIME_WIDGET)
    reason = forms.CharField(label=_("Reason for an earlier time"), max_length=300, required=False)
    note = forms.CharField(label=_("To whom, how"), max_length=500, required=False)


class RolesForm(StyledForm):
    commander = forms.ModelChoiceField(label=_("Incident commander"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]
    scribe = forms.ModelChoiceField(label=_("Scribe"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]
    liaison = forms.ModelChoiceField(label=_("Liaison"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]
    participants = ModelMultipleChoiceField(label=_("Participants"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("commander", "scribe", "liaison", "participants"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]


class ReviewForm(StyledForm):
    impact = forms.CharField(label=_("Impact"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    detection = forms.CharField(label=_("Detection"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    timeline_summary = forms.CharField(label=_("Timeline"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    why1 = forms.CharField(label=_("Why? (1)"), required=False, max_length=500)
    why2 = forms.CharField(label=_("Why? (2)"), required=False, max_length=500)
    why3 = forms.CharField(label=_("Why? (3)"), required=False, max_length=500)
    why4 = forms.CharField(label=_("Why? (4)"), required=False, max_length=500)
    why5 = forms.CharField(label=_("Why? (5)"), required=False, max_length=500)
    root_cause = forms.CharField(label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lessons = forms.CharField(label=_("Lessons learned"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def review_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["whys"] = [data.pop(f"why{i}") for i in range(1, 6)]
        return data


class ActionForm(StyledForm):
    title = forms.CharField(label=_("Corrective action"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)  # type: ignore[arg-type,var-annotated]
    due = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people  # type: ignore[attr-defined]


def parse_steps(text: str) -> list[dict[str, str]]:
    """One step per line, optionally "role: step" (a full-width colon works too)."""
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        role, sep, title = line.replace("：", ":").partition(":")
        steps.append({"role": role.strip(), "title": title.strip()} if sep and title.strip()
                     else {"role": "", "title": line})
    return steps


STEPS_HELP = _("One step per line; start with the role and a colon, e.g. 'Duty manager: convene the response team'.")


class PlanForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=None)  # type: ignore[arg-type,var-annotated]
    scenario = forms.CharField(label=_("Scenario"), widget=forms.Textarea(attrs={"rows": 3}))
    trigger_grades = forms.MultipleChoiceField(label=_("Trigger grades (none = all)"), choices=Grade.choices,
                                               required=False)
    incident_types = ModelMultipleChoiceField(label=_("Linked incident types"), queryset=None,  # type: ignore[arg-type,var-annotated]
                                                    required=False)
    systems = forms.CharField(label=_("Systems"), max_length=500, required=False)
    contacts = forms.CharField(label=_("Contacts"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    review_due_on = forms.DateField(label=_("Next review"), widget=forms.DateInput(attrs={"type": "date"}))
    steps = forms.CharField(label=_("Steps"), widget=forms.Textarea(attrs={"rows": 6}), help_text=STEPS_HELP)

    def __init__(self, *args: Any, units: Any, types: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["incident_types"].queryset = types  # type: ignore[attr-defined]

    def clean_steps(self) -> list[dict[str, str]]:
        return parse_steps(self.cleaned_data["steps"])


class PlanVersionForm(StyledForm):
    steps = forms.CharField(label=_("Steps"), widget=forms.Textarea(attrs={"rows": 6}), help_text=STEPS_HELP)
    change_note = forms.CharField(label=_("What changed"), max_length=300)

    def clean_steps(self) -> list[dict[str, str]]:
        return parse_steps(self.cleaned_data["steps"])


class DrillForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=None)  # type: ignore[arg-type,var-annotated]
    plan_version = forms.ModelChoiceField(label=_("Plan version"), queryset=None)  # type: ignore[arg-type,var-annotated]
    scheduled_for = forms.DateTimeField(label=_("Scheduled for"), widget=DATETIME_WIDGET)

    def __init__(self, *args: Any, units: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["plan_version"].queryset = versions  # type: ignore[attr-defined]


class DrillCompleteForm(StyledForm):
    evaluation = forms.CharField(label=_("Evaluation"), widget=forms.Textarea(attrs={"rows": 4}))
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100, required=False)


class IncidentTypeForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    on_duty_role = forms.ChoiceField(label=_("On-duty role (notified when one is reported)"), choices=Role.choices)
    ack_hours = forms.DecimalField(label=_("Acknowledge within (hours)"), min_value=Decimal("0.01"), max_value=999,
                                   decimal_places=2)
    is_security = forms.BooleanField(label=_("Information-security incident"), required=False)
    is_pii_leak = forms.BooleanField(label=_("Personal-data leak"), required=False)
    is_it = forms.BooleanField(label=_("IT incident (the banking IT first-report rule applies)"), required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=32767, initial=100)


class ReportingRuleForm(StyledForm):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    institution_kind = forms.ChoiceField(label=_("Institution type"), required=False,
                                         choices=[("", _("Any type"))] + list(Institution.Kind.choices))
    it_only = forms.BooleanField(label=_("IT incidents only"), required=False)
    minutes = forms.IntegerField(label=_("First report within (minutes)"), min_value=1, max_value=525600,
                                 required=False)
    minutes_critical_infrastructure = forms.IntegerField(
        label=_("Within (minutes) for critical information infrastructure operators"), min_value=1,
        max_value=525600, required=False)
    ack_minutes = forms.IntegerField(label=_("Acknowledge within (minutes)"), min_value=1, max_value=525600,
                                     required=False, help_text=_("Overrides the incident type's deadline when shorter."))
    basis = forms.CharField(label=_("Basis"), max_length=200)
    is_active = forms.BooleanField(label=_("In force"), required=False, initial=True)


class IncidentSettingsForm(StyledForm):
    review_due_days = forms.IntegerField(label=_("Post-incident review due (days after resolution)"), min_value=1,
                                         max_value=365)
