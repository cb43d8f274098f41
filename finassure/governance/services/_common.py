"""What the service modules of governance share."""

from __future__ import annotations

from finassure.governance.models import (
    PolicyVersion,
)
from finassure.platform.errors import ValidationFailed


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


Status = PolicyVersion.Status
