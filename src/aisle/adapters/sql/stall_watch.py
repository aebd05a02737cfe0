"""A bound on how long a statement may wait on PostgreSQL, whatever holds it up.

libpq's TCP bounds (engine.PG_CONNECTION_LIMITS) end a connection whose peer stops acknowledging. A server process
that hangs while its host stays up (stopped, stuck in I/O, swapped out) never trips them: the kernel acknowledges
everything, and a request would wait as long as the hang lasts. So a watchdog shuts down the socket of a connection
whose statement has waited longer than the deadline; the blocked call then fails as a lost connection (503, and
the pool replaces the connection), as it would had the network broken. The statement may still run on the server
when it wakes, which a 503 already allows for ("may or may not have been saved").
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

STATEMENT_DEADLINE_SECONDS = 30.0  # as long as the TCP bound on unacknowledged data (tcp_user_timeout)
WATCH_INTERVAL_SECONDS = 0.5


class StallWatch:
    def __init__(self, deadline_seconds: float = STATEMENT_DEADLINE_SECONDS) -> None:
        self._deadline = deadline_seconds
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, Any]] = {}  # id of the DBAPI connection -> (started, connection)
        self._watcher: threading.Thread | None = None

    def watch(self, engine: Engine) -> None:
        """Times every statement of ``engine``'s connections."""
        event.listen(engine, "before_cursor_execute", self._started)
        event.listen(engine, "after_cursor_execute", self._finished)
        event.listen(engine, "handle_error", self._failed)

    def _started(self, connection: Any, *_args: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        with self._lock:
            self._running[id(dbapi_connection)] = (time.monotonic(), dbapi_connection)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="pg-stall-watch", daemon=True)
                self._watcher.start()

    def _finished(self, connection: Any, *_args: Any) -> None:
        self._forget(connection.connection.dbapi_connection)

    def _failed(self, context: Any) -> None:
        if context.connection is not None and context.connection.connection is not None:
            self._forget(context.connection.connection.dbapi_connection)

    def _forget(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._running.pop(id(dbapi_connection), None)

    def _watch(self) -> None:
        while True:
            time.sleep(WATCH_INTERVAL_SECONDS)
            now = time.monotonic()
            with self._lock:
                stalled = [c for started, c in self._running.values() if now - started > self._deadline]
                for dbapi_connection in stalled:
                    self._running.pop(id(dbapi_connection), None)
            for dbapi_connection in stalled:
                _cut(dbapi_connection, self._deadline)


def _cut(dbapi_connection: Any, deadline: float) -> None:
    """Shuts the connection's socket down (its file descriptor stays the connection's: no other socket can be hit)."""
    if getattr(dbapi_connection, "closed", True):
        return
    try:
        cut = socket.socket(fileno=socket.dup(dbapi_connection.fileno()))
    except (OSError, ValueError):
        return
    with cut:
        try:
            cut.shutdown(socket.SHUT_RDWR)
        except OSError:
            return
    log.warning("a PostgreSQL statement waited over %.0f s; its connection was cut (the server hangs?)", deadline)
