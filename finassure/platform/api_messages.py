"""The REST API's messages in the caller's language (``Accept-Language``, a signed-in user's saved choice).

Pydantic writes its validation messages in English only; :func:`field_message` writes the common ones out of
the project's catalogue from the error's type and context, so an integrator reading Chinese gets
「至多 200 个字符」 where pydantic says "String should have at most 200 characters". A type not listed keeps
pydantic's own (English) text, and so does the detail pydantic adds to a parse error (its ``{error}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext, ngettext_lazy

# each: the error's context → the message, written when called (the request's language is active then)
_Writer = Callable[[Mapping[str, Any]], str]


def _count(message: Any) -> _Writer:
    """``ngettext_lazy(singular, plural, "key")``: singular or plural by the context's ``key``."""
    return lambda ctx: str(message % dict(ctx))


def _one_of(ctx: Mapping[str, Any]) -> str:
    # pydantic joins the choices in English ("'a', 'b' or 'c'"): listed again without the "or"
    choices = ", ".join(part for part in re.split(r", | or ", str(ctx.get("expected", ""))) if part)
    return gettext("Must be one of: %(choices)s") % {"choices": choices}


def _value_error(ctx: Mapping[str, Any]) -> str:
    # a validator's own message (written with gettext where the project raises it), without pydantic's prefix
    return str(ctx.get("error", "")) or gettext("Invalid value")


_WRITERS: dict[str, _Writer] = {
    "missing": lambda ctx: gettext("This field is required"),
    "extra_forbidden": lambda ctx: gettext("This field is not accepted here"),
    "json_invalid": lambda ctx: gettext("The request body is not valid JSON"),
    "string_type": lambda ctx: gettext("Must be text"),
    "string_too_short": _count(ngettext_lazy(
        "Must have at least %(min_length)s character",
        "Must have at least %(min_length)s characters", "min_length")),
    "string_too_long": _count(ngettext_lazy(
        "Must have at most %(max_length)s character",
        "Must have at most %(max_length)s characters", "max_length")),
    "string_pattern_mismatch": lambda ctx: gettext("Does not have the expected form"),
    "too_short": _count(ngettext_lazy(
        "Must have at least %(min_length)s item",
        "Must have at least %(min_length)s items", "min_length")),
    "too_long": _count(ngettext_lazy(
        "Must have at most %(max_length)s item",
        "Must have at most %(max_length)s items", "max_length")),
    "int_type": lambda ctx: gettext("Must be a whole number"),
    "int_parsing": lambda ctx: gettext("Must be a whole number"),
    "int_from_float": lambda ctx: gettext("Must be a whole number"),
    "int_parsing_size": lambda ctx: gettext("The number is too large"),
    "float_type": lambda ctx: gettext("Must be a number"),
    "float_parsing": lambda ctx: gettext("Must be a number"),
    "finite_number": lambda ctx: gettext("Must be a finite number"),
    "decimal_type": lambda ctx: gettext("Must be a number"),
    "decimal_parsing": lambda ctx: gettext("Must be a number"),
    "decimal_max_digits": _count(ngettext_lazy(
        "Must have at most %(max_digits)s digit",
        "Must have at most %(max_digits)s digits", "max_digits")),
    "decimal_max_places": _count(ngettext_lazy(
        "Must have at most %(decimal_places)s decimal place",
        "Must have at most %(decimal_places)s decimal places", "decimal_places")),
    "decimal_whole_digits": _count(ngettext_lazy(
        "Must have at most %(whole_digits)s digit before the decimal point",
        "Must have at most %(whole_digits)s digits before the decimal point", "whole_digits")),
    "greater_than": lambda ctx: gettext("Must be greater than %(gt)s") % ctx,
    "greater_than_equal": lambda ctx: gettext("Must be at least %(ge)s") % ctx,
    "less_than": lambda ctx: gettext("Must be less than %(lt)s") % ctx,
    "less_than_equal": lambda ctx: gettext("Must be at most %(le)s") % ctx,
    "multiple_of": lambda ctx: gettext("Must be a multiple of %(multiple_of)s") % ctx,
    "bool_type": lambda ctx: gettext("Must be true or false"),
    "bool_parsing": lambda ctx: gettext("Must be true or false"),
    "enum": _one_of,
    "literal_error": _one_of,
    "list_type": lambda ctx: gettext("Must be a list"),
    "dict_type": lambda ctx: gettext("Must be an object"),
    "model_type": lambda ctx: gettext("Must be an object"),
    "model_attributes_type": lambda ctx: gettext("Must be an object"),
    "date_type": lambda ctx: gettext("Must be a date (YYYY-MM-DD)"),
    "date_parsing": lambda ctx: gettext("Must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": lambda ctx: gettext("Must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": lambda ctx: gettext("Must be a date (YYYY-MM-DD)"),
    "datetime_type": lambda ctx: gettext("Must be a date and time (ISO 8601)"),
    "datetime_parsing": lambda ctx: gettext("Must be a date and time (ISO 8601)"),
    "datetime_from_date_parsing": lambda ctx: gettext("Must be a date and time (ISO 8601)"),
    "time_parsing": lambda ctx: gettext("Must be a time (HH:MM)"),
    "timezone_aware": lambda ctx: gettext("Must include a time zone"),
    "uuid_parsing": lambda ctx: gettext("Must be a UUID"),
    "url_parsing": lambda ctx: gettext("Must be a URL"),
    "url_type": lambda ctx: gettext("Must be a URL"),
    "value_error": _value_error,
}


def field_message(error: Mapping[str, Any]) -> str:
    """One pydantic error (``{"type", "msg", "ctx"?}``) as a message in the active language."""
    writer = _WRITERS.get(str(error.get("type", "")))
    if writer is None:
        return str(error.get("msg", "")) or gettext("Invalid value")
    try:
        return writer(dict(error.get("ctx") or {}))
    except (KeyError, TypeError, ValueError):  # a context pydantic shaped differently: its own text stands
        return str(error.get("msg", "")) or gettext("Invalid value")
