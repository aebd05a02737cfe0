"""Events: written with the change, delivered by the relay, never lost across a crash."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from aisle.bootstrap import bootstrap
from aisle.domain.catalog import ProductContent, ProductStatus, Variant
from aisle.services.clock import utc_now
from aisle.services.outbox_relay import MAX_ATTEMPTS, OutboxRelay, backoff_seconds
from aisle.services.ports import BusUnavailable, OutboxEntry
from tests.api.conftest import make_settings


def content(price: str = "10.00") -> ProductContent:
    return ProductContent(title="Kettle", variants=(Variant("KET-1", Decimal(price)),), status=ProductStatus.ACTIVE)


def test_every_change_reaches_subscribers_in_order(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    received: list[OutboxEntry] = []
    app.bus.subscribe("*", received.append)
    seller = app.sellers.create("Kettles Inc").seller
    product = app.catalog.create_product(seller.seller_id, content())
    app.catalog.replace_product(seller.seller_id, product.product_id, content("12.00"))
    app.reviews.add(product.product_id, 5, "Great", "Boils fast")
    app.catalog.delete_product(seller.seller_id, product.product_id)
    assert app.relay.drain() == 5
    assert [e.name for e in received] == [
        "product.created",
        "product.updated",
        "price.changed",
        "review.added",
        "product.deleted",
    ]
    assert {e.key for e in received} == {product.product_id}
    assert app.relay.drain() == 0  # delivered once
    app.stop()


def _delivered_for_index() -> float:
    return REGISTRY.get_sample_value("aisle_index_events_delivered_total") or 0.0


def test_changes_the_index_must_take_are_counted_once_delivered_and_a_refused_one_is_not(tmp_path: Path):
    """The count beside the index lag's says whether an index builder takes what is delivered (the alert
    AisleIndexBuilderStalled in deploy/prometheus/rules.yml)."""
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    seller = app.sellers.create("Counted").seller
    product = app.catalog.create_product(seller.seller_id, content())
    app.catalog.replace_product(seller.seller_id, product.product_id, content("12.00"))
    before = _delivered_for_index()
    assert app.relay.drain() == 3  # product.created, product.updated, price.changed
    assert _delivered_for_index() - before == 3
    assert app.relay.drain() == 0 and _delivered_for_index() - before == 3  # once

    def refusing(entry: OutboxEntry) -> None:
        raise ValueError("not now")

    app.bus.subscribe("review.added", refusing)
    app.reviews.add(product.product_id, 5, "Great", "Boils fast")
    app.relay.relay_once()
    assert _delivered_for_index() - before == 3  # refused: not delivered, so not counted
    app.stop()


def test_events_committed_before_a_crash_are_delivered_after_restart(tmp_path: Path):
    settings = make_settings(tmp_path, run_background_workers=False)
    before_crash = bootstrap(settings)
    seller = before_crash.sellers.create("Crashy").seller
    product = before_crash.catalog.create_product(seller.seller_id, content())
    before_crash.stop()  # committed, never relayed

    after_restart = bootstrap(settings)
    received: list[OutboxEntry] = []
    after_restart.bus.subscribe("product.created", received.append)
    after_restart.relay.drain()
    assert [e.key for e in received] == [product.product_id]
    after_restart.stop()


def test_a_failing_subscriber_gets_the_event_again(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    attempts: list[int] = []

    def flaky(entry: OutboxEntry) -> None:
        attempts.append(entry.event_id)
        if len(attempts) == 1:
            raise ConnectionError("subscriber down")

    app.bus.subscribe("product.created", flaky)
    seller = app.sellers.create("Flaky").seller
    app.catalog.create_product(seller.seller_id, content())
    app.relay.drain()
    app.relay.drain()
    assert len(attempts) >= 2 and len(set(attempts)) == 1
    with app.uow(readonly=True) as uow:
        assert uow.outbox.pending_count() == 0
    app.stop()


def test_a_poison_event_is_parked_and_stops_blocking_the_rest(tmp_path: Path):
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))
    delivered: list[str] = []

    def picky(entry: OutboxEntry) -> None:
        if entry.name == "product.created":
            raise ValueError("cannot handle this one")
        delivered.append(entry.name)

    app.bus.subscribe("*", picky)
    seller = app.sellers.create("Poison").seller
    product = app.catalog.create_product(seller.seller_id, content())
    app.reviews.add(product.product_id, 4, "", "fine")
    clock = iter(utc_now() + timedelta(hours=n) for n in range(1000))  # every retry finds its backoff over
    relay = OutboxRelay(app.uow, app.bus, lambda: next(clock))
    relay.relay_once()
    assert delivered == []  # the first event failed: the one after it waits, to keep order
    for _ in range(MAX_ATTEMPTS):
        relay.relay_once()
    assert delivered == ["review.added"]
    with app.uow(readonly=True) as uow:
        assert uow.outbox.pending_count() == 0
    assert relay.parked() == 1
    app.stop()


def test_failures_back_off_exponentially_up_to_five_minutes():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff_seconds(30) == 300.0


class _ClaimsCounted:
    """The real unit of work, counting the outbox rows it claims."""

    def __init__(self, uow_factory, claims: list[int]) -> None:
        self._uow_factory, self._claims = uow_factory, claims

    def __call__(self, *args, **kwargs):
        return _Counting(self._uow_factory(*args, **kwargs), self._claims)


class _Counting:
    def __init__(self, real, claims: list[int]) -> None:
        self._real, self._claims = real, claims

    def __enter__(self):
        uow = self._real.__enter__()
        claim = uow.outbox.claim_pending

        def counted(*args, **kwargs):
            entries = claim(*args, **kwargs)
            self._claims.append(len(entries))
            return entries

        uow.outbox.claim_pending = counted
        return uow

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)


def test_a_relay_that_found_the_bus_down_claims_no_rows_until_the_bus_answers(tmp_path: Path):
    """A relay that cannot reach the bus (down, or a wrong address in this one process) would hold rows it claims
    locked while it waits, keeping them from the relays that can: after one failure it looks at the bus first."""
    app = bootstrap(make_settings(tmp_path, run_background_workers=False))

    class FlakyBus:
        down, checks = True, 0

        def check(self) -> None:
            self.checks += 1
            if self.down:
                raise BusUnavailable("brokers unreachable")

        def publish(self, entries) -> None:
            if self.down:
                raise BusUnavailable("brokers unreachable")
            app.bus.publish(entries)

    seller = app.sellers.create("Down").seller
    app.catalog.create_product(seller.seller_id, content())
    claims: list[int] = []
    bus = FlakyBus()
    relay = OutboxRelay(_ClaimsCounted(app.uow, claims), bus, utc_now, exclusive_claims=True)
    for _ in range(3):
        with pytest.raises(BusUnavailable):
            relay.relay_once()
    assert len(claims) == 1 and bus.checks == 2  # one claim, then only looks at the bus
    bus.down = False
    assert relay.relay_once() >= 1 and len(claims) == 2
    with app.uow(readonly=True) as uow:
        assert uow.outbox.pending_count() == 0
    app.stop()
