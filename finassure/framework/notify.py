"""In-app notifications, also mailed (Django's email backend; the console in the demo)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.functional import Promise

from finassure.framework.models import Notification
from finassure.platform.language import in_language, user_language

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
    text = in_language(title, user_language(recipient))[:300]
    titles = {code: in_language(title, code)[:300] for code, _name in settings.LANGUAGES}
    note = Notification.objects.create(recipient=recipient, kind=kind, title=text, titles=titles, url=url[:300])
    if recipient.email:
        transaction.on_commit(lambda: _mail(recipient.email, text, url))
    return note


def _mail(address: str, title: str, url: str) -> None:
    try:
        send_mail(subject=f"[finassure] {title}"[:200], message=f"{title}\n\n{url}",
                  from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[address])
    except OSError:  # the in-app notification stands even when the mail server is down
        log.warning("notification mail could not be sent")
