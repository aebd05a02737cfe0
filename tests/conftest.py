from __future__ import annotations

import os
from pathlib import Path

import pytest

DEFAULT_SAMPLE_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The real catalogs in ../shared/data (or AISLE_SAMPLE_DATA): skipped on a user's fresh clone, required in CI."""
    path = Path(os.environ.get("AISLE_SAMPLE_DATA", DEFAULT_SAMPLE_DATA))
    if not (path / "bestbuy" / "products.json").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"sample data missing at {path}: CI must have ../shared/data (or set AISLE_SAMPLE_DATA)"
            )
        pytest.skip(f"sample data not found at {path} (set AISLE_SAMPLE_DATA to run this test)")
    return path


def postgres_url() -> str | None:
    """The PostgreSQL server the distributed contract tests use; CI must provide it, a laptop may not."""
    url = os.environ.get("AISLE_TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("AISLE_TEST_DATABASE_URL is not set: CI must run the PostgreSQL contract tests")
    pytest.skip("PostgreSQL not configured (set AISLE_TEST_DATABASE_URL, e.g. after `make services-up`)")


def redis_url() -> str:
    """The Redis server the distributed contract tests use (a non-default DB, e.g. redis://127.0.0.1:6379/15);
    CI must provide it, a laptop may not."""
    url = os.environ.get("AISLE_TEST_REDIS_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("AISLE_TEST_REDIS_URL is not set: CI must run the Redis contract tests")
    pytest.skip("Redis not configured (set AISLE_TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/15 after services-up)")


def opensearch_url() -> str:
    """The OpenSearch node the distributed search contract tests use; CI must provide it, a laptop may not."""
    url = os.environ.get("AISLE_TEST_OPENSEARCH_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("AISLE_TEST_OPENSEARCH_URL is not set: CI must run the OpenSearch contract tests")
    pytest.skip("OpenSearch not configured (set AISLE_TEST_OPENSEARCH_URL=http://127.0.0.1:9200 after services-up)")


def kafka_bootstrap() -> str:
    """The Kafka broker the distributed event-stream contract tests use; CI must provide it, a laptop may not."""
    bootstrap = os.environ.get("AISLE_TEST_KAFKA_BOOTSTRAP")
    if bootstrap:
        return bootstrap
    if os.environ.get("CI") == "true":
        pytest.fail("AISLE_TEST_KAFKA_BOOTSTRAP is not set: CI must run the Kafka contract tests")
    pytest.skip("Kafka not configured (set AISLE_TEST_KAFKA_BOOTSTRAP=127.0.0.1:9092 after services-up)")
