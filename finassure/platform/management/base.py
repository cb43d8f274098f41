"""The base of finassure's own management commands: they speak the operator's language, as `finassure engine` does.

The language is ``FINASSURE_LANG``, else the locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else
English (:func:`finassure.engine.i18n.default_language`), not ``LANGUAGE_CODE``: an operator on a server whose
locale is English reads English, one on a Chinese desktop reads Chinese. It covers the command's help, its
output and its errors (the services' messages included), and argparse's own words ("usage:", "the following
arguments are required"), which Python ships only in English. What a command's work stores or sends (titles,
notifications, e-mails) stays in the institution's language:
:func:`finassure.platform.language.institution_language`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext_noop

#: Django's help for the options every command has (Django does not translate them): shown translated
DJANGO_OPTION_HELP = frozenset({
    gettext_noop("Show program's version number and exit."),
    gettext_noop("Verbosity level; 0=minimal output, 1=normal output, 2=verbose output, 3=very verbose output"),
    gettext_noop('The Python path to a settings module, e.g. "myproject.settings.main". If this isn\'t provided, '
                 "the DJANGO_SETTINGS_MODULE environment variable will be used."),
    gettext_noop('A directory to add to the Python path, e.g. "/home/djangoprojects/myproject".'),
    gettext_noop("Display a full stack trace on CommandError exceptions."),
    gettext_noop("Don't colorize the command output."),
    gettext_noop("Force colorization of the command output."),
    gettext_noop("Skip system checks."),
})


@contextmanager
def operator_language() -> Iterator[str]:
    """Django's and the engine's messages, and argparse's, in the operator's language inside the block."""
    from finassure.engine import i18n

    lang = i18n.default_language()
    with translation.override(lang), i18n.override(lang), i18n.argparse_messages():
        yield lang


class LocalizedCommand(BaseCommand):
    """A management command whose help, output and errors follow :func:`operator_language`.

    Its ``help`` is the English text marked with ``gettext_noop`` (a class attribute is set before any
    language is chosen, and argparse needs a real string); the parser shows it translated.
    """

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.help:
            parser.description = translation.gettext(self.help)
        for action in parser._actions:  # argparse keeps no public list of them
            if action.help in DJANGO_OPTION_HELP:
                action.help = translation.gettext(action.help)
        return parser

    def run_from_argv(self, argv: list[str]) -> None:
        # the parser (help, usage, argument errors) is built here, before execute()
        with operator_language():
            super().run_from_argv(argv)

    def execute(self, *args: Any, **options: Any) -> Any:
        # call_command() comes in here without run_from_argv()
        with operator_language():
            return super().execute(*args, **options)
