"""Where the transaction store and run folders are, the monitoring unit, and the refusals the services raise."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from finassure.accounts.models import Institution, OrgUnit
from finassure.platform.errors import ValidationFailed

log = logging.getLogger(__name__)


REQUIRED_ALERT_FIELDS = frozenset({"alert_id", "rule_id", "customer_id", "account_id", "score", "severity"})


OUTPUT_FILES = ("manifest.json", "alerts.jsonl", "alerts.parquet")


_CHUNK = 5000


class RunOutputRefused(ValidationFailed):
    """A run's output that is corrupt, partial or does not match its manifest: nothing of it is imported."""

    code = "run_output_refused"


class TransactionRefused(ValidationFailed):
    """A transaction the real-time scorer cannot score (an unknown currency, say): 422 in the one error shape."""

    status = 422


def transaction_store() -> Path:
    """The institution's Parquet transaction store (setting FINASSURE_TRANSACTION_STORE, default VAR_DIR/transactions)."""
    configured = getattr(settings, "FINASSURE_TRANSACTION_STORE", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "transactions"


def runs_root() -> Path:
    configured = getattr(settings, "FINASSURE_MONITORING_RUNS_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "monitoring" / "runs"


def monitoring_unit() -> OrgUnit | None:
    """The unit scheduled runs belong to: the head office of the institution (setting or the first one)."""
    code = getattr(settings, "FINASSURE_MONITORING_INSTITUTION", None)
    institutions = Institution.objects.order_by("id")
    institution = institutions.filter(code=code).first() if code else institutions.first()
    if institution is None:
        return None
    return institution.org_units.filter(parent__isnull=True).first()
