"""The one registry of event handlers, as the in-process bus reads it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aisle.adapters.bus.inprocess import InProcessBus
from aisle.domain import events as ev
from aisle.services.handlers import EventHandlers, Handler, index_switched, register_handlers
from aisle.services.ports import OutboxEntry

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def entry(name: str, key: int) -> OutboxEntry:
    return OutboxEntry(key * 10, name, key, {}, NOW, 0)


class IndexBuilderSpy:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, int]]] = []

    def handle(self, entries: list[OutboxEntry]) -> None:
        self.batches.append([(e.name, e.key) for e in entries])


@pytest.fixture
def wired() -> dict[str, Any]:
    handlers, index_builder, forgotten, wakes, rendered = EventHandlers(), IndexBuilderSpy(), [], [], []
    register_handlers(handlers, index_builder, [forgotten.extend], lambda: wakes.append(1), rendered.extend)
    return {
        "handlers": handlers,
        "index_builder": index_builder,
        "forgotten": forgotten,
        "wakes": wakes,
        "rendered": rendered,
    }


def test_one_place_tells_who_reacts_to_an_event(wired):
    handlers: EventHandlers = wired["handlers"]
    assert [h.name for h in handlers.for_event(ev.PRODUCT_UPDATED)] == [
        "own-writes",
        "relay-wakeup",
        "index-builder",
        "cache-invalidator",
    ]
    assert [h.name for h in handlers.for_event(ev.INVENTORY_CHANGED)] == ["index-builder", "cache-invalidator"]
    assert [h.name for h in handlers.for_event(ev.INDEX_REBUILD)] == ["index-builder"]
    assert [h.name for h in handlers.for_event(ev.IMAGE_UPLOADED)] == ["relay-wakeup", "image-worker"]


def test_an_uploaded_image_reaches_the_image_worker_alone(wired):
    InProcessBus(wired["handlers"]).publish([entry(ev.IMAGE_UPLOADED, 7), entry(ev.PRODUCT_UPDATED, 8)])
    assert [(e.name, e.key) for e in wired["rendered"]] == [(ev.IMAGE_UPLOADED, 7)]
    assert wired["index_builder"].batches == [[(ev.PRODUCT_UPDATED, 8)]]  # the upload itself changes no card


def test_the_bus_hands_each_delivered_handler_the_events_it_wants_in_one_batch(wired):
    bus = InProcessBus(wired["handlers"])
    bus.publish([entry(ev.PRODUCT_UPDATED, 1), entry("seller.renamed", 2), entry(ev.INVENTORY_CHANGED, 3)])
    assert wired["index_builder"].batches == [[(ev.PRODUCT_UPDATED, 1), (ev.INVENTORY_CHANGED, 3)]]
    assert wired["forgotten"] == [1, 3]
    assert wired["wakes"] == []  # waking the relay is for the writer's commit, not for delivery


def test_a_commit_drops_the_writers_cached_views_and_wakes_the_relay(wired):
    wired["handlers"].handle_committed([entry(ev.PRICE_CHANGED, 4), entry(ev.INVENTORY_CHANGED, 5)])
    assert wired["forgotten"] == [4]  # stock changes wait for delivery, as before
    assert wired["wakes"] == [1]
    assert wired["index_builder"].batches == []


def test_a_failing_committed_handler_never_fails_the_commit_that_already_happened():
    handlers = EventHandlers()

    def broken(_entries: list[OutboxEntry]) -> None:
        raise RuntimeError("cache down")

    handlers.committed.append(Handler("broken", frozenset({ev.PRODUCT_UPDATED}), broken))
    handlers.handle_committed([entry(ev.PRODUCT_UPDATED, 1)])  # logged, not raised


def test_a_failing_delivered_handler_fails_the_delivery_so_the_relay_retries():
    handlers = EventHandlers()

    def broken(_entries: list[OutboxEntry]) -> None:
        raise RuntimeError("engine down")

    handlers.delivered.append(Handler("broken", frozenset({ev.PRODUCT_UPDATED}), broken))
    with pytest.raises(RuntimeError):
        InProcessBus(handlers).publish([entry(ev.PRODUCT_UPDATED, 1)])


def test_an_index_switch_reaches_the_index_builder_as_a_rebuild_event(wired):
    since = datetime(2026, 1, 4, tzinfo=UTC)
    wired["handlers"].handle_delivered([index_switched(since, NOW)])
    assert wired["index_builder"].batches == [[(ev.INDEX_REBUILD, 0)]]
