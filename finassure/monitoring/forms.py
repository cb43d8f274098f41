"""Forms of risk monitoring: validation only; the services decide."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import OrgUnit, User
from finassure.monitoring.models import Case, ModelVersion
from finassure.platform.forms import StyledForm
from finassure.platform.ids import parse_id


class AssignForm(StyledForm):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, analysts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=[u.pk for u in analysts]).order_by("username")


class BulkCloseForm(StyledForm):
    alerts = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason for closing as false positive"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.alert_ids: list[int] = []
        if self.is_bound:
            raw = (
                self.data.getlist("alerts") if hasattr(self.data, "getlist") else self.data.get("alerts", [])
            )
            self.alert_ids = [pk for pk in map(parse_id, raw) if pk is not None]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.alert_ids:
            raise forms.ValidationError(_("Select at least one alert."))
        return data


class NoteForm(StyledForm):
    text = forms.CharField(
        label=_("Investigation note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DisposeForm(StyledForm):
    disposition = forms.ChoiceField(label=_("Disposition"), choices=Case.Disposition.choices)
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class GroundsForm(StyledForm):
    grounds = forms.CharField(
        label=_("Grounds for suspicion"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )


class RejectForm(StyledForm):
    reason = forms.CharField(
        label=_("What must change"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RuleChangeForm(StyledForm):
    org_unit = forms.ModelChoiceField(
        label=_("For org unit (institution or business line)"), queryset=OrgUnit.objects.none()
    )
    rule_id = forms.ChoiceField(label=_("Rule"), choices=())
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    params = forms.CharField(
        label=_("Changed parameters (JSON)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('Only what differs from the engine\'s default, e.g. {"cny_threshold": 45000}.'),
    )
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, units: Any, rule_ids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["org_unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        rule_field = self.fields["rule_id"]
        assert isinstance(rule_field, forms.ChoiceField)
        rule_field.choices = [(r, r) for r in rule_ids]

    def clean_params(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("params") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Write a JSON object, e.g. {"cny_threshold": 45000}.'))
        return value


class DecisionForm(StyledForm):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ModelRegisterForm(StyledForm):
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    path = forms.CharField(
        label=_("Model version folder"),
        max_length=500,
        help_text=_("A folder written by `finassure engine train` (model.txt, model2.txt, meta.json)."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["org_unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units


class ModelRoleForm(StyledForm):
    role = forms.ChoiceField(
        label=_("New role"),
        choices=[
            (ModelVersion.Role.CURRENT, _("Current")),
            (ModelVersion.Role.SHADOW, _("Shadow")),
            (ModelVersion.Role.RETIRED, _("Retired")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
