"""The engine's own messages in English (the source language) and zh-hans, with GNU gettext and no Django.

The catalogue is the ``engine`` domain under ``finassure/engine/locale`` (``scripts/i18n-update`` refreshes
and compiles it; the compiled ``.mo`` is committed). The language is, in this order: the one set by
:func:`override` (the CLI's ``--lang``, or the platform around a call, for the request's language), then
``FINASSURE_LANG``, then the POSIX variables ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; English
when none names a language the engine speaks.

Messages are written ``_("… {name} …").format(name=…)`` so that ``xgettext`` finds them (an f-string
cannot be extracted).
"""

from __future__ import annotations

import argparse
import contextvars
import gettext as _gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

DOMAIN = "engine"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh-hans")
_CATALOGUE = {"zh-hans": "zh_Hans"}  # language code → gettext folder name
ENV_VARS = ("FINASSURE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_active: contextvars.ContextVar[str | None] = contextvars.ContextVar("finassure_engine_language", default=None)


def normalize(value: str | None) -> str | None:
    """The engine's language code for a locale or language name (``zh_CN.UTF-8``, ``zh-Hans``, ``en_GB``…).

    Any Chinese locale reads the simplified catalogue (the only Chinese one); ``C`` and ``POSIX`` are English;
    ``None`` for a language the engine does not speak.
    """
    if not value:
        return None
    code = value.split(".")[0].split("@")[0].replace("_", "-").lower()
    if code in ("c", "posix") or code == "en" or code.startswith("en-"):
        return "en"
    if code == "zh" or code.startswith("zh-"):
        return "zh-hans"
    return None


def default_language() -> str:
    """The language the environment asks for (see the module's docstring); English if none is spoken here."""
    for var in ENV_VARS:
        value = os.environ.get(var, "")
        # LANGUAGE may list several, in order of preference ("zh_CN:en")
        for item in value.split(":") if var == "LANGUAGE" else [value]:
            lang = normalize(item)
            if lang:
                return lang
    return "en"


def language() -> str:
    """The language messages are given in now."""
    return _active.get() or default_language()


@cache
def _translation(lang: str) -> _gettext.NullTranslations:
    folder = _CATALOGUE.get(lang)
    if folder is None:  # English is the source: the messages as written
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder])


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return _translation(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language."""
    return _translation(language()).ngettext(singular, plural, n)


_ = gettext


@contextmanager
def override(lang: str | None) -> Iterator[str]:
    """Give messages in ``lang`` (any form :func:`normalize` reads) inside the block; ``None``: the default.

    Raises ``ValueError`` for a language the engine does not speak. Context-local: threads and asyncio tasks
    of a server keep their own.
    """
    code = None if lang is None else normalize(lang)
    if lang is not None and code is None:
        raise ValueError(f"language {lang!r}: the engine speaks {', '.join(LANGUAGES)}")
    token = _active.set(code)
    try:
        yield language()
    finally:
        _active.reset(token)


@contextmanager
def argparse_messages() -> Iterator[None]:
    """Let argparse's own words ("usage:", "the following arguments are required" …) follow :func:`language`.

    argparse looks its messages up through the module-level names ``_`` and ``ngettext`` (taken from the
    stdlib ``gettext``, whose catalogue Python does not ship in Chinese). The engine's catalogue holds those
    messages too; inside this block argparse reads it. Restored on exit, so other parsers in the process
    are untouched.
    """
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]
