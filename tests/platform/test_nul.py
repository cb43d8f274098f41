"""A NUL character in a request's text is refused before any view (PostgreSQL cannot hold one): a page answers 400,
the API 422 naming the fields. Files may hold NUL bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from finassure.accounts import services
from finassure.accounts.models import User
from finassure.accounts.roles import Role

pytestmark = pytest.mark.django_db
NUL = "\x00"


def test_a_search_with_nul_is_a_400_page(org: Any, make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))
    response = client.get("/accounts/users/", {"q": f"a{NUL}b"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "NUL 字符" in response.content.decode()
    assert client.get("/accounts/users/", {"q": "ab"}).status_code == 200


def test_a_form_field_with_nul_is_refused_and_nothing_is_saved(org: Any, make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SYSTEM_ADMIN, unit="head"))
    before = User.objects.count()
    response = client.post("/accounts/users/new/", {"username": f"x{NUL}y", "display_name": "甲",
                                                      "org_unit": org.haidian.pk})
    assert response.status_code == 400 and User.objects.count() == before


def test_an_api_string_with_nul_is_a_400_in_the_error_shape(org: Any, make_user: Any, client: Any) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    token = services.token_create(actor=admin, name="t", read_only=False)[1]
    body = json.dumps({"username": "x\u0000y", "display_name": "甲", "org_unit_id": org.haidian.pk})
    assert "\\u0000" in body
    response = client.post("/api/v1/users", data=body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["username"]
    assert not User.objects.filter(username__startswith="x").exists()
    nested = json.dumps({"name": "t", "scopes": ["read", "x\u0000"]})
    response = client.post("/api/v1/tokens", data=nested, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422 and list(response.json()["error"]["fields"]) == ["scopes[1]"]
    response = client.get("/api/v1/users?q=a%00", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422 and list(response.json()["error"]["fields"]) == ["q"]
    # the text "\u0000" itself (an escaped backslash) is ordinary text
    plain = json.dumps({"name": "see \\u0000 in the docs"})
    response = client.post("/api/v1/tokens", data=plain, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201


def test_a_file_full_of_nul_bytes_is_not_refused_for_it(org: Any, make_user: Any, login_client: Any) -> None:
    client = login_client(make_user(Role.SECURITY_OFFICER, unit="beijing"))
    upload = SimpleUploadedFile("r.csv", b"asset,identifier,severity\nh1,CVE-1,high\n\x00\x00")
    response = client.post("/security/scans/import/", {"file": upload, "org_unit": org.beijing.pk, "scope": "x"})
    assert "NUL" not in response.content.decode()  # the scanner import itself answers (here: a refused row)
