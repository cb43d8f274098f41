"""Request middleware: who is acting from where (for the audit trail), and errors rendered in one shape."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from finassure.platform import context
from finassure.platform.errors import error_payload


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        ctx = context.RequestContext(
            ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300], channel=channel
        )
        request.request_id = ctx.request_id  # type: ignore[attr-defined]
        with context.acting(ctx):
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", ctx.request_id)
        if response.get("Content-Type", "").startswith("text/html") and "charset" not in response["Content-Type"]:
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


def api_error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_payload(code, message), status=status)


class ApplicationErrorMiddleware:
    """Turn application errors escaping a page view into the friendly error pages (and audit denials)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

        from finassure.platform import errors, views

        if isinstance(exception, errors.PermissionDenied | DjangoPermissionDenied):
            return views.forbidden(request, exception)
        if isinstance(exception, errors.NotFound):
            return views.not_found(request, exception)
        if isinstance(exception, errors.ApplicationError):
            return views.error_page(request, exception.status, str(exception.message))
        return None
