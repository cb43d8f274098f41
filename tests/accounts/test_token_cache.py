"""The per-process API-token cache: fewer queries, same security (accounts/authcache.py).

A change made through this process's services is seen at once; one made elsewhere (another server process,
simulated here by a bulk `update()` that sends no signal) within `FINASSURE_TOKEN_CACHE_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finassure.accounts import authcache, services
from finassure.accounts.models import ApiToken, RoleAssignment
from finassure.accounts.roles import Role
from finassure.accounts.selectors import permissions_of, roles_of
from finassure.platform.models import AuditEvent


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[Clock]:
    settings.FINASSURE_TOKEN_CACHE_SECONDS = 5
    frozen = Clock()
    monkeypatch.setattr(authcache, "_clock", frozen)
    authcache.invalidate()
    yield frozen
    authcache.invalidate()


def authenticate(raw: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as ctx:
        token = services.token_authenticate(raw)
    return token, len(ctx.captured_queries)


def test_a_cached_token_costs_no_query_and_carries_its_grants(clock: Clock, make_user: Any) -> None:
    user = make_user(Role.AML_ANALYST)
    _, raw = services.token_create(actor=user, name="scoring", read_only=False)
    first, queries = authenticate(raw)
    assert first is not None and queries >= 2  # token + user, grants (+ last used)
    second, queries = authenticate(raw)
    assert queries == 0
    assert second == first and second.user == user and not second.read_only
    assert roles_of(second.user) == {Role.AML_ANALYST}
    # every request gets its own objects: what one request sets on its user does not leak into the next
    assert second is not first and second.user is not first.user
    second.user.display_name = "changed by a request"
    assert authenticate(raw)[0].user.display_name == user.display_name


def test_revoking_in_this_process_takes_effect_at_once(clock: Clock, make_user: Any) -> None:
    user = make_user(Role.AML_ANALYST)
    token, raw = services.token_create(actor=user, name="a", read_only=False)
    assert authenticate(raw)[0] is not None
    services.token_revoke(actor=user, token=token)
    assert authenticate(raw)[0] is None
    assert AuditEvent.objects.filter(action="auth.token_rejected", detail__reason="revoked").exists()


def test_deactivating_or_withdrawing_a_role_in_this_process_takes_effect_at_once(
    clock: Clock, make_user: Any
) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, unit="head")
    security = make_user(Role.SECURITY_ADMIN, unit="head")
    user = make_user(Role.AML_ANALYST)
    _, raw = services.token_create(actor=user, name="a", read_only=False)
    assert Role.AML_ANALYST in roles_of(authenticate(raw)[0].user)
    services.role_revoke(actor=security, assignment=RoleAssignment.objects.get(user=user, role=Role.AML_ANALYST))
    assert roles_of(authenticate(raw)[0].user) == set()
    services.user_set_active(actor=admin, user=user, active=False)
    assert authenticate(raw)[0] is None


def test_another_process_s_revocation_is_seen_within_the_bound(clock: Clock, make_user: Any) -> None:
    user = make_user(Role.AML_ANALYST)
    token, raw = services.token_create(actor=user, name="a", read_only=False)
    assert authenticate(raw)[0] is not None
    # another process revokes: the database changes, this process gets no signal
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    clock.now += 4.9
    assert authenticate(raw)[0] is not None  # still inside the bound
    clock.now += 0.1
    assert authenticate(raw)[0] is None  # the bound (5 s) is reached: read again and refused


def test_another_process_s_role_change_is_seen_within_the_bound(clock: Clock, make_user: Any) -> None:
    user = make_user(Role.AML_ANALYST)
    _, raw = services.token_create(actor=user, name="a", read_only=False)
    assert "monitoring.score_transaction" in permissions_of(authenticate(raw)[0].user)
    # another process withdraws the role (raw SQL: no signal reaches this process)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_roleassignment WHERE user_id = %s", [user.pk])
    clock.now += 4.9
    assert "monitoring.score_transaction" in permissions_of(authenticate(raw)[0].user)
    clock.now += 0.1
    assert roles_of(authenticate(raw)[0].user) == set()


def test_expiry_is_exact_even_while_cached(clock: Clock, make_user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(Role.AML_ANALYST)
    token, raw = services.token_create(actor=user, name="a", read_only=False)
    assert authenticate(raw)[1] >= 1 and authenticate(raw) == (token, 0)  # cached
    after_expiry = token.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after_expiry)
    assert authenticate(raw)[0] is None
    assert AuditEvent.objects.filter(action="auth.token_rejected", detail__reason="expired_or_inactive").exists()


def test_a_time_boxed_grant_ends_on_time_while_cached(clock: Clock, make_user: Any, org: Any) -> None:
    security = make_user(Role.SECURITY_ADMIN, unit="head")
    user = make_user(Role.EMPLOYEE)
    ends = timezone.now() + dt.timedelta(hours=1)
    services.role_assign(actor=security, user=user, role=Role.AML_ANALYST, org_unit=org.beijing, valid_until=ends)
    _, raw = services.token_create(actor=user, name="a", read_only=False)
    assert Role.AML_ANALYST in roles_of(authenticate(raw)[0].user)
    later = ends + dt.timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: later)
        token, queries = authenticate(raw)
    assert queries <= 1 and Role.AML_ANALYST not in roles_of(token.user)  # (the one: the last-used stamp)


def test_unknown_tokens_are_never_cached(clock: Clock, make_user: Any) -> None:
    for _ in range(2):
        token, queries = authenticate("fa_not-a-real-token")
        assert token is None and queries >= 2  # a look-up and an audit record each time
    assert AuditEvent.objects.filter(action="auth.token_rejected", detail__reason="unknown").count() == 2


def test_the_cache_can_be_turned_off(clock: Clock, settings: Any, make_user: Any) -> None:
    settings.FINASSURE_TOKEN_CACHE_SECONDS = 0
    user = make_user(Role.AML_ANALYST)
    _, raw = services.token_create(actor=user, name="a", read_only=False)
    authenticate(raw)
    assert authenticate(raw)[1] >= 1 and not authcache._entries
