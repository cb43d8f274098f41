"""In-app notifications, also mailed (Django's email backend; the console in the demo)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from finassure.framework.models import Notification

log = logging.getLogger(__name__)


def send(*, recipient: Any, kind: str, title: str, url: str = "") -> Notification | None:
    """Record a notification for `recipient` and mail it once the transaction commits."""
    if recipient is None or not recipient.is_active:
        return None
    note = Notification.objects.create(recipient=recipient, kind=kind, title=title[:300], url=url[:300])
    if recipient.email:
        transaction.on_commit(lambda: _mail(recipient.email, title, url))
    return note


def _mail(address: str, title: str, url: str) -> None:
    try:
        send_mail(subject=f"[finassure] {title}"[:200], message=f"{title}\n\n{url}",
                  from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[address])
    except OSError:  # the in-app notification stands even when the mail server is down
        log.warning("notification mail could not be sent")
