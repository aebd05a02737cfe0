"""Snowflake node ids held, not leased: each live process holds one of the 1,024 slots for as long as it runs, and
the slot is free again the moment the process ends, however it ends.

PostgreSQL: a session advisory lock per slot, on a connection kept for the purpose (the server drops it when the
process dies). SQLite (one machine): an exclusive ``flock`` on a file per slot next to the database (the kernel
drops it when the process dies). Either way two live processes can never hold the same node id, however many
processes came and went before. A PostgreSQL restart ends the session and its lock without telling the holder:
``keep`` notices and takes the same slot again, or says the process must stop minting ids. A network blip the
server never saw leaves the holder's old session alive, holding the lock, until the server times it out (hours):
``keep`` ends that session, its own, and takes the slot again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from contextlib import suppress
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from aisle.adapters.sql.engine import server_hung_up
from aisle.domain.ids import MAX_NODE
from aisle.services.ports import ConnectionLost, DatabaseUnavailable

log = logging.getLogger(__name__)
LOCK_CLASS = 0x41534C45  # "ASLE": the advisory-lock namespace of node slots (a 32-bit key; slot is the other)
SLOTS = MAX_NODE + 1
STALE_SESSION_END_SECONDS = 5.0  # for the server to end the old session once asked


class NodeSlot(Protocol):
    node_id: int

    def keep(self) -> bool:
        """True while this process still holds its slot (taking it again if the hold was lost and it is free)."""
        ...

    def release(self) -> None: ...


class AllSlotsTaken(RuntimeError):
    pass


class _AdvisorySlot:
    def __init__(self, engine: Engine, connection: Connection, node_id: int) -> None:
        self._engine = engine
        self._connection = connection
        self._session = _session_of(connection)
        self.node_id = node_id

    def keep(self) -> bool:
        """Raises while the database cannot be reached (nobody can take the slot meanwhile either)."""
        if self._still_held():
            return True
        # Closed, not only invalidated: an invalidated connection opens a new session when next read, one that
        # holds no lock, and would pass for the old one after an outage (two processes then minted one node's ids)
        if not self._connection.closed:
            self._connection.invalidate()
            self._connection.close()
        connection = self._engine.connect()
        if _try_lock(connection, self.node_id) or self._taken_from_own_old_session(connection):
            log.warning("node id %d taken again: the session that held it was lost", self.node_id)
            self._connection = connection
            self._session = _session_of(connection)
            return True
        connection.close()
        return False

    def _still_held(self) -> bool:
        connection = self._connection
        if connection.closed or connection.invalidated:
            return False
        return not server_hung_up(connection.connection.dbapi_connection)

    def _taken_from_own_old_session(self, connection: Connection) -> bool:
        """Ends the session that still holds the slot when it is this process's own old one, then takes it."""
        if _holder(connection, self.node_id) != self._session:
            return False  # another process's: the slot is lost
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": self._session[0]})
        connection.commit()
        deadline = time.monotonic() + STALE_SESSION_END_SECONDS
        while time.monotonic() < deadline:
            if _try_lock(connection, self.node_id):
                return True
            time.sleep(0.05)
        return False

    def release(self) -> None:
        if self._connection.closed:
            return
        # when the session is gone (a server restart), so is its lock
        with suppress(DBAPIError, ConnectionLost, DatabaseUnavailable):
            self._connection.execute(text("SELECT pg_advisory_unlock(:c, :s)"), {"c": LOCK_CLASS, "s": self.node_id})
        self._connection.invalidate()  # close the session itself, not back to the pool
        self._connection.close()


class _FileSlot:
    def __init__(self, fd: int, node_id: int) -> None:
        self._fd: int | None = fd
        self.node_id = node_id

    def keep(self) -> bool:
        return self._fd is not None  # a flock ends only with its file descriptor

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


class NodeIdTaken(AllSlotsTaken):
    pass


def hold_node_slot(engine: Engine, wanted: int | None = None) -> NodeSlot:
    """Takes the lowest free slot: a process restarted alone gets its old node id back, which keeps its Kafka
    static membership (``group.instance.id``) the same across the restart. ``wanted``: that slot or none (a node id
    set by hand is held like any other, so two processes given the same one cannot both run)."""
    order = list(range(SLOTS)) if wanted is None else [wanted]
    try:
        if engine.dialect.name == "postgresql":
            return _hold_advisory(engine, order)
        return _hold_file(_lock_dir(engine), order)
    except AllSlotsTaken:
        if wanted is None:
            raise
        raise NodeIdTaken(
            f"node id {wanted} (AISLE_NODE_ID) is held by another live process on this database: two processes "
            "with one node id would mint the same ids; give each its own, or leave AISLE_NODE_ID unset"
        ) from None


def _hold_advisory(engine: Engine, order: list[int]) -> NodeSlot:
    connection = engine.connect()
    try:
        for slot in order:
            if _try_lock(connection, slot):
                return _AdvisorySlot(engine, connection, slot)
    except BaseException:
        connection.invalidate()
        raise
    connection.close()
    raise AllSlotsTaken(f"all {SLOTS} node ids are held by live processes on this database")


def _try_lock(connection: Connection, slot: int) -> bool:
    taken = connection.execute(text("SELECT pg_try_advisory_lock(:c, :s)"), {"c": LOCK_CLASS, "s": slot})
    connection.commit()
    return bool(taken.scalar_one())


Session = tuple[int, object]  # (backend pid, backend start): a pid alone may be reused after a server restart
_SESSIONS = """SELECT a.pid, a.backend_start FROM pg_stat_activity a"""


def _session_of(connection: Connection) -> Session:
    found = connection.execute(text(f"{_SESSIONS} WHERE a.pid = pg_backend_pid()")).one()
    connection.commit()
    return int(found[0]), found[1]


def _holder(connection: Connection, slot: int) -> Session | None:
    """The session holding the slot's lock in this database, if any."""
    query = text(
        f"{_SESSIONS} JOIN pg_locks l ON l.pid = a.pid WHERE l.locktype = 'advisory' AND l.granted"
        " AND l.classid = :c AND l.objid = :s AND l.objsubid = 2"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    holder = connection.execute(query, {"c": LOCK_CLASS, "s": slot}).first()
    connection.commit()
    return None if holder is None else (int(holder[0]), holder[1])


def _lock_dir(engine: Engine) -> Path:
    database = make_url(str(engine.url)).database
    base = Path(database).resolve().parent if database and database != ":memory:" else Path.cwd()
    folder = base / "node-ids"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _hold_file(folder: Path, order: list[int]) -> NodeSlot:
    for slot in order:
        fd = os.open(folder / f"{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return _FileSlot(fd, slot)
    raise AllSlotsTaken(f"all {SLOTS} node ids are held by live processes on this machine ({folder})")
