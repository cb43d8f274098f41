"""Request middleware: who is acting from where (for the audit trail), and errors rendered in one shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def _nul_fields(request: HttpRequest) -> list[str]:
    """The names of the query parameters, form fields (not files) and JSON members whose text holds a NUL."""
    from django.core.exceptions import SuspiciousOperation

    def named(pairs: Any) -> list[str]:
        return [key.replace("\x00", "") or "?" for key, values in pairs
                if "\x00" in key or any("\x00" in v for v in values)]

    found = named(request.GET.lists())
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return found
    kind = request.content_type or ""
    try:
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            found += named(request.POST.lists())
        elif kind == "application/json" and (b"\x00" in request.body or b"u0000" in request.body):
            found += _json_nul_fields(request.body)
    except SuspiciousOperation:  # too large, too many fields: the view answers that (413, 400) as it always did
        return found
    return found


def _json_nul_fields(body: bytes) -> list[str]:
    import json

    try:
        document = json.loads(body)
    except ValueError:
        return []  # malformed JSON (a raw NUL included) is the API's to refuse, as any malformed body
    found: list[str] = []
    todo: list[tuple[str, Any]] = [("", document)]
    while todo:
        path, item = todo.pop()
        if isinstance(item, str) and "\x00" in item:
            found.append(path or "body")
        elif isinstance(item, dict):
            for key, value in item.items():
                name = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    found.append(name.replace("\x00", ""))
                todo.append((name, value))
        elif isinstance(item, list):
            todo += [(f"{path}[{i}]", value) for i, value in enumerate(item)]
    return sorted(set(found))


class RefuseNulMiddleware:
    """A NUL character (0x00) in a request's text is refused before any view: a page answers 400, the API 422
    naming the fields. PostgreSQL cannot store one in a text column and refuses any query that holds one (a 500
    from a search box or an API field), and no legitimate input has it. Uploaded files are not looked at: binary
    files are full of NUL bytes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = _nul_fields(request)
        if fields:
            from django.utils.translation import gettext as _

            from finassure.platform import views

            message = _("The request holds a NUL character (0x00), which no field may contain.")
            if request.path.startswith("/api/"):  # the API's answer to invalid fields: 422 naming them
                return JsonResponse(error_payload("invalid", message, dict.fromkeys(fields, [message])), status=422)
            return views.error_page(request, 400, message)
        return self.get_response(request)
