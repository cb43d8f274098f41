"""Helpers every page view uses: permission gate, service errors onto forms, pagination, Excel export."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from finassure.platform.errors import ApplicationError, PermissionDenied

PAGE_SIZE = 50


def staff_view(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Require a signed-in user holding `perm` somewhere; the selectors narrow it to their units."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            from finassure.accounts import selectors as access

            if not access.has_perm(request.user, perm):
                raise PermissionDenied(_("You do not have permission to open this page."), extra={"permission": perm})
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]  # read by can_open (kept by functools.wraps)
        return wrapped

    return decorator


def can_open(user: Any, url: str) -> bool:
    """Whether ``user`` passes the permission gate (:func:`staff_view`) of the page at ``url``.

    For links to records of other modules (an indicator's evidence, an action's source): a page the reader
    may not open is shown as text, not as a link that answers 403. A URL that is no page of ours, or a page
    without such a gate, counts as openable; the page's own scope check still decides (404 outside it).
    """
    if not url:
        return False
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return True
    perm = getattr(match.func, "required_perm", None)
    if perm is None:
        return True
    from finassure.accounts import selectors as access

    return bool(getattr(user, "is_authenticated", False)) and access.has_perm(user, perm)


def record_page(record: Any, user: Any) -> str:
    """The page of ``record`` (its ``get_absolute_url``) when ``user`` may open it (:func:`can_open`), else ""."""
    getter = getattr(record, "get_absolute_url", None)
    try:
        url = getter() if callable(getter) else ""
    except Exception:  # a module's record without a page: shown as text
        return ""
    return url if can_open(user, url) else ""


def apply_error(form: Form, error: ApplicationError) -> None:
    """Put a service's validation error onto the form, field by field."""
    if error.fields:
        for name, messages in error.fields.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, str(error.message))


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page:
    """One page of ``items``; an unordered queryset (e.g. a data source's drill-down records) is ordered by
    primary key first, so no row moves between pages or shows twice."""
    if getattr(items, "ordered", True) is False:
        items = items.order_by("pk")
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """Stream a one-sheet Excel workbook (write-only mode keeps memory flat for long lists)."""
    from openpyxl import Workbook

    from finassure.platform.spreadsheets import text_safe

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(text_safe(sheet, [str(h) for h in headers]))
    for row in rows:
        sheet.append(text_safe(sheet, [_cell(v) for v in row]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value: Any) -> Any:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value
