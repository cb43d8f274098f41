"""Forms of the assurance framework: filters, corrective-action steps, targets, tasks, records, budget."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import User
from finassure.accounts.roles import Role
from finassure.framework.models import (
    AssessmentFinding,
    CorrectiveAction,
    Indicator,
    LossEvent,
    Measure,
    Meeting,
    MeetingDecision,
    RaciEntry,
    WorkTask,
)
from finassure.platform.forms import ModelMultipleChoiceField, StyledForm

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


class _UnitOwnerForm(StyledForm):
    """A form with an org-unit choice (the caller's units) and, when present, an owner choice."""

    def __init__(self, *args: Any, units: Any = (), owners: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("org_unit",):
            if name in self.fields:
                self.fields[name].choices = [(str(u.pk), str(u)) for u in units]  # type: ignore[attr-defined]
        for name in ("owner", "chair", "attendees", "person", "assessor"):
            if name in self.fields and owners is not None:
                self.fields[name].queryset = owners  # type: ignore[attr-defined]


class MeetingForm(_UnitOwnerForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    org_unit = forms.ChoiceField(label=_("Org unit"))
    scheduled_for = forms.DateTimeField(label=_("Scheduled for"),
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=User.objects.none(), required=False)
    measures = ModelMultipleChoiceField(label=_("Measures"), required=False,
                                              queryset=Measure.objects.filter(is_active=True))
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}))


class MinutesForm(_UnitOwnerForm):
    attendees = ModelMultipleChoiceField(label=_("Attendees"), queryset=User.objects.none())
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}))


class DecisionForm(_UnitOwnerForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("Becomes"), choices=MeetingDecision.Outcome.choices)
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.filter(is_active=True),
                                     required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs=DATE))


class AssessmentForm(_UnitOwnerForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    firm = forms.CharField(label=_("Assessor (firm)"), max_length=200)
    assessor = forms.ModelChoiceField(label=_("Assessor account"), queryset=User.objects.none(), required=False,
                                      help_text=_("A user with the external-assessor role; it will see only this "
                                                  "assessment's scope."))
    org_unit = forms.ChoiceField(label=_("Commissioning unit"))
    units = forms.MultipleChoiceField(label=_("Org units in scope"))
    measures = ModelMultipleChoiceField(label=_("Measures in scope"),
                                              queryset=Measure.objects.filter(is_active=True))
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs=DATE))
    period_end = forms.DateField(label=_("Period until (exclusive)"), widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args: Any, units: Any = (), owners: Any = None, **kwargs: Any):
        super().__init__(*args, units=units, owners=owners, **kwargs)
        self.fields["units"].choices = [(str(u.pk), str(u)) for u in units]  # type: ignore[attr-defined]


class ConclusionsForm(StyledForm):
    conclusions = forms.CharField(label=_("Conclusions"), widget=forms.Textarea(attrs={"rows": 5}))


class FindingForm(_UnitOwnerForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=AssessmentFinding.Severity.choices,
                                 initial=AssessmentFinding.Severity.MEDIUM)
    org_unit = forms.ChoiceField(label=_("Org unit"))
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.none(), required=False)
    owner = forms.ModelChoiceField(label=_("Owner of the corrective action"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args: Any, measures: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if measures is not None:
            self.fields["measure"].queryset = measures  # type: ignore[attr-defined]


class LossEventForm(_UnitOwnerForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=LossEvent.Kind.choices)
    org_unit = forms.ChoiceField(label=_("Org unit"))
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.filter(is_active=True),
                                     required=False)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs=DATE))
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2)
    description = forms.CharField(label=_("Description"), max_length=300)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class RaciForm(_UnitOwnerForm):
    indicator = forms.ModelChoiceField(label=_("Obligation or indicator"), queryset=Indicator.objects.none(),
                                       required=False, empty_label=_("The whole measure"))
    letter = forms.ChoiceField(label=_("Responsibility"), choices=RaciEntry.Letter.choices)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org_unit = forms.ChoiceField(label=_("Org unit"), required=False)

    def __init__(self, *args: Any, indicators: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].choices = [("", "—")] + list(self.fields["org_unit"].choices)  # type: ignore[attr-defined]
        if indicators is not None:
            self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]


class BudgetLineForm(_UnitOwnerForm):
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.filter(is_active=True))
    org_unit = forms.ChoiceField(label=_("Org unit"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    planned = forms.DecimalField(label=_("Planned"), max_digits=14, decimal_places=2, min_value=0)
    committed = forms.DecimalField(label=_("Committed"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    spent = forms.DecimalField(label=_("Spent"), max_digits=14, decimal_places=2, min_value=0, initial=0)


class AccountabilityForm(_UnitOwnerForm):
    measure = forms.ModelChoiceField(label=_("Measure"), queryset=Measure.objects.filter(is_active=True),
                                     required=False)
    org_unit = forms.ChoiceField(label=_("Org unit"))
    subject = forms.CharField(label=_("What"), max_length=200)
    person = forms.ModelChoiceField(label=_("Who"), queryset=User.objects.none())
    finding = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs=DATE))
