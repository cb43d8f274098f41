"""Record sign-ins, sign-outs and failed attempts in the audit trail (Django's auth signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from finassure.platform import audit


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(action="auth.login", actor=user, obj=user)


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(action="auth.logout", actor=user, obj=user)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Django has already scrubbed the password from `credentials`; only the user name is kept.
    username = str(credentials.get("username", ""))[:150]
    action = "auth.2fa_failed" if credentials.get("stage") == "otp" else "auth.login_failed"
    audit.record(action=action, outcome="failure", actor_repr=username, detail={"username": username})


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="finassure_audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="finassure_audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="finassure_audit_login_failed")
