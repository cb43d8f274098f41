"""Forms of customer service: validation only; the services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import BusinessLine, OrgUnit, User
from finassure.platform.forms import StyledForm
from finassure.service.models import Channel, Complaint, ComplaintCategory, ProductLine, SlaBasis

_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_TEXTAREA = forms.Textarea(attrs={"rows": 3})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check their content (see `attachments.py`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from finassure.service.attachments import ACCEPT

        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _attachments_field() -> MultipleFileField:
    from django.conf import settings

    from finassure.service.attachments import DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES

    mb = getattr(settings, "FINASSURE_SERVICE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES) // (1024 * 1024)
    n = getattr(settings, "FINASSURE_SERVICE_ATTACHMENT_MAX_FILES", DEFAULT_MAX_FILES)
    return MultipleFileField(label=_("Attachments"), help_text=_(
        "PDF, JPEG, PNG or Word (.docx); up to %(n)s files of at most %(mb)s MB each.") % {"n": n, "mb": mb})


def no_markup(value: str) -> None:
    if _HTML_TAG.search(value or ""):
        raise forms.ValidationError(_("Please write plain text without HTML tags or scripts."))


class ComplaintForm(StyledForm):
    kind = forms.ChoiceField(label=_("Type"), choices=Complaint.Kind.choices)
    org_unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.COUNTER)
    product_line = forms.ChoiceField(label=_("Product line"), choices=ProductLine.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=ComplaintCategory.objects.none(), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Description"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    complainant_name = forms.CharField(label=_("Complainant name"), max_length=100, required=False)
    complainant_phone = forms.CharField(label=_("Complainant phone"), max_length=32, required=False)
    complainant_id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    complainant_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    account_number = forms.CharField(label=_("Account or card number"), max_length=40, required=False)
    respondent_text = forms.CharField(label=_("Party complained about"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Complaint.Severity.choices,
                                 initial=Complaint.Severity.MEDIUM)
    group_size = forms.IntegerField(label=_("Number of complainants"), min_value=1, max_value=1_000_000, initial=1,
                                    help_text=_("20 or more people together make a major complaint (Art. 29)."))
    cause = forms.ChoiceField(label=_("Cause"), choices=Complaint.Cause.choices)

    def __init__(self, *args: Any, units: Any, categories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]


class PortalComplaintForm(StyledForm):
    """The customer's own form: no login, plain text only, a hidden field that only robots fill in."""

    kind = forms.ChoiceField(label=_("I want to make"), choices=Complaint.Kind.choices)
    org_unit = forms.ModelChoiceField(label=_("Branch or company concerned"), queryset=OrgUnit.objects.none())
    product_line = forms.ChoiceField(label=_("Product or service"), choices=ProductLine.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[no_markup])
    text = forms.CharField(label=_("What happened, and what do you ask for?"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 6, "id": "portal-text"}), validators=[no_markup])
    complainant_name = forms.CharField(label=_("Your name"), max_length=100, validators=[no_markup])
    complainant_phone = forms.RegexField(label=_("Your mobile phone"), regex=r"^\s*(\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}\s*$",
                                         max_length=20,
                                         error_messages={"invalid": _("Enter a mainland mobile number (11 digits).")})
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        from django.urls import reverse

        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        self.order_fields(["kind", "org_unit", "product_line", "subject", "text", "attachments", "complainant_name",
                           "complainant_phone"])
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        # Suggest FAQ answers while the customer types (HTMX; no inline script).
        self.fields["text"].widget.attrs.update({
            "hx-get": reverse("service:portal_faq"), "hx-trigger": "input changed delay:500ms",
            "hx-target": "#faq-suggestions", "hx-swap": "innerHTML",
        })

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This field must be left empty."))
        return ""


class StatusLookupForm(StyledForm):
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=24)
    phone_last4 = forms.RegexField(label=_("Last 4 digits of your phone number"), regex=r"^\d{4}$", max_length=4,
                                   error_messages={"invalid": _("Enter 4 digits.")})


class SurveyForm(StyledForm):
    rating = forms.TypedChoiceField(label=_("How satisfied are you?"), coerce=int, widget=forms.RadioSelect,
                                    choices=[(5, _("5 — very satisfied")), (4, _("4 — satisfied")),
                                             (3, _("3 — neutral")), (2, _("2 — dissatisfied")),
                                             (1, _("1 — very dissatisfied"))])
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False, widget=_TEXTAREA,
                              validators=[no_markup])


# --- handling steps -----------------------------------------------------------------------------


class AssignForm(StyledForm):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none())

    def __init__(self, *args: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers  # type: ignore[attr-defined]


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=4000, widget=_TEXTAREA)
    request_info = forms.BooleanField(label=_("This asks the customer for more information"), required=False)


class PauseForm(StyledForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("appraisal", _("Appraisal, testing or evaluation")),
                                                          ("mediation", _("Mediation"))])
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=_TEXTAREA)
    customer_notified = forms.BooleanField(label=_("The customer has been told the time limit is paused"))


class ResumeForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=4000, required=False)


class ExtendForm(StyledForm):
    reason = forms.CharField(label=_("Why the case needs more time"), max_length=4000, widget=_TEXTAREA)


class DecideForm(StyledForm):
    facts = forms.CharField(label=_("Facts verified"), widget=_TEXTAREA, max_length=10000)
    basis = forms.CharField(label=_("Basis (rules, contract terms)"), widget=_TEXTAREA, max_length=10000)
    reasons = forms.CharField(label=_("Reasons"), widget=_TEXTAREA, max_length=10000)
    remedies = forms.CharField(label=_("Remedies open to the customer"), widget=_TEXTAREA, max_length=10000,
                               initial=_("Re-check within 30 days, mediation, arbitration or litigation."))
    upheld = forms.NullBooleanField(label=_("Complaint upheld"), required=False)


class NotifyForm(StyledForm):
    method = forms.ChoiceField(label=_("How"), choices=[("letter", _("Letter")), ("sms", _("SMS")),
                                                        ("email", _("Email")), ("call", _("Phone call"))])
    reference = forms.CharField(label=_("Evidence reference"), max_length=300)


class WithdrawForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=4000, required=False)


class RecheckForm(StyledForm):
    note = forms.CharField(label=_("What the customer asks to re-check"), max_length=4000, widget=_TEXTAREA)


class MergeForm(StyledForm):
    """Merge this complaint, as a repeat, into one of the offered candidates (same complainant, open, 90 days)."""

    primary = forms.TypedChoiceField(label=_("Primary complaint"), coerce=int, choices=[])
    reason = forms.CharField(label=_("Reason for the merge"), max_length=2000, widget=_TEXTAREA)

    def __init__(self, *args: Any, candidates: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["primary"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(c.pk, f"{c.tracking_number} · {c.get_status_display()} · {c.subject}") for c in candidates]


class RootCauseForm(StyledForm):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=Complaint.RootCause.choices)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False)


class RemediationForm(StyledForm):
    title = forms.CharField(label=_("Corrective action"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=4000, required=False, widget=_TEXTAREA)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class CompensationForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=0.01, max_digits=14, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_TEXTAREA)


class PaymentForm(StyledForm):
    evidence = forms.CharField(label=_("Payment evidence"), max_length=300)


class CategoryForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    sla_hours = forms.IntegerField(label=_("Internal SLA (hours)"), min_value=1, max_value=24 * 60, initial=48)
    sla_basis = forms.ChoiceField(label=_("SLA counted in"), choices=SlaBasis.choices, initial=SlaBasis.NATURAL,
                                  help_text=_("Business hours count only the working hours of working days on the "
                                              "business calendar (holidays and make-up working days)."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class ClassifyForm(StyledForm):
    category = forms.ModelChoiceField(label=_("Category"), queryset=ComplaintCategory.objects.filter(is_active=True))
    product_line = forms.ChoiceField(label=_("Product line"), choices=ProductLine.choices)


class RouteForm(StyledForm):
    org_unit = forms.ModelChoiceField(label=_("Handling org unit"), queryset=OrgUnit.objects.none())
    rule = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(is_active=True).order_by("path")  # type: ignore[attr-defined]


class RoutingRuleForm(StyledForm):
    product_line = forms.ChoiceField(label=_("Product line"), required=False,
                                     choices=[("", _("any"))] + list(ProductLine.choices))
    category = forms.ModelChoiceField(label=_("Category"), required=False, empty_label=_("any"),
                                      queryset=ComplaintCategory.objects.filter(is_active=True))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("any"))] + list(Channel.choices))
    business_line = forms.ModelChoiceField(label=_("Business line"), required=False, empty_label=_("any"),
                                           queryset=BusinessLine.objects.all())
    target = forms.ModelChoiceField(label=_("Handling org unit"), queryset=OrgUnit.objects.filter(is_active=True))
    priority = forms.IntegerField(label=_("Priority"), min_value=0, max_value=10_000, initial=100,
                                  help_text=_("Among equally specific rules, the lower number wins."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "route": RouteForm,
    "classify": ClassifyForm,
    "assign": AssignForm, "note": NoteForm, "pause": PauseForm, "resume": ResumeForm, "extend": ExtendForm,
    "decide": DecideForm, "notify": NotifyForm, "withdraw": WithdrawForm, "recheck": RecheckForm,
    "merge": MergeForm,
    "root-cause": RootCauseForm, "remediate": RemediationForm, "compensate": CompensationForm,
}


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"),
                           help_text=_("Columns: external_id, received_at, org_unit (code), product_line, category, "
                                       "channel, subject, text, complainant_name, complainant_phone, "
                                       "complainant_id_number, group_size, cause, severity. Chinese headers work too."))

    def clean_file(self) -> Any:
        from django.conf import settings

        upload = self.cleaned_data["file"]
        if upload.size > settings.FINASSURE_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an Excel (.xlsx) or CSV (.csv) file."))
        return upload


class FaqForm(StyledForm):
    product_line = forms.ChoiceField(label=_("Product line"), choices=ProductLine.choices)
    question = forms.CharField(label=_("Question"), max_length=300)
    answer = forms.CharField(label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    question_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    answer_en = forms.CharField(label=_("Answer (English)"), max_length=5000, required=False, widget=_TEXTAREA)
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)


class AttachForm(StyledForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field()
        self.fields["attachments"].required = True
