"""Who is acting and from where, for the audit trail: set per request (or per command) in a context variable."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    channel: str = "system"  # web | api | cli | worker | system


_current: ContextVar[RequestContext | None] = ContextVar("finassure_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or RequestContext()


@contextlib.contextmanager
def acting(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
