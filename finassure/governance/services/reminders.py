"""The daily reminders of governance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from finassure.governance.models import (
    Attestation,
    Policy,
    Product,
)
from finassure.governance.services._common import Status
from finassure.platform.language import lazy_text

REMINDER_DAYS = 30


@transaction.atomic
def reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: policies due for review (to the author of the version in force), attestations unread for a
    week (to the member of staff) and post-launch reviews of products due within 30 days (to the proposer and the
    approver); each recipient is reminded of one thing at most once a day."""
    from finassure.framework import notify
    from finassure.framework.models import Notification

    today = today or timezone.localdate()
    start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    counts = {"policy_review": 0, "attestation": 0, "post_launch_review": 0}

    def once(recipient: Any, kind: str, title: str | Promise, url: str) -> bool:
        if Notification.objects.filter(recipient=recipient, url=url, created_at__gte=start_of_day).exists():
            return False
        return notify.send(recipient=recipient, kind=kind, title=title, url=url) is not None

    due = (Policy.objects.filter(effective_version__isnull=False, is_retired=False,
                                 review_due__lte=today + dt.timedelta(days=REMINDER_DAYS))
           .select_related("effective_version__author"))
    for policy in due:
        assert policy.effective_version is not None
        overdue = policy.review_due is not None and policy.review_due < today
        title = lazy_text(gettext_lazy("Policy review overdue: %(policy)s (due %(due)s)") if overdue
                          else gettext_lazy("Policy review due: %(policy)s (due %(due)s)"),
                          {"policy": policy, "due": policy.review_due})
        kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.DUE_SOON
        counts["policy_review"] += once(policy.effective_version.author, kind, title, policy.get_absolute_url())
    week_ago = timezone.now() - dt.timedelta(days=7)
    pending = (Attestation.objects.filter(confirmed_at__isnull=True, created_at__lt=week_ago,
                                          version__status=Status.EFFECTIVE)
               .select_related("user", "version__policy"))
    for attestation in pending:
        url = reverse("governance:attestation_read", args=[attestation.pk])
        title = lazy_text(gettext_lazy("Please read and confirm: %(policy)s"), {"policy": attestation.version.policy})
        counts["attestation"] += once(attestation.user, Notification.Kind.DUE_SOON, title, url)
    products = (Product.objects.filter(status__in=[Product.Status.APPROVED, Product.Status.LAUNCHED],
                                       post_launch_reviewed_on__isnull=True,
                                       post_launch_review_due__lte=today + dt.timedelta(days=REMINDER_DAYS))
                .select_related("proposer", "approver"))
    for product in products:
        assert product.post_launch_review_due is not None
        overdue = product.post_launch_review_due < today
        title = lazy_text(gettext_lazy("Post-launch review overdue: %(product)s (due %(due)s)") if overdue
                          else gettext_lazy("Post-launch review due: %(product)s (due %(due)s)"),
                          {"product": product, "due": product.post_launch_review_due})
        kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.DUE_SOON
        for recipient in {product.proposer, product.approver} - {None}:
            counts["post_launch_review"] += once(recipient, kind, title, product.get_absolute_url())
    return counts
