"""The platform's own security settings as MLPS level 3 asks: hashing, complexity, idle timeout, cookies, CSP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

import finassure.settings as project_settings


def test_passwords_are_hashed_with_argon2() -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sessions_expire_after_30_idle_minutes() -> None:
    assert project_settings.SESSION_COOKIE_AGE == 30 * 60
    assert project_settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.parametrize("password", ["alllowercaseletters", "ALLUPPER123456", "short-1A"])
def test_simple_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, password_validators=password_validation.get_password_validators(
            project_settings.AUTH_PASSWORD_VALIDATORS))


def test_a_complex_password_passes() -> None:
    password_validation.validate_password("Harbour-Lights-42", password_validators=password_validation
                                          .get_password_validators(project_settings.AUTH_PASSWORD_VALIDATORS))


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("FINASSURE_")}
    base.update({"FINASSURE_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "finassure.settings"}, **env)
    return subprocess.run([sys.executable, "-m", "django", "check"], env=base, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _start({"FINASSURE_ENV": "production", "FINASSURE_FIELD_KEYS": "k1:" + "A" * 43 + "="}, tmp_path)
    assert result.returncode != 0
    assert "FINASSURE_SECRET_KEY is not set" in result.stderr


def test_production_names_an_unreadable_secret_file(tmp_path: Path) -> None:
    result = _start({"FINASSURE_ENV": "production", "FINASSURE_SECRET_KEY_FILE": str(tmp_path / "missing")}, tmp_path)
    assert result.returncode != 0
    assert "FINASSURE_SECRET_KEY_FILE" in result.stderr and "cannot be read" in result.stderr


def test_production_refuses_the_demo_2fa_exemption(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x" * 60)
    result = _start({"FINASSURE_ENV": "production", "FINASSURE_SECRET_KEY_FILE": str(secret),
                     "FINASSURE_FIELD_KEYS": "k1:" + "A" * 43 + "=", "FINASSURE_DEMO_2FA_EXEMPT": "true"}, tmp_path)
    assert result.returncode != 0
    assert "FINASSURE_DEMO_2FA_EXEMPT is refused" in result.stderr


def test_a_bad_boolean_is_refused_with_its_name(tmp_path: Path) -> None:
    result = _start({"FINASSURE_DEBUG": "perhaps"}, tmp_path)
    assert result.returncode != 0 and "FINASSURE_DEBUG must be true or false" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_no_framing(client: Any) -> None:
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Type"] == "text/html; charset=utf-8"
