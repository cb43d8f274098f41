"""The institution's language for text that is stored or sent, whoever or whatever caused it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


@contextmanager
def institution_language() -> Iterator[str]:
    """The institution's language (``LANGUAGE_CODE``) inside the block, whatever the operator's.

    For the work a command does, not for what it tells the operator: text that services store or send (the
    titles of corrective actions, notifications, e-mails, the demo's records) is written in the language it
    was written in before commands spoke the operator's, the same as the background work's.
    """
    from finassure.engine import i18n

    with translation.override(settings.LANGUAGE_CODE), i18n.override(settings.LANGUAGE_CODE):
        yield settings.LANGUAGE_CODE
