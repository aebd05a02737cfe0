"""Whether a request's change was saved, for the answer after its database connection was lost.

The API sets a fresh ``RequestCommits`` for each request; units of work note their commits on it. A request's
handler may run in a worker thread, which gets a copy of the context: the copy holds the same object, so what the
thread notes, the error handler reads."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestCommits:
    saved: bool = False  # a transaction of this request committed


request_commits: ContextVar[RequestCommits | None] = ContextVar("aisle_request_commits", default=None)
