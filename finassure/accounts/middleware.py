"""Staff security: a signed-in user must change a temporary password and enrol a second factor first."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

_ALWAYS_ALLOWED = ("/static/", "/healthz", "/readyz", "/metrics", "/i18n/", "/api/")


class StaffSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(_ALWAYS_ALLOWED):
            target = self._required_step(request)
            if target and request.path != target and request.path != reverse("accounts:logout"):
                return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _required_step(request: HttpRequest) -> str | None:
        user = request.user
        if not user.is_verified() and not (settings.DEMO_2FA_EXEMPT and user.is_demo):  # type: ignore[union-attr]
            return reverse("accounts:otp_setup")
        if user.must_change_password:  # type: ignore[union-attr]
            return reverse("accounts:password_change")
        return None
