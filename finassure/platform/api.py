"""The REST API root (/api/v1/): bearer-token and session auth, the one error shape, pagination conventions.

Conventions every endpoint follows:
- lists are paginated with `?page=N&page_size=M` (M ≤ 200) and answer {items, count, page, page_size};
  a list that can hold millions of rows (the alert queue) uses `CappedPageNumber` instead: `count` stops at
  10,000 and the extra `count_capped: true` says more match (narrow the filters; counting them all would cost
  more than the page);
- filters are plain query parameters named after the field (`?org_unit=3&active=true`);
- every 4xx answers {"error": {"code", "message", "fields"?}}.
"""


import logging
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.security import APIKeyCookie, HttpBearer

from finassure.platform import audit
from finassure.platform.api_messages import field_message
from finassure.platform.errors import ApplicationError, error_payload
from finassure.platform.ids import FIRST_YEAR, LAST_YEAR, MAX_DB_ID

log = logging.getLogger(__name__)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# An id or id filter: positive and within the databases' 64-bit integers (a larger one is a 422, not a 500).
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
#: A calendar year in a query or body: bounded, so dates built from it always exist (a 422, never a 500).
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
#: A calendar quarter, 1 to 4.
Quarter = Annotated[int, Field(ge=1, le=4)]


class BearerToken(HttpBearer):
    """Personal API token: acts as its user; a read-only token may only read."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from finassure.accounts import services as account_services

        api_token = account_services.token_authenticate(token)
        if api_token is None:
            return None
        # a script's requests speak its user's saved language unless they ask for one (Accept-Language)
        language = api_token.user.language
        if language and "HTTP_ACCEPT_LANGUAGE" not in request.META and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise ApplicationErrorForbidden(gettext("This API token is read-only."))
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class VerifiedSession(APIKeyCookie):
    """The browser's session, only once the second factor is verified (CSRF checked on writes)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exempt = settings.DEMO_2FA_EXEMPT and getattr(user, "is_demo", False)
        if not (user.is_verified() or exempt):
            return None
        return user


class ApplicationErrorForbidden(ApplicationError):
    status = 403
    code = "forbidden"


api = NinjaAPI(
    title="finassure API",
    version="1",
    description="Service quality and safety assurance system. Authenticate with `Authorization: Bearer <token>`.",
    auth=[BearerToken(), VerifiedSession()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _respond(request: HttpRequest, status: int, code: str, message: str,
             fields: dict[str, list[str]] | None = None) -> HttpResponse:
    return api.create_response(request, error_payload(code, message, fields), status=status)


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    if exc.status == 403:
        _audit_denial(request, str(exc.message))
    return api.create_response(request, exc.as_payload(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in {"body", "query", "path", "payload"}]
        fields.setdefault(".".join(loc) or "request", []).append(field_message(err))
    return _respond(request, 422, "invalid", gettext("The request has invalid or missing values."), fields)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _respond(request, 401, "not_authenticated",
                    gettext("A valid bearer token (or a signed-in session) is required."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             413: "payload_too_large", 429: "throttled"}
    messages = {400: gettext("The request body is not valid JSON."), 405: gettext("This method is not allowed here."),
                429: gettext("Too many requests; try again later.")}
    message = messages.get(exc.status_code) or str(exc.message)
    return _respond(request, exc.status_code, codes.get(exc.status_code, "error"), message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, 404, "not_found", gettext("No such object, or it is outside your responsibility."))


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    _audit_denial(request, str(exc))
    return _respond(request, 403, "forbidden", gettext("You do not have permission to do this here."))


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # psycopg refuses a NUL in a text parameter before sending it (PostgreSQL text cannot hold U+0000): that is
    # the request's fault, so a 422 on every endpoint instead of a 500. Any other DataError stays a server error.
    if "NUL" not in str(exc):
        raise exc
    return _respond(request, 422, "invalid", gettext("Text may not contain the NUL character (U+0000)."))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _respond(request, 413, "payload_too_large", gettext("The request body is larger than this server accepts."))


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return _respond(request, 400, "bad_request", gettext("The request could not be accepted."))


def _audit_denial(request: HttpRequest, message: str) -> None:
    audit.record(action="access.denied", actor=getattr(request, "user", None), outcome="denied",
                 detail={"path": request.path, "method": request.method, "message": message[:200]})


class PageNumber(PaginationBase):
    """`?page=&page_size=` pagination answering {items, count, page, page_size}."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=200)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start:start + pagination.page_size]),
            "count": queryset.count() if hasattr(queryset, "count") else len(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


#: The most matches a capped list counts (a million-row COUNT(*) costs more than the page; see CappedPageNumber).
LIST_COUNT_CAP = 10_000


class CappedPageNumber(PageNumber):
    """PageNumber for lists that can hold millions of rows: {items, count, count_capped, page, page_size}.

    `count` is exact up to LIST_COUNT_CAP; beyond it `count` is the cap and `count_capped` is true (the query
    counts at most cap + 1 rows, with no ORDER BY). Pages past the cap still answer their items.
    """

    class Output(Schema):
        items: list[Any]
        count: int = Field(..., description=f"matching rows, exact up to {LIST_COUNT_CAP:,}; the cap when more match")
        count_capped: bool = Field(..., description=f"true when more than {LIST_COUNT_CAP:,} rows match")
        page: int
        page_size: int

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        start = (pagination.page - 1) * pagination.page_size
        counted = queryset.order_by().values("pk")[:LIST_COUNT_CAP + 1].count()
        return {
            "items": list(queryset[start:start + pagination.page_size]),
            "count": min(counted, LIST_COUNT_CAP),
            "count_capped": counted > LIST_COUNT_CAP,
            "page": pagination.page,
            "page_size": pagination.page_size,
        }
