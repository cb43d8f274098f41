"""The API answers in the caller's language: its own messages and pydantic's validation messages alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation

from finassure.accounts import services
from finassure.accounts.models import User
from finassure.accounts.roles import Role
from finassure.platform.api_messages import field_message

pytestmark = pytest.mark.django_db
BAD_USER = {"username": "x" * 151, "org_unit_id": "three"}  # too long, no display name, not a number


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.SYSTEM_ADMIN, unit="beijing")


def _token(user: Any) -> str:
    return services.token_create(actor=user, name="t", read_only=False)[1]


def _post(client: Any, token: str, body: Any, **headers: str) -> dict[str, Any]:
    response = client.post("/api/v1/users", data=json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}", **headers)
    assert response.status_code == 422, response.content
    return dict(response.json()["error"])


def test_validation_messages_in_english(client: Any, org: Any, admin: Any) -> None:
    error = _post(client, _token(admin), BAD_USER, HTTP_ACCEPT_LANGUAGE="en")
    assert error["message"] == "The request has invalid or missing values."
    assert error["fields"] == {"username": ["Must have at most 150 characters"],
                               "display_name": ["This field is required"],
                               "org_unit_id": ["Must be a whole number"]}


def test_validation_messages_in_chinese(client: Any, org: Any, admin: Any) -> None:
    error = _post(client, _token(admin), BAD_USER, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert error["message"] == "请求中有无效或缺少的值。"
    assert error["fields"] == {"username": ["至多 150 个字符"], "display_name": ["此项必填"],
                               "org_unit_id": ["须为整数"]}
    assert not User.objects.filter(username="x" * 151).exists()


def test_a_token_speaks_its_users_saved_language_unless_the_request_asks_for_another(
        client: Any, org: Any, admin: Any) -> None:
    services.user_set_language(actor=admin, language="zh-hans")
    admin.refresh_from_db()
    token = _token(admin)
    assert _post(client, token, {})["fields"]["display_name"] == ["此项必填"]  # no Accept-Language: the saved one
    asked = _post(client, token, {}, HTTP_ACCEPT_LANGUAGE="en")
    assert asked["fields"]["display_name"] == ["This field is required"]


def test_the_apis_own_refusals_are_translated(client: Any, org: Any, admin: Any) -> None:
    response = client.get("/api/v1/users/999999", HTTP_AUTHORIZATION=f"Bearer {_token(admin)}",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "无此用户。"  # a selector's refusal, translated
    anonymous = client.get("/api/v1/users", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert anonymous.status_code == 401 and "令牌" in anonymous.json()["error"]["message"]


@pytest.mark.parametrize(("error", "en", "zh"), [
    ({"type": "string_too_short", "msg": "…", "ctx": {"min_length": 1}}, "Must have at least 1 character",
     "至少 1 个字符"),
    ({"type": "greater_than_equal", "msg": "…", "ctx": {"ge": 1}}, "Must be at least 1", "不得小于 1"),
    ({"type": "enum", "msg": "…", "ctx": {"expected": "'low', 'medium' or 'high'"}},
     "Must be one of: 'low', 'medium', 'high'", "须为以下之一：'low', 'medium', 'high'"),
    ({"type": "value_error", "msg": "Value error, 金额须为正数", "ctx": {"error": "金额须为正数"}},
     "金额须为正数", "金额须为正数"),  # a validator's own message, without pydantic's prefix
    ({"type": "some_future_type", "msg": "Something pydantic says"}, "Something pydantic says",
     "Something pydantic says"),  # a type not in the catalogue keeps pydantic's text
    ({"type": "greater_than", "msg": "Input should be greater than 0", "ctx": {}},
     "Input should be greater than 0", "Input should be greater than 0"),  # a context shaped otherwise
])
def test_field_message_by_type(error: dict[str, Any], en: str, zh: str) -> None:
    with translation.override("en"):
        assert field_message(error) == en
    with translation.override("zh-hans"):
        assert field_message(error) == zh
