"""The embedded event bus: subscribers are called in the relay's thread, in order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from aisle.services.ports import OutboxEntry

ALL_EVENTS = "*"


class InProcessBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Callable[[OutboxEntry], None]]] = defaultdict(list)
        self._batch_handlers: list[tuple[frozenset[str], Callable[[list[OutboxEntry]], None]]] = []

    def subscribe(self, name: str, handler: Callable[[OutboxEntry], None]) -> None:
        self._handlers[name].append(handler)

    def subscribe_batch(self, names: Sequence[str], handler: Callable[[list[OutboxEntry]], None]) -> None:
        self._batch_handlers.append((frozenset(names), handler))

    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        for entry in entries:
            for handler in (*self._handlers.get(entry.name, ()), *self._handlers.get(ALL_EVENTS, ())):
                handler(entry)
        for names, batch_handler in self._batch_handlers:
            wanted = [e for e in entries if e.name in names]
            if wanted:
                batch_handler(wanted)
