"""Every store test runs on SQLite (embedded) and PostgreSQL (distributed) through the same ports."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.cache.redis_cache import RedisCache
from aisle.adapters.sql.engine import make_engine
from aisle.adapters.sql.migrate import upgrade_to_head
from aisle.adapters.sql.schema import metadata
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.ids import SnowflakeIds
from aisle.services.clock import utc_now
from aisle.services.ports import Cache
from tests.conftest import forget_namespace, postgres_url, redis_url


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine]:
    engine = make_engine(postgres_url())  # type: ignore[arg-type]
    with engine.begin() as connection:  # start from nothing, then build the schema the way production does
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'contract.db'}")
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("_postgres_engine")
    tables = ", ".join(t.name for t in metadata.sorted_tables)  # not alembic_version: the schema stays migrated
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine


@pytest.fixture
def ids() -> SnowflakeIds:
    return SnowflakeIds(node_id=1)


@pytest.fixture
def uow(engine: Engine, ids: SnowflakeIds):
    return sql_unit_of_work_factory(engine, ids.next_id, utc_now)


@pytest.fixture
def make_redis_cache() -> Iterator[Callable[[str], RedisCache]]:
    url = redis_url()
    made: list[tuple[RedisCache, str]] = []

    def make(namespace: str) -> RedisCache:
        # A generous timeout: the contract is about behaviour, and a busy CI box can stall a socket for 50 ms.
        cache = RedisCache(url, namespace=namespace, socket_timeout=1.0)
        made.append((cache, namespace))
        return cache

    yield make
    for cache, namespace in made:
        forget_namespace(url, namespace)
        cache.close()


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Cache:
    if request.param == "memory":
        return MemoryCache()
    return request.getfixturevalue("make_redis_cache")(f"test-{uuid.uuid4().hex}")
