"""A lock between processes on different machines: a PostgreSQL session advisory lock, held on a connection kept
for the purpose. The server drops it when the holder's session ends, however it ends (a killed process included),
so whoever tries next takes over."""

from __future__ import annotations

import zlib
from contextlib import suppress

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from aisle.services.ports import ConnectionLost, DatabaseUnavailable

LOCK_CLASS = 0x41534C4B  # "ASLK": named locks (node slots use their own class), the name's CRC-32 is the other key


class AdvisoryLock:
    def __init__(self, engine: Engine, name: str) -> None:
        self.name = name
        self._engine = engine
        self._key = zlib.crc32(name.encode()) - (1 << 31)  # the second key is a signed 32-bit integer
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        """True when this process holds the lock (now or already); never waits."""
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        try:
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": LOCK_CLASS, "k": self._key})
            connection.commit()
        except BaseException:
            connection.invalidate()
            raise
        if not taken.scalar_one():
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with suppress(DBAPIError, ConnectionLost, DatabaseUnavailable):  # a session already gone took its lock with it
            connection.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": LOCK_CLASS, "k": self._key})
        connection.invalidate()  # end the session itself rather than pool it
        connection.close()
