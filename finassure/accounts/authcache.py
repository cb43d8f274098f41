"""A short per-process cache of API-token authentication: token digest → the token, its user and role grants.

Why: every bearer-token request looked up its token (with the user) and the user's role grants: two queries
and about half of the CPU of a real-time scoring request (benchmarks/monitoring/RESULTS.md).

What stays exact on every request, cached or not:
- the token's expiry (`expires_at` is compared with the clock on each use);
- the time window of each role assignment (`valid_from` / `valid_until` are compared on each use);
- unknown, revoked, expired tokens and inactive users are never cached: each such use is a database look-up
  and an `auth.token_rejected` audit record, as before.

What is bounded instead of immediate:
- a change in the database (token revoked, user deactivated, role granted or withdrawn, org unit moved) is seen
  at once by the process that made it — a save or delete of ApiToken, User, RoleAssignment or OrgUnit empties
  this process's cache, at the save and again when its transaction commits;
- another server process (another worker, the CLI, an admin shell) sees it within `TTL_SECONDS`
  (setting `FINASSURE_TOKEN_CACHE_SECONDS`, default 5; 0 turns the cache off). An entry is never used longer
  than that after it was read from the database.
A bulk `QuerySet.update()` sends no signal, so the process doing it also waits for the bound: the services in
this app save instances (or save the user first, as deactivation does) so their own process sees it at once.

The cached objects are never handed out: each request gets its own copies of the token and user.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from finassure.accounts.models import ApiToken, OrgUnit, RoleAssignment, User
from finassure.accounts.selectors import Grant

DEFAULT_TTL_SECONDS = 5.0
_clock = time.monotonic  # replaced in tests to freeze or advance time


def ttl_seconds() -> float:
    return float(getattr(settings, "FINASSURE_TOKEN_CACHE_SECONDS", DEFAULT_TTL_SECONDS))


@dataclass(frozen=True)
class _Entry:
    loaded_at: float  # _clock() when read from the database
    token: ApiToken  # with .user loaded; never handed out, only copied
    grants: tuple[tuple[str, Grant, dt.datetime, dt.datetime | None], ...]  # role, grant, valid from, until


_entries: dict[str, _Entry] = {}
_generation = 0
_lock = threading.Lock()


def invalidate(*_args: Any, **_kwargs: Any) -> None:
    """Forget every entry of this process (a signal receiver too, hence the ignored arguments)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _invalidate_now_and_on_commit(sender: Any, **kwargs: Any) -> None:
    invalidate()
    # A request of this process reading between the save and the commit would cache the old rows: forget
    # them again once the change is visible to everyone.
    transaction.on_commit(invalidate, using=kwargs.get("using"))


for _model in (ApiToken, User, RoleAssignment, OrgUnit):
    post_save.connect(_invalidate_now_and_on_commit, sender=_model, dispatch_uid=f"authcache-save-{_model.__name__}")
    post_delete.connect(
        _invalidate_now_and_on_commit, sender=_model, dispatch_uid=f"authcache-delete-{_model.__name__}"
    )


def lookup(digest: str) -> ApiToken | None:
    """A fresh copy of the cached token for `digest` (its user carrying the grants in force now), or None."""
    ttl = ttl_seconds()
    entry = _entries.get(digest)
    if entry is None or ttl <= 0 or _clock() - entry.loaded_at >= ttl:
        return None
    token = copy.copy(entry.token)
    if not token.is_active:  # expired since it was cached: the caller looks it up again and refuses it
        return None
    token.user = _with_grants(copy.copy(entry.token.user), entry.grants)
    return token


def generation() -> int:
    """The cache's generation: read it before the database look-up and pass it to `remember`."""
    return _generation


def remember(digest: str, token: ApiToken, *, generation_seen: int) -> None:
    """Cache an active token just read from the database (with its user), and give its user the grants in force.

    Loads the user's role grants in the same go (one query, as `selectors._grants` would), so the request
    that fills the cache does not query them twice. Not stored if the cache was emptied since
    `generation_seen` (a concurrent change): the next request reads the database again.
    """
    if ttl_seconds() <= 0:
        return
    loaded_at = _clock()
    now = timezone.now()
    rows = (
        RoleAssignment.objects.filter(user_id=token.user_id)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .select_related("org_unit")
    )
    grants = tuple(
        (a.role, Grant(a.role, a.org_unit_id, a.org_unit.path, a.include_descendants), a.valid_from, a.valid_until)
        for a in rows
    )
    kept = copy.copy(token)
    kept.user = copy.copy(token.user)
    kept.user.__dict__.pop("_finassure_grants", None)
    with _lock:
        if _generation == generation_seen:
            _entries[digest] = _Entry(loaded_at, kept, grants)
    _with_grants(token.user, grants)


def touched(digest: str, when: dt.datetime) -> None:
    """Note the `last_used_at` just written, so cached copies do not write it again."""
    entry = _entries.get(digest)
    if entry is not None:
        entry.token.last_used_at = when


def _with_grants(user: User, grants: tuple[tuple[str, Grant, dt.datetime, dt.datetime | None], ...]) -> User:
    now = timezone.now()
    user._finassure_grants = tuple(  # type: ignore[attr-defined]  # what selectors._grants would load
        (role, grant) for role, grant, since, until in grants if since <= now and (until is None or until > now)
    )
    return user
