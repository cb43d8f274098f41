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


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL character in the query, in a form's fields (not its files) or in a JSON body's text."""
    if "%00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    from django.core.exceptions import SuspiciousOperation

    kind = request.content_type or ""
    try:
        if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
        if kind == "application/json":
            body = request.body
            return b"\x00" in body or (b"u0000" in body and _json_holds_nul(body))
    except SuspiciousOperation:  # too large, too many fields: the view answers that (413, 400) as it always did
        return False
    return False


def _json_holds_nul(body: bytes) -> bool:
    import json

    try:
        todo = [json.loads(body)]
    except ValueError:
        return False  # malformed JSON is the API's to refuse
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            todo += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            todo += item
    return False


class RefuseNulMiddleware:
    """A NUL character (0x00) in a request's text is a 400, before any view: PostgreSQL cannot store one in a text
    column and refuses any query that holds one (a 500 from a search box or an API field), and no legitimate
    input has it. Uploaded files are not looked at: binary files are full of NUL bytes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            from django.utils.translation import gettext as _

            from finassure.platform import views

            return views.error_page(request, 400, _("The request holds a NUL character (0x00), which no field "
                                                    "may contain."))
        return self.get_response(request)
