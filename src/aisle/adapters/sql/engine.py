"""Engines for SQLite (WAL, immediate write transactions) and PostgreSQL (pooled psycopg 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text

from aisle.adapters.sql.schema import metadata
from aisle.adapters.sql.write_gate import WriteGate, gated_connection_class
from aisle.services.ports import ConnectionLost

READONLY = "aisle_readonly"


def make_engine(url: str, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # No ping before each checkout (a round trip per transaction): a connection that broke meanwhile fails its
    # transaction with ConnectionLost, which the services retry like a lost compare-and-set on a fresh connection.
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, pool_recycle=900)

    @event.listens_for(engine, "handle_error")
    def _retryable_disconnect(context: Any) -> None:
        if context.is_disconnect:
            raise ConnectionLost(str(context.original_exception)[:200]) from context.original_exception

    return engine


def _sqlite_engine(url: str) -> Engine:
    gate = _write_gate(url)
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
    if gate is not None:
        connect_args["factory"] = gated_connection_class(gate)
    # As many connections as the API's thread pool has threads, so background work never waits behind requests.
    engine = create_engine(url, connect_args=connect_args, pool_size=20, max_overflow=30)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A write transaction takes the write lock up front: two deferred transactions that both read and then
        # write would otherwise deadlock, and SQLite answers one of them "database is locked" at once.
        readonly = connection.get_execution_options().get(READONLY, False)
        if not readonly and gate is not None:
            gate.acquire(connection.connection.dbapi_connection)  # released by its commit, rollback or close
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def _write_gate(url: str) -> WriteGate | None:
    """The gate of a database file (none for an in-memory database: one connection, nobody to queue)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return WriteGate(Path(database).with_name(Path(database).name + ".write-gate"))


def create_schema(engine: Engine) -> None:
    metadata.create_all(engine)


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
