"""A fixed-window rate limit on Django's cache, for the public portal (per IP and per phone number).

The default LocMemCache counts per process; behind several server processes configure a shared cache
(Redis or the database cache) so the limits hold across them. Keys hold keyed hashes, never a phone number.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache

# (limit, window in seconds)
PORTAL_SUBMIT_PER_IP = (10, 3600)
PORTAL_SUBMIT_PER_PHONE = (3, 3600)
PORTAL_LOOKUP_PER_IP = (20, 600)
PORTAL_LOOKUP_PER_TRACKING = (5, 600)
PORTAL_FAQ_PER_IP = (120, 600)
PORTAL_VOTE_PER_IP = (1, 86400)  # one rating per article and address a day


def _key(scope: str, identity: str, window: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), identity.encode(), hashlib.sha256).hexdigest()[:32]
    return f"service:throttle:{scope}:{digest}:{int(time.time() // window)}"


def allow(scope: str, identity: str, rule: tuple[int, int]) -> bool:
    """Count one hit; False once `identity` has used up `rule` (limit per window) in `scope`."""
    limit, window = rule
    key = _key(scope, identity, window)
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit


def would_allow(scope: str, identity: str, rule: tuple[int, int]) -> bool:
    """Without counting: has `identity` still room in `scope`?"""
    limit, window = rule
    return int(cache.get(_key(scope, identity, window), 0)) < limit
