"""In a real browser: the API's documentation page draws from the server's own files, within the CSP."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_draw_every_endpoint_without_errors(page: Any, live_server: Any) -> None:
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)  # Swagger UI has read the spec and drawn it
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/users" in [p.strip() for p in paths]
    assert outside == []  # nothing from a CDN
    assert page.console_errors == []
