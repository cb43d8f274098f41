"""Settings helpers: read configuration from the environment only, and fail loudly on bad values."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_secret(name: str, *, required: bool) -> str | None:
    """Read NAME from the environment, or from the file named by NAME_FILE.

    In production a missing or unreadable secret stops start-up, naming the variable and the file.
    """
    value = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE")
    if not value and file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name} cannot be read: {exc.strerror}") from None
        if not value:
            raise ImproperlyConfigured(f"{name}_FILE={file_name} is empty")
    if not value and required:
        raise ImproperlyConfigured(
            f"{name} is not set. In production set {name} or {name}_FILE (a file holding the secret)."
        )
    return value or None
