"""OpenTelemetry on the distributed shape: a seller's PATCH, its outbox row, the Kafka producer, and the index
builder consuming from Kafka in another consumer group, all in one trace (issue 11); Redis and PostgreSQL calls are
recorded by their instrumentations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from aisle.adapters.tracing import Tracing
from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.test_tracing import server_span, wait_for_span
from tests.conftest import eventually, opensearch_url, redis_url
from tests.distributed.conftest import create_product, distributed_settings, new_seller, proxy_for


@pytest.fixture
def traced_shape(fresh_database: str) -> Iterator[tuple[TestClient, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    container = bootstrap(distributed_settings(fresh_database, opensearch, redis), Tracing.exporting([processor]))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client, exporter
    processor.shutdown()
    opensearch.close()
    redis.close()


def test_one_trace_spans_the_patch_kafka_and_the_index_update(traced_shape):
    client, exporter = traced_shape
    seller = new_seller(client)
    product_id = create_product(client, seller, "Traced Platypus Kettle", "TPK-1")
    assert client.get(f"/api/v1/products/{product_id}").status_code == 200  # warms the Redis cache
    eventually(lambda: client.get("/api/v1/products/search", params={"q": "platypus"}).json()["total"] == 1)
    exporter.clear()

    patched = client.patch(
        f"/api/v1/seller/products/{product_id}", json={"title": "Traced Platypus Teapot"}, headers=seller
    )
    assert patched.status_code == 200, patched.text

    trace_id = server_span(exporter, "PATCH").context.trace_id
    index_update = wait_for_span(exporter, "aisle.index-builder", trace_id, timeout=60)
    wait_for_span(exporter, "aisle.cache-invalidator", trace_id, timeout=60)
    in_trace = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    producers = [s for s in in_trace if s.kind == SpanKind.PRODUCER]
    assert producers and all("send" in s.name for s in producers), [s.name for s in in_trace]
    systems = {(s.attributes or {}).get("db.system", (s.attributes or {}).get("db.system.name")) for s in in_trace}
    assert {"postgresql", "redis"} <= systems, systems
    assert index_update.parent is not None and index_update.parent.span_id in {s.context.span_id for s in in_trace}
    eventually(lambda: client.get("/api/v1/products/search", params={"q": "teapot"}).json()["total"] == 1)
