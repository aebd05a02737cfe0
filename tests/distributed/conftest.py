"""The distributed profile end to end: PostgreSQL, OpenSearch, Redis and Kafka for real, OpenSearch and Redis
reached through proxies a test can cut."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.migrate import upgrade_to_head
from aisle.adapters.sql.schema import metadata
from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.settings import Settings
from tests.conftest import OPENSEARCH_TEST_PREFIX, kafka_bootstrap, opensearch_url, postgres_url, redis_url
from tests.support.proxy import CuttableProxy

TOKEN = "distributed-test-token"


@dataclass
class Shape:
    client: TestClient
    container: Container
    opensearch: CuttableProxy
    redis: CuttableProxy
    settings: Settings


def proxy_for(url: str) -> CuttableProxy:
    parts = urlsplit(url if "://" in url else f"tcp://{url}")
    return CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 0)


@pytest.fixture
def fresh_database() -> str:
    url = postgres_url()
    assert url is not None
    engine = make_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables) + " CASCADE"))
    engine.dispose()
    return url


def distributed_settings(database: str, opensearch: CuttableProxy, redis: CuttableProxy, **overrides) -> Settings:
    run = uuid.uuid4().hex[:10]
    values = {
        "profile": "distributed",
        "database_url": database,
        "opensearch_url": f"http://{opensearch.address}",
        "search_index": f"{OPENSEARCH_TEST_PREFIX}-{run}",
        "redis_url": f"redis://{redis.address}/{urlsplit(redis_url()).path.strip('/') or 15}",
        "kafka_bootstrap": kafka_bootstrap(),
        "topic_prefix": f"test.{run}.",
        "internal_token": TOKEN,
        "with_workers": True,
        "vocabulary_refresh_seconds": 0.5,
        "blob_store": "disk",  # tests/distributed/test_images.py runs the distributed shape with S3
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def shape(fresh_database: str) -> Iterator[Shape]:
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    settings = distributed_settings(fresh_database, opensearch, redis)
    container = bootstrap(settings)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Shape(client, container, opensearch, redis, settings)
    opensearch.close()
    redis.close()


def new_seller(client: TestClient, name: str = "Distributed Seller") -> dict[str, str]:
    created = client.post("/api/v1/sellers", json={"name": name}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['api_key']}"}


def create_product(client: TestClient, headers: dict[str, str], title: str, sku: str) -> str:
    body = {"title": title, "status": "ACTIVE", "brand": "Acme", "variants": [{"sku": sku, "price": 25.0}]}
    created = client.post("/api/v1/seller/products", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["product_id"]


def search_total(client: TestClient, q: str) -> dict:
    response = client.get("/api/v1/products/search", params={"q": q})
    assert response.status_code == 200, response.text
    return response.json()
