from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import fastapi.dependencies.models
import pytest
import redis

DEFAULT_SAMPLE_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CLUSTER_TESTS = Path(__file__).resolve().parent / "cluster"
# Every OpenSearch index this test session makes starts with this, so that the session can delete them when it ends
# without touching the indexes of other sessions running against the same server.
OPENSEARCH_TEST_PREFIX = f"aisle-test-{uuid.uuid4().hex[:6]}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/cluster needs `make cluster-up` (it kills nodes): collected only when named (`make test-cluster`)."""
    if collection_path != CLUSTER_TESTS:
        return None
    named = (Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in config.args)
    return not any(path == CLUSTER_TESTS or CLUSTER_TESTS in path.parents for path in named)


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The real catalogs in ../shared/data (or AISLE_SAMPLE_DATA): skipped on a user's fresh clone, required in CI."""
    path = Path(os.environ.get("AISLE_SAMPLE_DATA", DEFAULT_SAMPLE_DATA))
    if not (path / "bestbuy" / "products.json").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"sample data missing at {path}: CI must have ../shared/data (or set AISLE_SAMPLE_DATA)")
        pytest.skip(f"sample data not found at {path} (set AISLE_SAMPLE_DATA to run this test)")
    return path


def required_service(variable: str, service: str, example: str) -> str:
    """The address of a real server for the distributed tests: CI must provide it (fail), a laptop may not (skip)."""
    address = os.environ.get(variable)
    if address:
        return address
    if os.environ.get("CI") == "true":
        pytest.fail(f"{variable} is not set: CI must run the {service} contract tests")
    pytest.skip(f"{service} not configured (set {variable}, e.g. {example} after `make services-up`)")


def postgres_url() -> str:
    return required_service(
        "AISLE_TEST_DATABASE_URL", "PostgreSQL", "postgresql+psycopg://aisle:aisle@127.0.0.1:5432/aisle_test"
    )


def redis_url() -> str:
    """A non-default database, e.g. redis://127.0.0.1:6379/15: tests flush only their own keys."""
    return required_service("AISLE_TEST_REDIS_URL", "Redis", "redis://127.0.0.1:6379/15")


def opensearch_url() -> str:
    return required_service("AISLE_TEST_OPENSEARCH_URL", "OpenSearch", "http://127.0.0.1:9200")


def s3_url() -> str:
    """An S3-compatible endpoint with its credentials, e.g. the S3Proxy `make services-up` starts."""
    return required_service("AISLE_TEST_S3_URL", "S3", "http://aisle:aisle-local-secret@127.0.0.1:9000")


def kafka_bootstrap() -> str:
    return required_service("AISLE_TEST_KAFKA_BOOTSTRAP", "Kafka", "127.0.0.1:9092")


def opensearch_test_alias() -> str:
    """A fresh alias for one test; the session deletes it and its indexes at the end."""
    return f"{OPENSEARCH_TEST_PREFIX}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """No root handler a test added outlives it, and the root level is put back: a CLI command run in-process
    sets logging up on the test runner's stream, and a later test's background thread logging to it once closed
    printed "--- Logging error ---" tracebacks. (pytest's own capture handlers come and go with each phase.)"""
    root = logging.getLogger()
    handlers, level = set(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _no_app_outlives_its_test() -> Iterator[None]:
    """FastAPI keeps up to 4,096 endpoints per process in caches of its own, and each endpoint holds its app and
    so its container (index, vocabulary, database): one process making an app per test kept ~40 of them alive, a
    heap of 2.3 GB that made every full garbage collection slow and the interpreter's exit take 100 s."""
    yield
    for name in ("_is_gen_callable_cached", "_is_async_gen_callable_cached", "_is_coroutine_callable_cached"):
        cached = getattr(fastapi.dependencies.models, name, None)
        if cached is not None:
            cached.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _drop_this_sessions_opensearch_indexes() -> Iterator[None]:
    yield
    address = os.environ.get("AISLE_TEST_OPENSEARCH_URL")
    if not address:
        return
    from opensearchpy import OpenSearch

    client = OpenSearch(address.split(","))
    names = list(client.indices.get(index=f"{OPENSEARCH_TEST_PREFIX}-*", ignore=[404]).keys())
    for start in range(0, len(names), 50):  # names, not a wildcard: a cluster may require names for deletes
        client.indices.delete(index=",".join(names[start : start + 50]), ignore=[404])
    client.close()


def forget_namespace(url: str, namespace: str) -> None:
    """Deletes only this namespace's keys: the test DB may be shared with other runs."""
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{namespace}:*", count=500):
            client.delete(key)
    finally:
        client.close()


def eventually(check: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    """Polls ``check`` until it holds; the bound is generous because a 2-core CI machine may be busy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")
