"""/readyz on the distributed shape sees the index builders too: the outbox hands events to Kafka, so with every
index builder stopped it used to answer ready (nothing pending in the outbox) while no new product was searchable."""

from __future__ import annotations

from fastapi.testclient import TestClient

from aisle.bootstrap import INDEX_BUILDER, bootstrap, worker_loops
from aisle.entrypoints.api.app import create_app
from tests.conftest import eventually, opensearch_url, redis_url
from tests.distributed.conftest import create_product, distributed_settings, new_seller, proxy_for, search_total

PRODUCTS = 4
READY = {"status": "ready", "profile": "distributed"}


def test_readyz_says_indexing_while_the_index_builders_stand_still_and_ready_once_they_caught_up(
    fresh_database: str,
):
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    settings = distributed_settings(
        fresh_database, opensearch, redis, with_workers=False, ready_max_index_lag_seconds=1
    )
    container = bootstrap(settings)
    [relay] = worker_loops(container, ("relay",))
    [builder] = worker_loops(container, (INDEX_BUILDER,))
    relay.start()
    builder.start()
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            seller = new_seller(client)
            create_product(client, seller, "Bilby Standing Lamp 0", "BSL-0")
            eventually(lambda: search_total(client, "bilby lamp")["total"] == 1, what="the first product indexed")
            builder.stop()  # every index builder stops; the relay goes on handing events to Kafka
            for n in range(1, PRODUCTS):
                create_product(client, seller, f"Bilby Standing Lamp {n}", f"BSL-{n}")

            def delivered() -> bool:
                with container.uow(readonly=True) as uow:
                    return uow.outbox.pending_count() == 0

            eventually(delivered, what="the relay handed every event to Kafka")

            def indexing() -> bool:
                answer = client.get("/readyz")
                return answer.status_code == 503 and answer.json()["status"] == "indexing"

            eventually(indexing, what="readyz saying indexing")
            body = client.get("/readyz").json()
            assert (body["indexed"], body["total"]) == (1, PRODUCTS)
            assert body["events_waiting"] >= PRODUCTS - 1

            [builder] = worker_loops(container, (INDEX_BUILDER,))
            builder.start()
            eventually(lambda: search_total(client, "bilby lamp")["total"] == PRODUCTS, what="every product indexed")
            eventually(lambda: client.get("/readyz").json() == READY, what="readyz ready, nothing behind")
    finally:
        builder.stop()
        relay.stop()
        opensearch.close()
        redis.close()
