"""Search filters, sorts and counts on what shoppers pay now: the deal price while a deal runs, and follows a deal's
start and end on the clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.api.conftest import SellerClient, wait_for_outbox


def search(client, **params) -> dict:
    response = client.get("/api/v1/products/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def deal(client, seller: SellerClient, product_id: str, starts: datetime, ends: datetime) -> None:
    body = {
        "scope": "PRODUCT",
        "target_id": product_id,
        "kind": "PERCENT",
        "value": 30,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
    }
    created = client.post("/api/v1/pricing/deals", json=body, headers=seller.headers)
    assert created.status_code == 201, created.text


def test_a_running_deal_price_is_what_search_filters_sorts_and_counts(client, seller: SellerClient, container):
    lamp = seller.create(title="Zephyr Lamp", variants=[{"sku": "LAMP-1", "price": 120.00}])
    seller.create(title="Zephyr Lamp Shade", variants=[{"sku": "SHADE-1", "price": 90.00}])
    now = datetime.now(UTC)
    deal(client, seller, lamp["product_id"], now - timedelta(hours=1), now + timedelta(days=1))
    wait_for_outbox(container)
    under = search(client, q="zephyr", price_max=100)
    assert {r["title"] for r in under["results"]} == {"Zephyr Lamp", "Zephyr Lamp Shade"}  # $84 after 30% off
    cheapest_first = search(client, q="zephyr", sort="price_asc")
    assert [r["price"]["amount"] for r in cheapest_first["results"]] == [84.0, 90.0]
    buckets = {(b["min"], b["max"]): b["count"] for b in search(client, q="zephyr")["facets"]["price_ranges"]}
    assert buckets == {(50.0, 99.99): 2}  # $50 - $100: the price_max that chooses it is $99.99


def found_under_100(client) -> int:
    body = search(client, q="zephyr", price_max=100)
    return 0 if body["relaxed"] else body["total"]  # relaxed: the price filter was let go to show something


def eventually(check, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_deals_start_and_end_reach_search_with_no_write(client, seller: SellerClient, container):
    """The deal clock (a background loop) announces both edges; nothing else touches the product."""
    lamp = seller.create(title="Zephyr Lamp", variants=[{"sku": "LAMP-1", "price": 120.00}])
    now = datetime.now(UTC)
    deal(client, seller, lamp["product_id"], now + timedelta(seconds=3), now + timedelta(seconds=8))
    wait_for_outbox(container)
    assert found_under_100(client) == 0  # indexed at $120 when the deal was created: it has not started
    assert eventually(lambda: found_under_100(client) == 1), "the deal's start never reached search"
    assert datetime.now(UTC) >= now + timedelta(seconds=3)
    assert eventually(lambda: found_under_100(client) == 0), "the deal's end never reached search"
    assert datetime.now(UTC) >= now + timedelta(seconds=8)


def test_a_deal_edge_passed_while_no_process_ran_is_announced_at_the_next_start(
    client, seller: SellerClient, container
):
    """The clock's progress is kept in the database: a process started after a long outage announces the edges
    passed during it, not only those of the last few minutes."""
    from aisle.services.pricing import DEAL_EDGE_LOOKBACK, PricingService

    lamp = seller.create(title="Zephyr Lamp", variants=[{"sku": "LAMP-1", "price": 120.00}])
    now = datetime.now(UTC)
    deal(client, seller, lamp["product_id"], now + timedelta(hours=1), now + timedelta(hours=2))

    def process_at(moment: datetime) -> PricingService:
        return PricingService(container.uow, container.ids.next_id, lambda: moment, container.categories)

    assert process_at(now + timedelta(minutes=30)).announce_deal_edges() == 0  # the last pass before the outage
    restarted = now + timedelta(hours=3)
    assert restarted - DEAL_EDGE_LOOKBACK > now + timedelta(hours=2)  # both edges are older than the look back
    assert process_at(restarted).announce_deal_edges() == 1
    assert process_at(restarted + timedelta(seconds=5)).announce_deal_edges() == 0  # announced once


def test_the_deal_clock_writes_its_mark_only_when_an_edge_passed_or_a_minute_went_by(
    client, seller: SellerClient, container
):
    """The clock runs every second: with no deal edge passed it does not write (a write a second would queue
    behind, and hold up, every other writer of a SQLite store), and the next pass looks back to its mark."""
    from aisle.services.pricing import PricingService

    lamp = seller.create(title="Zephyr Lamp", variants=[{"sku": "LAMP-1", "price": 120.00}])
    now = datetime.now(UTC) + timedelta(hours=1)  # after the clock's own passes in this process
    deal(client, seller, lamp["product_id"], now + timedelta(seconds=10), now + timedelta(hours=2))

    def pass_at(moment: datetime) -> tuple[int, datetime | None]:
        announced = PricingService(container.uow, container.ids.next_id, lambda: moment, container.categories)
        found = announced.announce_deal_edges()
        with container.uow() as uow:
            return found, uow.pricing.deal_edges_announced_until()

    assert pass_at(now) == (0, now)  # a mark behind by more than a minute is written
    assert pass_at(now + timedelta(seconds=5)) == (0, now)  # nothing passed: not written
    assert pass_at(now + timedelta(seconds=15)) == (1, now + timedelta(seconds=15))  # the start, looked for since
    assert pass_at(now + timedelta(seconds=16)) == (0, now + timedelta(seconds=15))  # announced once
    assert pass_at(now + timedelta(seconds=80)) == (0, now + timedelta(seconds=80))


def test_a_deal_whose_product_was_deleted_stops_no_other_deal_and_can_still_be_ended(
    client, seller: SellerClient, container
):
    """The deal clock skips the deleted product's deal (nothing to re-index) and still announces the others."""
    lamp = seller.create(title="Zephyr Lamp", variants=[{"sku": "LAMP-1", "price": 120.00}])
    gone = seller.create(title="Nimbus Lamp", variants=[{"sku": "NIMBUS-1", "price": 120.00}])
    now = datetime.now(UTC)
    deal(client, seller, gone["product_id"], now + timedelta(seconds=2), now + timedelta(days=1))
    deal(client, seller, lamp["product_id"], now + timedelta(seconds=2), now + timedelta(days=1))
    assert seller.request("DELETE", f"/products/{gone['product_id']}").status_code == 200
    wait_for_outbox(container)
    assert found_under_100(client) == 0
    assert eventually(lambda: found_under_100(client) == 1), "the other deal's start never reached search"
    [gone_deal] = [
        d
        for d in client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"]
        if d["target_id"] == gone["product_id"]
    ]
    ended = client.delete(f"/api/v1/pricing/deals/{gone_deal['deal_id']}", headers=seller.headers)
    assert ended.status_code == 200, ended.text
