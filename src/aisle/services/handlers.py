"""Who reacts to which event: the one registry, read alike by the in-process bus and the Kafka consumers.

An event reaches its handlers at two moments:

* **committed**: at once, in the process that made the change, right after its unit of work committed, so a seller
  sees their own write without waiting for the relay (drop this process's cached page, wake the relay).
* **delivered**: after the outbox relay published it, in every process. The embedded bus calls these handlers in
  the relay's thread; in the distributed shape each one is a Kafka consumer group named after it.

To react to a new event, or to an old one in a new way, add a ``Handler`` in ``register_handlers`` below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from aisle.domain import events as ev
from aisle.services.ports import OutboxEntry
from aisle.services.search.index_builder import INDEXED_EVENTS, IndexBuilder

log = logging.getLogger(__name__)

INDEX_BUILDER = "index-builder"  # its consumer group is the one readiness watches (distributed)
BatchHandler = Callable[[list[OutboxEntry]], None]

# What a cached product page or card shows.
CACHE_EVENTS = frozenset(
    {
        ev.PRODUCT_CREATED,
        ev.PRODUCT_UPDATED,
        ev.PRODUCT_DELETED,
        ev.PRICE_CHANGED,
        ev.REVIEW_ADDED,
        ev.INVENTORY_CHANGED,
    }
)
# A seller's or shopper's own writes: their process drops its cached views of the product at once. Stock changes
# are not among them: reserving is the hot path (thousands a second on one product), and a page shows a new stock
# level when the relay delivers the change, about 0.2 s later, as every other process does.
OWN_WRITE_EVENTS = frozenset({ev.PRODUCT_UPDATED, ev.PRODUCT_DELETED, ev.PRICE_CHANGED, ev.REVIEW_ADDED})


@dataclass(frozen=True)
class Handler:
    name: str  # in the distributed shape the consumer group is "aisle-<name>"
    events: frozenset[str]
    handle: BatchHandler  # gets the events it wants from each batch, in order, at once (e.g. to index them together)

    def wanted(self, entries: Iterable[OutboxEntry]) -> list[OutboxEntry]:
        return [e for e in entries if e.name in self.events]


class EventHandlers:
    def __init__(self) -> None:
        self.committed: list[Handler] = []
        self.delivered: list[Handler] = []

    def for_event(self, name: str) -> list[Handler]:
        """Every handler of the event, committed ones first."""
        return [h for h in (*self.committed, *self.delivered) if name in h.events]

    def handle_committed(self, entries: Sequence[OutboxEntry]) -> None:
        """Never raises: the change is committed already, and the delivered handlers will do the same work."""
        try:
            _dispatch(self.committed, entries)
        except Exception:
            log.exception("a committed-event handler failed; the delivered handlers will catch up")

    def handle_delivered(self, entries: Sequence[OutboxEntry]) -> None:
        """Raises when a handler does: the relay then retries the batch (handlers are idempotent)."""
        _dispatch(self.delivered, entries)


def _dispatch(handlers: Iterable[Handler], entries: Sequence[OutboxEntry]) -> None:
    for handler in handlers:
        if wanted := handler.wanted(entries):
            handler.handle(wanted)


def register_handlers(
    handlers: EventHandlers,
    index_builder: IndexBuilder,
    forget_views: Sequence[Callable[[Sequence[int]], None]],
    wake_relay: Callable[[], None],
    render_images: BatchHandler,
) -> None:
    """The whole table of reactions; ``bootstrap`` calls it once, before any event flows. ``forget_views`` drop
    one product's cached views (its page, its card). ``render_images`` makes the thumbnails of uploaded images
    (embedded it only wakes the in-process image loop: rendering would hold up the relay's thread)."""

    def forget(entries: list[OutboxEntry]) -> None:
        changed = list(dict.fromkeys(entry.key for entry in entries))  # all at once: a deal changes thousands
        for forget_view in forget_views:
            forget_view(changed)

    handlers.committed += [
        Handler("own-writes", OWN_WRITE_EVENTS, forget),
        Handler("relay-wakeup", OWN_WRITE_EVENTS | {ev.PRODUCT_CREATED, ev.IMAGE_UPLOADED}, lambda _e: wake_relay()),
    ]
    handlers.delivered += [
        Handler(INDEX_BUILDER, frozenset({*INDEXED_EVENTS, ev.INDEX_REBUILD}), index_builder.handle),
        Handler("cache-invalidator", CACHE_EVENTS, forget),
        Handler("image-worker", frozenset({ev.IMAGE_UPLOADED}), render_images),
    ]


def index_switched(since: datetime, now: datetime) -> OutboxEntry:
    """The notice a serving process gives itself when another one switched the search index: like the
    index.rebuild event of the distributed shape, it makes the index builder re-sync what changed since."""
    return OutboxEntry(0, ev.INDEX_REBUILD, 0, {"built_from": since.isoformat()}, now, 0)
