"""Fixtures of governance tests: a quality manager (author), a risk manager (approver), an auditor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from finassure.accounts.roles import Role


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Assertions read the English messages: pages answer in English (no Accept-Language), services too."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def author(make_user: Any) -> Any:
    return make_user(Role.QUALITY_MANAGER, username="author", display_name="陈质量")


@pytest.fixture
def approver(make_user: Any) -> Any:
    return make_user(Role.RISK_MANAGER, username="approver", display_name="刘风控")


@pytest.fixture
def auditor(make_user: Any) -> Any:
    return make_user(Role.INTERNAL_AUDITOR, username="auditor", display_name="孙明审")


