"""Forms of governance: validation only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from finassure.accounts.models import BusinessLine, OrgUnit, User
from finassure.framework.models import Indicator
from finassure.governance.models import (
    PRODUCT_CHECKLISTS,
    Control,
    ControlTest,
    Finding,
    Policy,
    PolicyReview,
    Position,
    Process,
    Product,
    ProductReview,
    Risk,
)
from finassure.platform.forms import ModelMultipleChoiceField, StyledForm
from finassure.service.models import ProductLine

DATE = forms.DateInput(attrs={"type": "date"})


class ProcessForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    business_line = forms.ModelChoiceField(BusinessLine.objects.none(), label=_("Business line"))
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], lines: QuerySet[BusinessLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["business_line"].queryset = lines  # type: ignore[attr-defined]


class SeedProcessesForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    business_line = forms.ModelChoiceField(BusinessLine.objects.none(), label=_("Business line"))

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], lines: QuerySet[BusinessLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["business_line"].queryset = lines  # type: ignore[attr-defined]


class PolicyForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Owner unit"))
    code = forms.CharField(label=_("Document number"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Type"), choices=Policy.Kind.choices)
    processes = ModelMultipleChoiceField(Process.objects.none(), label=_("Processes covered"), required=False)
    positions = ModelMultipleChoiceField(Position.objects.none(), label=_("Positions covered"),
                                               required=False)
    review_due = forms.DateField(label=_("Next review"), required=False, widget=DATE)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], processes: QuerySet[Process],
                 positions: QuerySet[Position], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["processes"].queryset = processes  # type: ignore[attr-defined]
        self.fields["positions"].queryset = positions  # type: ignore[attr-defined]
        if editing:
            for name in ("org_unit", "code", "body"):
                del self.fields[name]


class VersionForm(StyledForm):
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 16}))
    change_summary = forms.CharField(label=_("Summary of changes"), max_length=500)


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Send back"))])
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PublishForm(StyledForm):
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)


class RetireForm(StyledForm):
    on = forms.DateField(label=_("Retired on"), widget=DATE)


class PositionForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    duties = forms.CharField(label=_("Duties"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    permissions_needed = forms.CharField(label=_("Permissions needed"), widget=forms.Textarea(attrs={"rows": 2}),
                                         required=False)
    holders = ModelMultipleChoiceField(User.objects.none(), label=_("Holders"), required=False)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["holders"].queryset = users  # type: ignore[attr-defined]


class IncompatibleDutyForm(StyledForm):
    first = forms.ModelChoiceField(Position.objects.none(), label=_("Position"))
    second = forms.ModelChoiceField(Position.objects.none(), label=_("Incompatible position"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, positions: QuerySet[Position], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first"].queryset = positions  # type: ignore[attr-defined]
        self.fields["second"].queryset = positions  # type: ignore[attr-defined]


class ArticleMapForm(StyledForm):
    policy = forms.ModelChoiceField(Policy.objects.none(), label=_("Policy"))

    def __init__(self, *args: Any, policies: QuerySet[Policy], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = policies  # type: ignore[attr-defined]


class AuditPlanForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.IntegerField(label=_("Quarter"), min_value=1, max_value=4)
    title = forms.CharField(label=_("Title"), max_length=300)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]


class EngagementForm(StyledForm):
    plan = forms.ModelChoiceField(Process.objects.none(), label=_("Audit plan"))
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Audited unit"))
    title = forms.CharField(label=_("Title"), max_length=300)
    lead = forms.ModelChoiceField(User.objects.none(), label=_("Lead auditor"))
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    processes = ModelMultipleChoiceField(Process.objects.none(), label=_("Processes in scope"), required=False)

    def __init__(self, *args: Any, plans: QuerySet[Any], units: QuerySet[OrgUnit], leads: QuerySet[User],
                 processes: QuerySet[Process], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans  # type: ignore[attr-defined]
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["lead"].queryset = leads  # type: ignore[attr-defined]
        self.fields["processes"].queryset = processes  # type: ignore[attr-defined]


class ReportForm(StyledForm):
    reported_on = forms.DateField(label=_("Report issued on"), widget=DATE)
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 4}))


class FindingForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    criteria = forms.CharField(label=_("Criteria"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    condition = forms.CharField(label=_("Condition"), widget=forms.Textarea(attrs={"rows": 2}))
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    effect = forms.CharField(label=_("Effect"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    recommendation = forms.CharField(label=_("Recommendation"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(User.objects.none(), label=_("Owner"))
    due = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class PolicyReviewForm(StyledForm):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=PolicyReview.Outcome.choices)
    next_review = forms.DateField(label=_("Next review"), widget=DATE)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


SCALE = [(n, str(n)) for n in range(1, 6)]


class RiskForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    title = forms.CharField(label=_("Title"), max_length=300)
    category = forms.ChoiceField(label=_("Category"), choices=Risk.Category.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    inherent_likelihood = forms.TypedChoiceField(label=_("Inherent likelihood"), choices=SCALE, coerce=int)
    inherent_impact = forms.TypedChoiceField(label=_("Inherent impact"), choices=SCALE, coerce=int)
    residual_likelihood = forms.TypedChoiceField(label=_("Residual likelihood"), choices=SCALE, coerce=int)
    residual_impact = forms.TypedChoiceField(label=_("Residual impact"), choices=SCALE, coerce=int)
    treatment = forms.ChoiceField(label=_("Treatment"), choices=Risk.Treatment.choices)
    owner = forms.ModelChoiceField(User.objects.none(), label=_("Risk owner"))
    controls = ModelMultipleChoiceField(Control.objects.none(), label=_("Controls"), required=False)
    policies = ModelMultipleChoiceField(Policy.objects.none(), label=_("Policies"), required=False)
    review_due = forms.DateField(label=_("Next review"), required=False, widget=DATE)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], owners: QuerySet[User], controls: QuerySet[Control],
                 policies: QuerySet[Policy], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["controls"].queryset = controls  # type: ignore[attr-defined]
        self.fields["policies"].queryset = policies  # type: ignore[attr-defined]
        if editing:
            del self.fields["org_unit"]


class ControlForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = forms.ModelChoiceField(User.objects.none(), label=_("Owner"))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Control.Frequency.choices)
    processes = ModelMultipleChoiceField(Process.objects.none(), label=_("Processes"), required=False)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], owners: QuerySet[User], processes: QuerySet[Process],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["processes"].queryset = processes  # type: ignore[attr-defined]


class KriForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=300)
    unit = forms.CharField(label=_("Unit of measure"), max_length=40, required=False)
    higher_is_worse = forms.BooleanField(label=_("Higher is worse"), required=False, initial=True)
    warning = forms.DecimalField(label=_("Warning threshold"), max_digits=14, decimal_places=4)
    limit = forms.DecimalField(label=_("Limit"), max_digits=14, decimal_places=4)


class KriValueForm(StyledForm):
    measured_on = forms.DateField(label=_("Measured on"), widget=DATE)
    value = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=4)


class KriLinkForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=60, required=False,
                           help_text=_("Names the indicator in an Excel import of values."))
    indicator = forms.ModelChoiceField(Indicator.objects.none(), label=_("Framework indicator"), required=False,
                                       help_text=_("Leave empty to record values by hand or by import."))

    def __init__(self, *args: Any, indicators: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]


class RiskAcceptForm(StyledForm):
    note = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel file (.xlsx)"), help_text=_("Export the list, edit it, import it back."))


class ControlTestForm(StyledForm):
    tested_on = forms.DateField(label=_("Tested on"), widget=DATE)
    result = forms.ChoiceField(label=_("Result"), choices=ControlTest.Result.choices)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}))


class ProductForm(StyledForm):
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label=_("Org unit"))
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Type"), choices=Product.Kind.choices)
    product_line = forms.ChoiceField(label=_("Product line"), choices=ProductLine.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    processes = ModelMultipleChoiceField(Process.objects.none(), label=_("Processes"), required=False)
    policies = ModelMultipleChoiceField(Policy.objects.none(), label=_("Policies"), required=False)
    risks = ModelMultipleChoiceField(Risk.objects.none(), label=_("Risks"), required=False)

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], processes: QuerySet[Process],
                 policies: QuerySet[Policy], risks: QuerySet[Risk], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["processes"].queryset = processes  # type: ignore[attr-defined]
        self.fields["policies"].queryset = policies  # type: ignore[attr-defined]
        self.fields["risks"].queryset = risks  # type: ignore[attr-defined]
        if editing:
            del self.fields["org_unit"], self.fields["code"]


SATISFACTORY = [("yes", _("Satisfactory")), ("no", _("Not satisfactory"))]


class ProductReviewForm(StyledForm):
    """The checklist of one kind of pre-launch review (one field per item), the result and a comment."""

    result = forms.ChoiceField(label=_("Result"), choices=ProductReview.Result.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        items = {f"item_{key}": forms.ChoiceField(label=label, choices=SATISFACTORY, widget=forms.RadioSelect)
                 for key, label in PRODUCT_CHECKLISTS[kind]}
        self.fields = {**items, **self.fields}  # type: ignore[assignment]
        for name in items:
            self.fields[name].widget.attrs.pop("class", None)

    def checklist(self) -> dict[str, bool]:
        return {key: self.cleaned_data[f"item_{key}"] == "yes" for key, _label in PRODUCT_CHECKLISTS[self.kind]}


CONDITION_ROWS = 3


class ProductDecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    post_launch_review_due = forms.DateField(label=_("Post-launch review due"), required=False, widget=DATE)

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, CONDITION_ROWS + 1):
            self.fields[f"condition_{n}"] = forms.CharField(label=_("Condition %(n)s") % {"n": n}, max_length=300,
                                                            required=False)
            self.fields[f"condition_{n}_owner"] = forms.ModelChoiceField(owners, label=_("Owner"), required=False)
            self.fields[f"condition_{n}_due"] = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, CONDITION_ROWS + 1):
            given = [data.get(f"condition_{n}"), data.get(f"condition_{n}_owner"), data.get(f"condition_{n}_due")]
            if any(given) and not all(given):
                self.add_error(f"condition_{n}", _("A condition needs a text, an owner and a due date."))
        return data

    def conditions(self) -> list[tuple[str, Any, Any]]:
        return [(self.cleaned_data[f"condition_{n}"], self.cleaned_data[f"condition_{n}_owner"],
                 self.cleaned_data[f"condition_{n}_due"]) for n in range(1, CONDITION_ROWS + 1)
                if self.cleaned_data.get(f"condition_{n}")]


class ProductLaunchForm(StyledForm):
    launched_on = forms.DateField(label=_("Launched on"), widget=DATE)


class PostLaunchReviewForm(StyledForm):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    note = forms.CharField(label=_("Conclusions"), widget=forms.Textarea(attrs={"rows": 3}))
