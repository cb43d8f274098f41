"""Forms of information security: validation only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.platform.forms import StyledForm
from finassure.security.models import Vulnerability


class ScanImportForm(StyledForm):
    file = forms.FileField(label=_("Scanner report"), help_text=_(
        "Trivy JSON, Greenbone/OpenVAS XML or CSV, Nessus XML or CSV, or a CSV with the columns asset, "
        "identifier, title, severity, cvss, cve."))
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=None)  # type: ignore[arg-type,var-annotated]
    scope = forms.CharField(label=_("Scope"), max_length=300)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    scanned_at = forms.DateTimeField(label=_("Scanned at (if the report does not say)"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    is_retest = forms.BooleanField(label=_("Re-test of the same scope (confirms fixes)"), required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=Vulnerability.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AccessReviewForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=None)  # type: ignore[arg-type,var-annotated]
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=None)  # type: ignore[arg-type,var-annotated]
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    system_name = forms.CharField(label=_("Other system (for an imported list)"), max_length=200, required=False)
    file = forms.FileField(label=_("Account list (CSV: account, name, role)"), required=False, help_text=_(
        "Leave empty to review finassure's own role assignments in the unit and its sub-units."))

    def __init__(self, *args: Any, units: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["reviewer"].queryset = people  # type: ignore[attr-defined]


class DecisionForm(StyledForm):
    item = forms.IntegerField()
    decision = forms.ChoiceField(choices=[("confirmed", _("Confirm")), ("revoked", _("Revoke"))])
    note = forms.CharField(max_length=300, required=False)


class BackupPolicyForm(StyledForm):
    keep_count = forms.IntegerField(label=_("Keep at least (backups)"), min_value=1, max_value=10000)
    keep_days = forms.IntegerField(label=_("Keep backups younger than (days)"), min_value=1, max_value=10000)
    rpo_target_minutes = forms.IntegerField(label=_("RPO target (minutes)"), min_value=1, max_value=10_000_000,
                                            help_text=_("Longest acceptable age of the newest verified backup."))
    rto_target_minutes = forms.IntegerField(label=_("RTO target (minutes)"), min_value=1, max_value=10_000_000,
                                            help_text=_("Longest acceptable time to restore the platform."))
