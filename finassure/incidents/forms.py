"""Forms of incidents: validation only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.incidents.models import GRADING_CRITERIA, Grade, Status
from finassure.platform.forms import StyledForm

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
    participants = forms.ModelMultipleChoiceField(label=_("Participants"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]

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
