"""The web shell: both languages, friendly error pages, vendored assets only, health, query counts on lists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import finassure
from finassure.accounts.roles import Role

pytestmark = pytest.mark.django_db
PACKAGE = Path(finassure.__file__).parent


def test_the_sign_in_page_is_chinese_by_default_and_english_on_request(client: Any) -> None:
    assert "登录" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign in" in client.get("/accounts/login/").content.decode()


def test_the_dashboard_shows_only_the_navigation_a_role_may_use(client: Any, make_user: Any,
                                                               login_client: Any) -> None:
    html = login_client(make_user(Role.EMPLOYEE)).get("/").content.decode()
    assert "/accounts/users/" not in html and "/audit/" not in html
    client.logout()
    html = login_client(make_user(Role.AUDIT_ADMIN)).get("/").content.decode()
    assert 'href="/audit/"' in html


def test_an_unknown_page_gets_the_friendly_404(client: Any, make_user: Any, login_client: Any) -> None:
    response = login_client(make_user(Role.EMPLOYEE)).get("/no/such/page/")
    assert response.status_code == 404
    assert "Traceback" not in response.content.decode()


def test_a_forbidden_page_is_friendly_and_audited(client: Any, make_user: Any, login_client: Any) -> None:
    from finassure.platform.models import AuditEvent

    user = make_user(Role.EMPLOYEE)
    response = login_client(user).get("/audit/")
    assert response.status_code == 403 and "empty-title" in response.content.decode()
    assert AuditEvent.objects.filter(action="access.denied", actor=user, detail__path="/audit/").exists()


def test_nothing_loads_from_a_cdn() -> None:
    external = re.compile(r"""(src|href)=["']https?://""")
    for template in PACKAGE.rglob("templates/**/*.html"):
        assert not external.search(template.read_text()), template
    for asset in ("tabler/tabler.min.css", "tabler/tabler.min.js", "htmx/htmx.min.js", "echarts/echarts.min.js"):
        assert (PACKAGE / "platform/static/vendor" / asset).stat().st_size > 10_000


def test_vendored_assets_are_served(client: Any) -> None:
    response = client.get("/static/vendor/echarts/echarts.min.js")
    assert response.status_code == 200


def test_readyz_reports_the_database(client: Any) -> None:
    assert client.get("/readyz").json() == {"status": "ok", "database": connection.vendor}


def test_metrics_are_refused_to_other_hosts(client: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    assert b"django_http_requests" in client.get("/metrics").content


def test_the_user_list_page_does_not_grow_queries_with_rows(client: Any, make_user: Any, login_client: Any) -> None:
    login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/accounts/users/").status_code == 200
        return len(ctx.captured_queries)

    count()  # the process's first page loads what later pages find cached (run alone, it made one query more)
    baseline = count()
    for _ in range(10):
        make_user(Role.EMPLOYEE, unit="haidian")
    assert count() == baseline


def test_the_audit_page_filters_and_exports(client: Any, make_user: Any, login_client: Any) -> None:
    from openpyxl import load_workbook

    auditor = make_user(Role.AUDIT_ADMIN, unit="head")
    login_client(auditor)
    page = client.get("/audit/?action=role.").content.decode()
    assert "role.assign" in page and "auth.login" not in page
    export = client.get("/audit/export/?action=role.")
    assert export.status_code == 200
    import io

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) > 1 and all(r[3].startswith("role.") for r in rows[1:])
    from finassure.platform.models import AuditEvent

    assert AuditEvent.objects.filter(action="audit.export", actor=auditor).exists()


def test_the_verify_button_reports_an_intact_chain(client: Any, make_user: Any, login_client: Any) -> None:
    login_client(make_user(Role.AUDIT_ADMIN, unit="head"))
    response = client.post("/audit/verify/", HTTP_HX_REQUEST="true")
    assert 'id="verify-ok"' in response.content.decode()
