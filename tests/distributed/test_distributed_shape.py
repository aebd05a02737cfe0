"""Failure behaviour of the distributed shape, each with the dependency really unreachable."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from aisle.bootstrap import Container, bootstrap, worker_loops
from aisle.domain.catalog import ProductContent, ProductStatus, Variant
from aisle.entrypoints.api.app import create_app
from aisle.services.clock import utc_now
from aisle.services.ports import BusUnavailable
from aisle.services.search.index_rebuild import EmptyIndexRepair
from aisle.services.search.params import SearchParams
from tests.conftest import eventually, opensearch_url, redis_url
from tests.distributed.conftest import (
    Shape,
    create_product,
    distributed_settings,
    new_seller,
    proxy_for,
    search_total,
)


def test_a_write_becomes_searchable_through_kafka_and_opensearch(shape: Shape):
    seller = new_seller(shape.client)
    product_id = create_product(shape.client, seller, "Quokka Espresso Grinder", "QEG-1")

    def served_by_the_index() -> bool:
        body = search_total(shape.client, "quokka grinder")
        return body["total"] == 1 and "degraded" not in body  # the database fallback would also find it

    eventually(served_by_the_index, what="indexing through Kafka")
    body = search_total(shape.client, "quokka grinder")
    assert body["results"][0]["product_id"] == product_id
    assert body["facets"]["brands"] == [{"name": "Acme", "count": 1, "selected": False}]  # the seed's facet shape
    assert shape.client.get(f"/api/v1/products/{product_id}").json()["title"] == "Quokka Espresso Grinder"


def test_a_new_brand_is_read_as_a_brand_soon_after_it_is_searchable(shape: Shape):
    # the index builder runs in other processes: the API learns of new words from the outbox, not from indexing
    seller = new_seller(shape.client)
    variants = [{"sku": "ZB-1", "price": 30.0}]
    body = {"title": "Glimmerfoo Desk Lamp", "status": "ACTIVE", "brand": "Zumbrand", "variants": variants}
    assert shape.client.post("/api/v1/seller/products", json=body, headers=seller).status_code == 201
    eventually(lambda: search_total(shape.client, "glimmerfoo lamp")["total"] == 1, what="indexing through Kafka")

    def read_as_brand() -> bool:
        return search_total(shape.client, "zumbrand lamp")["query"]["filters"]["brand"] == ["Zumbrand"]

    eventually(read_as_brand, timeout=15.0, what="the brand learned (vocabulary_refresh_seconds is 0.5)")


def test_an_opensearch_index_deleted_under_a_running_shape_is_rebuilt(shape: Shape):
    """A cluster restored without its data: /readyz says indexing, then the rebuild brings every product back."""
    seller = new_seller(shape.client)
    create_product(shape.client, seller, "Numbat Lantern", "NL-1")
    eventually(lambda: search_total(shape.client, "numbat")["total"] == 1, what="first indexing")
    eventually(lambda: shape.client.get("/readyz").status_code == 200, what="the outbox delivered")

    cluster = OpenSearch(opensearch_url())
    cluster.indices.delete(index=",".join(cluster.indices.get_alias(name=shape.settings.search_index)))
    cluster.close()
    assert shape.client.get("/readyz").json() == {"status": "indexing", "indexed": 0, "total": 1, "events_waiting": 0}
    app = shape.container
    lock = app.rebuild_lock()
    EmptyIndexRepair(app.uow, app.search_engine, app.index_builder, utc_now, lock, app.announce_rebuild).repair_once()

    assert search_total(shape.client, "numbat lantern")["total"] == 1
    assert shape.client.get("/readyz").status_code == 200


def test_opensearch_down_search_browses_the_database_then_the_index_catches_up(shape: Shape):
    seller = new_seller(shape.client)
    create_product(shape.client, seller, "Wombat Kettle", "WK-1")
    eventually(lambda: search_total(shape.client, "wombat")["total"] == 1, what="first indexing")

    shape.opensearch.cut()
    degraded = search_total(shape.client, "wombat kettle")
    assert degraded["degraded"]["served_by"] == "catalog database"
    assert [r["title"] for r in degraded["results"]] == ["Wombat Kettle"]
    for _ in range(3):
        search_total(shape.client, "wombat")
    assert shape.container.search_engine.state == "open"  # failing fast: no request waits on a dead engine
    typed = shape.client.get("/api/v1/products/autocomplete", params={"q": "wom"})
    assert typed.status_code == 200 and typed.json()["suggestions"] == []
    late = create_product(shape.client, seller, "Wombat Teapot", "WT-1")  # written while the index is away
    assert shape.client.get(f"/api/v1/products/{late}").status_code == 200

    shape.opensearch.restore()
    eventually(lambda: "degraded" not in search_total(shape.client, "teapot"), what="the breaker closing")

    def teapot_found() -> bool:
        """First, and matching both words: before it is indexed, relaxation answers with the kettle alone, and
        once it is, the kettle follows it as a near match."""
        body = search_total(shape.client, "wombat teapot")
        return bool(body["results"]) and body["results"][0]["title"] == "Wombat Teapot" and body["relaxed"] is None

    eventually(teapot_found, what="the index catching up")


def test_redis_down_pages_come_from_the_database(shape: Shape):
    seller = new_seller(shape.client)
    product_id = create_product(shape.client, seller, "Numbat Lamp", "NL-1")
    assert shape.client.get(f"/api/v1/products/{product_id}").status_code == 200
    shape.redis.cut()
    for _ in range(8):  # past the breaker's threshold: later reads do not even try Redis
        page = shape.client.get(f"/api/v1/products/{product_id}")
        assert page.status_code == 200 and page.json()["title"] == "Numbat Lamp"
    assert shape.container.cache.state.value == "open"
    shape.redis.restore()
    assert shape.client.get(f"/api/v1/products/{product_id}").status_code == 200


def test_a_process_started_while_opensearch_is_down_answers_from_the_database_then_from_the_index(
    fresh_database: str,
):
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    opensearch.cut()
    container = bootstrap(distributed_settings(fresh_database, opensearch, redis))
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            seller = new_seller(client)
            create_product(client, seller, "Echidna Egg Timer", "EET-1")
            degraded = search_total(client, "echidna timer")  # no vocabulary learned yet: answered all the same
            assert degraded["degraded"]["served_by"] == "catalog database"
            assert [r["title"] for r in degraded["results"]] == ["Echidna Egg Timer"]

            opensearch.restore()

            def from_the_index() -> bool:
                body = search_total(client, "echidna egg timr")  # the typo is corrected once words are learned
                return "degraded" not in body and body["query"]["corrected"] == "echidna egg timer"

            eventually(from_the_index, what="indexed, and the words learned, once OpenSearch is back")
    finally:
        opensearch.close()
        redis.close()


def test_kafka_down_writes_succeed_and_everything_arrives_once_when_it_returns(fresh_database: str):
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    dead_kafka = distributed_settings(fresh_database, opensearch, redis, kafka_bootstrap="127.0.0.1:1")
    writer = bootstrap(dead_kafka)
    try:
        seller = writer.sellers.create("Offline Seller").seller
        content = ProductContent("Bilby Bread Bin", (Variant("BBB-1", Decimal(30)),), status=ProductStatus.ACTIVE)
        product = writer.catalog.create_product(seller.seller_id, content)
        with pytest.raises(BusUnavailable):  # Kafka unreachable: nothing delivered, nothing lost, none blamed
            writer.relay.relay_once()
        with writer.uow(readonly=True) as uow:
            assert uow.outbox.pending_count() >= 1
            assert {e.attempts for e in uow.outbox.claim_pending(100, utc_now())} == {0}
    finally:
        writer.stop()

    live = distributed_settings(
        fresh_database, opensearch, redis, search_index=dead_kafka.search_index, topic_prefix=dead_kafka.topic_prefix
    )
    reader = bootstrap(live)
    reader.start_background()  # relay, index builder, cache invalidator, expirer
    try:
        eventually(lambda: reader.search.search(SearchParams(q="bilby bread bin")).total == 1, what="delivery")
        results = reader.search.search(SearchParams(q="bilby")).cards
        assert [r.product_id for r in results] == [product.product_id]  # once, not duplicated
        with reader.uow(readonly=True) as uow:
            assert uow.outbox.pending_count() == 0
    finally:
        reader.stop()
        opensearch.close()
        redis.close()


@contextmanager
def three_products_created_without_workers(
    fresh_database: str, title: str, **overrides: object
) -> Iterator[tuple[Container, TestClient]]:
    """The API alone (no relay, no index builder), readiness allowing 0.5 s of lag, and three products written."""
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    settings = distributed_settings(
        fresh_database, opensearch, redis, with_workers=False, ready_max_index_lag_seconds=0.5, **overrides
    )
    app = bootstrap(settings)
    try:
        with TestClient(create_app(app), raise_server_exceptions=False) as client:
            seller = new_seller(client)
            for n in range(3):
                create_product(client, seller, f"{title} {n}", f"{title[:2].upper()}-{n}")
            yield app, client
    finally:
        app.stop()
        opensearch.close()
        redis.close()


def test_readiness_stays_ready_saying_how_far_behind_while_kafka_cannot_be_reached(fresh_database: str):
    """Kafka down: writes go on (their events wait in the outbox) and what they change cannot reach the index
    until it is back. Every API process answering 503 "indexing" for that would take the fleet out of its
    balancer while searches still work: ready, saying how far behind (it was 503 once new products piled up)."""
    with socket.socket() as probe:  # a port no broker listens on
        probe.bind(("127.0.0.1", 0))
        no_broker = f"127.0.0.1:{probe.getsockname()[1]}"
    with three_products_created_without_workers(fresh_database, "Bilby Lantern", kafka_bootstrap=no_broker) as made:
        client = made[1]

        def behind() -> bool:
            answer = client.get("/readyz")
            return answer.status_code == 200 and answer.json().get("index_behind", {}).get("seconds", 0) > 0.5

        eventually(behind, what="ready, saying the index is behind")
        assert client.get("/readyz").json()["index_behind"]["events_waiting"] >= 3


def test_readiness_waits_for_the_index_builder_not_only_for_the_relay(fresh_database: str):
    """Events relayed to Kafka that no index builder has taken are changes not yet searchable: /readyz answers
    503 "indexing" once they are older than the lag allowed, and 200 once a builder has indexed them."""
    with three_products_created_without_workers(fresh_database, "Quoll Blanket") as (app, client):
        while app.relay.relay_once():  # relayed: the outbox is empty, Kafka holds them, nothing indexes them
            pass
        # every product event waits (the seller's and stock events are not the index builder's)
        indexing = {"status": "indexing", "indexed": 0, "total": 3, "events_waiting": 3}
        eventually(lambda: client.get("/readyz").json() == indexing, what="the builder's backlog seen")
        assert client.get("/readyz").status_code == 503

        builder = worker_loops(app, ("index-builder",))
        for loop in builder:
            loop.start()
        try:
            eventually(lambda: client.get("/readyz").status_code == 200, what="the builder caught up")
            assert search_total(client, "quoll blanket")["total"] == 3
        finally:
            for loop in builder:
                loop.stop()
