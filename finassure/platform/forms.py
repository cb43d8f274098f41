"""Form helpers: Tabler/Bootstrap classes on every widget, so templates stay free of per-field markup."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from finassure.platform.ids import parse_id


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, but an id beyond the database's integers is "not a valid value", not a 500.

    Django checks each value by building (not running) a query, then runs one ``pk__in`` query with them all;
    on SQLite a value of 2**63 or more cannot be bound and raised OverflowError from that query.
    """

    def _check_values(self, value: Any) -> Any:
        if self.to_field_name is None and isinstance(value, (list, tuple)):
            for pk in value:
                text = str(pk).strip()
                if text.isdigit() and parse_id(text) is None:
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                          params={"pk": pk})
        return super()._check_values(value)  # type: ignore[misc]  # not in django-stubs
