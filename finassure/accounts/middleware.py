"""Staff security (a temporary password changed and a second factor enrolled first), and a user's own language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

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


class UserLanguageMiddleware:
    """A signed-in user's saved language (``User.language``) wins over the cookie and the browser's.

    After ``LocaleMiddleware`` and ``AuthenticationMiddleware``: the session's user is read anyway by the
    staff security check, so this costs no query. A user with none saved keeps Django's choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
