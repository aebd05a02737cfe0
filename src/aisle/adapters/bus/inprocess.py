"""The embedded event bus: the registry's delivered handlers (``services/handlers.py``) are called in the relay's
thread, in order; consumer-group subscriptions (the in-process twin of the Kafka stream) get their events from
per-group queues."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

from aisle.services.handlers import EventHandlers
from aisle.services.ports import OutboxEntry, Positions

ALL_EVENTS = "*"


class InProcessBus:
    def __init__(self, handlers: EventHandlers | None = None) -> None:
        self._registry = handlers or EventHandlers()
        self._observers: dict[str, list[Callable[[OutboxEntry], None]]] = defaultdict(list)
        self._groups: dict[str, GroupQueue] = {}
        self._changed = threading.Condition()

    def subscribe(self, name: str, observer: Callable[[OutboxEntry], None]) -> None:
        """Also calls ``observer`` with each published event of that name ("*": every event), before the
        registry's handlers: for tools and tests that watch the stream."""
        self._observers[name].append(observer)

    def subscription(self, group: str, names: Sequence[str]) -> InProcessSubscription:
        """A group sees the events published from its first subscription on (nothing is kept for groups that do
        not exist yet, unlike Kafka's retention)."""
        with self._changed:
            queue = self._groups.setdefault(group, GroupQueue())
            queue.names.update(names)
        return InProcessSubscription(queue, frozenset(names), self._changed)

    def check(self) -> None:
        """Always able: the subscribers are in this process."""

    def positions(self, group: str, names: Sequence[str]) -> Positions:
        """One partition per group: what its members committed, and what was queued for it."""
        with self._changed:
            queue = self._groups.get(group)
            return {} if queue is None else {"0": (queue.committed, queue.queued)}

    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        for entry in entries:
            for observer in (*self._observers.get(entry.name, ()), *self._observers.get(ALL_EVENTS, ())):
                observer(entry)
        self._registry.handle_delivered(entries)
        self._enqueue_for_groups(entries)  # last: a handler that raises makes the relay retry, so no double enqueue

    def _enqueue_for_groups(self, entries: Sequence[OutboxEntry]) -> None:
        if not self._groups:
            return
        with self._changed:
            for queue in self._groups.values():
                wanted = [e for e in entries if e.name in queue.names]
                queue.pending.extend(wanted)
                queue.queued += len(wanted)
            self._changed.notify_all()


class GroupQueue:
    """The events a consumer group has not taken yet; its subscriptions share them, first come first served."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.pending: deque[OutboxEntry] = deque()
        self.queued = 0  # events ever queued for the group
        self.committed = 0  # of them, those its members committed (or dropped as another member's names)


class InProcessSubscription:
    def __init__(self, queue: GroupQueue, names: frozenset[str], changed: threading.Condition) -> None:
        self._queue = queue
        self._names = names
        self._changed = changed
        self._in_flight: list[OutboxEntry] = []
        self._closed = False

    def poll(self, max_events: int, timeout_seconds: float) -> list[OutboxEntry]:
        with self._changed:
            if self._closed:
                raise RuntimeError("subscription is closed")
            self._changed.wait_for(lambda: self._queue.pending, timeout_seconds)
            taken: list[OutboxEntry] = []
            while self._queue.pending and len(taken) < max_events:
                entry = self._queue.pending.popleft()
                if entry.name in self._names:  # another member's names: dropped, as Kafka's filter does
                    taken.append(entry)
                else:
                    self._queue.committed += 1
            self._in_flight.extend(taken)
            return taken

    def commit(self) -> None:
        with self._changed:
            self._queue.committed += len(self._in_flight)
            self._in_flight.clear()

    def close(self) -> None:
        """Events polled but not committed go back to the front of the group's queue, in order."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            self._queue.pending.extendleft(reversed(self._in_flight))
            self._in_flight.clear()
            self._changed.notify_all()
