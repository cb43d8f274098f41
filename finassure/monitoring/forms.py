"""Forms of risk monitoring: validation only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import User
from finassure.monitoring.models import Case
from finassure.platform.forms import StyledForm


class AssignForm(StyledForm):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, analysts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in analysts]).order_by("username")


class BulkCloseForm(StyledForm):
    alerts = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    reason = forms.CharField(label=_("Reason for closing as false positive"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.alert_ids: list[int] = []
        if self.is_bound:
            raw = self.data.getlist("alerts") if hasattr(self.data, "getlist") else self.data.get("alerts", [])
            self.alert_ids = [int(v) for v in raw if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.alert_ids:
            raise forms.ValidationError(_("Select at least one alert."))
        return data


class NoteForm(StyledForm):
    text = forms.CharField(label=_("Investigation note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))


class DisposeForm(StyledForm):
    disposition = forms.ChoiceField(label=_("Disposition"), choices=Case.Disposition.choices)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class GroundsForm(StyledForm):
    grounds = forms.CharField(label=_("Grounds for suspicion"), max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 5}))


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("What must change"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
