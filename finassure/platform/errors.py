"""One application exception hierarchy; the API and the views turn each into the one error shape."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """Base of every error a service or selector raises on purpose; carries an HTTP status and a code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}

    def as_payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            error["fields"] = {name: [str(m) for m in msgs] for name, msgs in self.fields.items()}
        if self.extra:
            error.update(self.extra)
        return {"error": error}


class ValidationFailed(ApplicationError):
    status = 400
    code = "invalid"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status = 403
    code = "forbidden"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApplicationError):
    status = 413
    code = "payload_too_large"


def error_payload(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "fields"?}}."""
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}
