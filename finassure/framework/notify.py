"""In-app notifications, also mailed (Django's email backend; the console in the demo), and every e-mail finassure
sends: one place that writes the link and hands the mail over once the transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from finassure.framework.models import Notification
from finassure.platform.language import in_language, lazy_text, user_language

log = logging.getLogger(__name__)


def send(*, recipient: Any, kind: str, title: str | Promise, url: str = "") -> Notification | None:
    """Record a notification for `recipient` and mail it once the transaction commits.

    A lazy ``title`` (``gettext_lazy``, or ``platform.language.lazy_text`` with parameters) is written in the
    recipient's language (``User.language``, else the institution's), whoever caused it: an English-speaking
    manager's action reaches a Chinese-speaking owner in Chinese. Plain text is kept as it is.
    It is also written out in every offered language (``Notification.titles``), so the list shows it in the
    language the reader has when reading: someone who changes language reads the old ones in the new one.
    """
    if recipient is None or not recipient.is_active:
        return None
    language = user_language(recipient)
    text = in_language(title, language)[:300]
    titles = {code: in_language(title, code)[:300] for code, _name in settings.LANGUAGES}
    note = Notification.objects.create(recipient=recipient, kind=kind, title=text, titles=titles, url=url[:300])
    if recipient.email:
        mail_on_commit(addresses=[recipient.email], subject=text, body=text, url=url, language=language)
    return note


def absolute_url(path: str) -> str:
    """``path`` (``/service/complaints/7/``) as a link a mail reader can open: ``FINASSURE_BASE_URL`` + path;
    the path as it is while no base address is configured."""
    base = settings.FINASSURE_BASE_URL
    return f"{base}{path}" if base and path.startswith("/") else path


def mail_on_commit(*, addresses: Iterable[str], subject: str, body: str, url: str = "", language: str) -> None:
    """Mail ``subject`` and ``body`` (already in ``language``) to ``addresses`` once the transaction commits, with
    a link to ``url`` in the same language. A mail server that is down or refuses costs the mail, never the
    change that caused it (the in-app notification, where there is one, stands)."""
    to = [a for a in addresses if a]
    if not to:
        return
    text = body
    if url:
        text += "\n\n" + in_language(lazy_text(gettext_lazy("Open in finassure: %(link)s"),
                                               {"link": absolute_url(url)}), language)
    subject_line = f"[finassure] {subject}"[:200]
    transaction.on_commit(lambda: _mail(to, subject_line, text))


def _mail(addresses: list[str], subject: str, text: str) -> None:
    try:
        send_mail(subject=subject, message=text, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=addresses)
    except OSError as exc:  # smtplib's errors are OSErrors; the addresses are personal data and stay out of the log
        log.warning("mail could not be sent: %s", type(exc).__name__)
