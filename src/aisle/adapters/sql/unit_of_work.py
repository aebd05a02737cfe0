"""A unit of work is one database transaction; repositories share its connection, so a commit is all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from aisle.adapters.sql.categories import SqlCategoryRepository
from aisle.adapters.sql.engine import READONLY
from aisle.adapters.sql.images import SqlImageRepository
from aisle.adapters.sql.inventory import SqlInventoryRepository
from aisle.adapters.sql.jobs import SqlBulkJobRepository
from aisle.adapters.sql.outbox import SqlOutbox
from aisle.adapters.sql.pricing import SqlPricingRepository
from aisle.adapters.sql.products import SqlProductRepository
from aisle.adapters.sql.reviews import SqlReviewRepository
from aisle.adapters.sql.sellers import SqlSellerRepository


class SqlUnitOfWork:
    def __init__(
        self, engine: Engine, new_id: Callable[[], int], now: Callable[[], datetime], readonly: bool = False
    ) -> None:
        self._engine = engine
        self._new_id = new_id
        self._now = now
        self._readonly = readonly
        self._connection: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self._engine.connect()
        if self._readonly:
            connection = connection.execution_options(**{READONLY: True})
        connection.begin()
        self._connection = connection
        self.outbox = SqlOutbox(connection, self._new_id)
        self.products = SqlProductRepository(connection, self.outbox, self._now)
        self.sellers = SqlSellerRepository(connection, self._now)
        self.categories = SqlCategoryRepository(connection)
        self.reviews = SqlReviewRepository(connection, self.outbox)
        self.jobs = SqlBulkJobRepository(connection)
        self.inventory = SqlInventoryRepository(connection)
        self.pricing = SqlPricingRepository(connection)
        self.images = SqlImageRepository(connection)
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._connection is not None
        try:
            if self._connection.in_transaction():
                self._connection.rollback()  # anything not committed explicitly is undone
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()

    def rollback(self) -> None:
        assert self._connection is not None
        self._connection.rollback()


def sql_unit_of_work_factory(
    engine: Engine, new_id: Callable[[], int], now: Callable[[], datetime]
) -> Callable[..., SqlUnitOfWork]:
    def make(readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, new_id, now, readonly)

    return make
