"""The embedded event bus: subscribers are called in the relay's thread, in order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from aisle.services.ports import OutboxEntry

ALL_EVENTS = "*"


class InProcessBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable[[OutboxEntry], None]]] = defaultdict(list)

    def subscribe(self, name: str, handler: Callable[[OutboxEntry], None]) -> None:
        self._handlers[name].append(handler)

    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        for entry in entries:
            for handler in (*self._handlers.get(entry.name, ()), *self._handlers.get(ALL_EVENTS, ())):
                handler(entry)
