"""Compare-and-set, retried: when another writer changed the row first (VersionConflict), wait a random, growing
moment (so racing writers spread out) and run the whole attempt again on fresh reads; after too many losses, a
Conflict the caller can show."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from aisle.domain.errors import Conflict
from aisle.services.ports import VersionConflict

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 0.05


def retry_on_conflict(
    attempt: Callable[[], T],
    attempts: int,
    gave_up: str,
    on_conflict: Callable[[], None] = lambda: None,
) -> T:
    for number in range(attempts):
        try:
            return attempt()
        except VersionConflict:
            on_conflict()
            time.sleep(backoff_seconds(number))
    raise Conflict(gave_up)


def backoff_seconds(attempt: int) -> float:
    """Full jitter: anywhere from 0 to 0.5 ms doubled per lost attempt, at most 50 ms."""
    return random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.0005 * 2**attempt))
