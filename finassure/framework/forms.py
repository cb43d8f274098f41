"""Forms of the assurance framework: filters, corrective-action steps, targets, tasks, records, budget."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import User
from finassure.framework.models import CorrectiveAction, Measure, WorkTask
from finassure.platform.forms import StyledForm

DATE = {"type": "date"}


class ActionFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", "—"), ("open", _("not closed"))] + list(CorrectiveAction.Status.choices))
    search = forms.CharField(label=_("Title contains"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Mine only"), required=False)


class ActionCreateForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    org_unit = forms.ChoiceField(label=_("Org unit"))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs=DATE))
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.filter(is_active=True),
                                     required=False)

    def __init__(self, *args: Any, units: Any = (), owners: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].choices = [(str(u.pk), str(u)) for u in units]  # type: ignore[attr-defined]
        if owners is not None:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(NoteForm):
    effective = forms.ChoiceField(label=_("Effective?"), choices=[("yes", _("Effective — verified")),
                                                                  ("no", _("Not effective — reopen"))])


class TargetForm(StyledForm):
    target = forms.FloatField(label=_("Target"))
    amber = forms.FloatField(label=_("Amber band"), min_value=0)
    org_unit = forms.ChoiceField(label=_("For org unit"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].choices = [("", _("Whole institution"))] + [(str(u.pk), str(u)) for u in units]  # type: ignore[attr-defined]


class WorkTaskForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    org_unit = forms.ChoiceField(label=_("Org unit"))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args: Any, units: Any = (), owners: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].choices = [(str(u.pk), str(u)) for u in units]  # type: ignore[attr-defined]
        if owners is not None:
            self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class WorkTaskProgressForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=WorkTask.Status.choices)
    evidence = forms.FileField(label=_("Evidence"), required=False)
    evidence_note = forms.CharField(label=_("Evidence note"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class ReportForm(StyledForm):
    period = forms.CharField(label=_("Quarter"), max_length=7, help_text=_("e.g. 2026Q3"))
    unit = forms.ChoiceField(label=_("Org unit"), required=False)

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [(str(u.pk), f"{'· ' * u.depth}{u}") for u in units]  # type: ignore[attr-defined]
