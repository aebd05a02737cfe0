"""The rate limiter of `aisle serve --workers N` on the embedded shape: the same token buckets as the memory
limiter, kept in a small SQLite file beside the store, so that N processes share one limit per client instead of
each allowing it once (N times the documented rate).

Each hit is one short write transaction (BEGIN IMMEDIATE: read the bucket, write it back), so two processes
never hand out the same token. The file is not the store's database: a burst of refused requests does not queue
behind catalog writes, and losing the file only refills every bucket. Durability is not wanted here
(synchronous=OFF). Time is the wall clock, which every process on the machine shares. A file that cannot be
used (locked past the busy timeout, unwritable) fails open, as the Redis limiter does when Redis is down.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from aisle.services.ratelimit import RateDecision, check_limits, take_one

log = logging.getLogger(__name__)
RATE_LIMITS_FILE = "rate-limits.db"  # in the data dir
BUSY_TIMEOUT_SECONDS = 5.0
PRUNE_EVERY = 1000  # hits between deletions of the buckets that have refilled completely (they change no decision)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated_at REAL NOT NULL,
    full_at REAL NOT NULL
) WITHOUT ROWID
"""


class SQLiteRateLimiter:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._clock = clock
        self._local = threading.local()  # one connection per thread: sqlite3 connections are not shared
        self._hits = 0
        self.errors = 0  # hits allowed because the file could not be used (failing open)
        try:
            self._connection().execute(_SCHEMA)
        except sqlite3.Error as error:  # the server starts all the same; each hit then fails open and says why
            log.warning("rate limit file %s unusable: %s", path, error)

    def hit(self, key: str, rate_per_minute: float, burst: int) -> RateDecision:
        check_limits(rate_per_minute, burst)
        try:
            return self._hit(key, rate_per_minute / 60.0, burst)
        except sqlite3.Error as error:  # as the Redis limiter: a limiter fault must not take the store down
            self.errors += 1
            log.warning("rate limit file %s unusable, request allowed: %s", self._path, error)
            return RateDecision(allowed=True, remaining=0, retry_after_seconds=0.0)

    def _hit(self, key: str, per_second: float, burst: int) -> RateDecision:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            now = self._clock()
            row = connection.execute("SELECT tokens, updated_at FROM buckets WHERE key = ?", (key,)).fetchone()
            tokens = float(burst) if row is None else min(float(burst), row[0] + max(0.0, now - row[1]) * per_second)
            decision = take_one(tokens, per_second)
            left = tokens - 1 if decision.allowed else tokens
            connection.execute(
                "INSERT OR REPLACE INTO buckets (key, tokens, updated_at, full_at) VALUES (?, ?, ?, ?)",
                (key, left, now, now + (burst - left) / per_second),
            )
            self._hits += 1
            if self._hits % PRUNE_EVERY == 0:
                connection.execute("DELETE FROM buckets WHERE full_at <= ?", (now,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return decision

    def __len__(self) -> int:
        return int(self._connection().execute("SELECT count(*) FROM buckets").fetchone()[0])

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self._path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            self._local.connection = connection
        return connection
