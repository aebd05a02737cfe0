"""64-bit Snowflake-style ids: time-ordered and unique across processes.

Layout (most significant first): 41 bits of milliseconds since EPOCH_MS, 10 bits of node id, 12 bits of sequence.
Each process must own a distinct node id (the composition root leases one from the database), so ids never collide
across processes; within a process a lock and a per-millisecond sequence keep them unique and increasing.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

EPOCH_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z
NODE_BITS = 10
SEQUENCE_BITS = 12
MAX_NODE = (1 << NODE_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
MAX_ID = (1 << 63) - 1  # every id is a positive signed 64-bit integer (a BIGINT column)
ID_PATTERN = r"^[1-9][0-9]{0,18}$"  # ASCII digits only, no leading zero; the range is checked by parse_id_text
_ID_TEXT = re.compile(ID_PATTERN)
ID_RULE = "must be a numeric id: ASCII digits, 1 to 9223372036854775807, no leading zero"


def parse_id_text(raw: str) -> int | None:
    """The id a string spells, or None. Only ASCII digits count: str.isdigit() also accepts "³" (which int()
    refuses) and Arabic-Indic digits (which int() reads as another number)."""
    if not _ID_TEXT.fullmatch(raw):  # not .match: its "$" also matches before a final newline
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


class SnowflakeIds:
    def __init__(self, node_id: int, clock_ms: Callable[[], int] | None = None) -> None:
        if not 0 <= node_id <= MAX_NODE:
            raise ValueError(f"node_id must be in 0..{MAX_NODE}, got {node_id}")
        self._node_id = node_id
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    @property
    def node_id(self) -> int:
        return self._node_id

    def next_id(self) -> int:
        with self._lock:
            now = max(self._clock_ms(), self._last_ms)  # never go back in time, even if the clock does
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & MAX_SEQUENCE
                if self._sequence == 0:
                    now = self._wait_for_next_ms(now)
            else:
                self._sequence = 0
            self._last_ms = now
            return ((now - EPOCH_MS) << (NODE_BITS + SEQUENCE_BITS)) | (self._node_id << SEQUENCE_BITS) | self._sequence

    def _wait_for_next_ms(self, current: int) -> int:
        now = self._clock_ms()
        while now <= current:
            time.sleep(0.0001)
            now = self._clock_ms()
        return now


def id_timestamp_ms(snowflake: int) -> int:
    return (snowflake >> (NODE_BITS + SEQUENCE_BITS)) + EPOCH_MS


def id_node(snowflake: int) -> int:
    return (snowflake >> SEQUENCE_BITS) & MAX_NODE
