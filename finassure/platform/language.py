"""Which language text is written in: the institution's for what is stored, the reader's for what is sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise, lazy


@contextmanager
def institution_language() -> Iterator[str]:
    """The institution's language (``LANGUAGE_CODE``) inside the block, whatever the operator's.

    For the work a command does, not for what it tells the operator: text that services store (the titles of
    corrective actions, the demo's records) is written in the institution's language, the same as the
    background work's. What is sent to a person (``notify.send``) is written in theirs, :func:`user_language`.
    """
    from finassure.engine import i18n

    with translation.override(settings.LANGUAGE_CODE), i18n.override(settings.LANGUAGE_CODE):
        yield settings.LANGUAGE_CODE


def _interpolate(template: str | Promise, params: Mapping[str, Any]) -> str:
    return str(template) % dict(params) if params else str(template)  # no parameters: a "%" stays as it is


#: ``lazy_text(gettext_lazy("Due %(due)s: %(title)s"), {"due": ..., "title": ...})`` is a message translated and
#: filled in only when it is turned into text, in the language active then (a parameter that is itself lazy,
#: a choice label or a model whose ``__str__`` follows the language, follows it too). ``notify.send`` renders
#: it in the recipient's language.
lazy_text = lazy(_interpolate, str)


def user_language(user: Any) -> str:
    """The language a person reads: their saved choice, else the institution's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def in_language(text: str | Promise, language: str) -> str:
    """``text`` (a lazy message, or plain text as it is) written out in ``language``."""
    with translation.override(language):
        return str(text)


def institution_text(text: str | Promise) -> str:
    """``text`` written out in the institution's language: for what is stored on a record everyone reads."""
    return in_language(text, settings.LANGUAGE_CODE)


def record_text(template: str | Promise, params: Mapping[str, Any] | None = None) -> str:
    """A text a service writes onto a record everyone reads (an action's title, a timeline note), filled in
    and written out in the institution's language, whoever's request made it; ``template`` is lazy."""
    return institution_text(lazy_text(template, params or {}))
