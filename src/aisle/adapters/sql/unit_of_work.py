"""A unit of work is one database transaction; repositories share its connection, so a commit is all or nothing.

It collects the events recorded by the products it loaded or added (and those a service recorded on it) and writes
them to the outbox at commit, in the same transaction as the change they describe."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

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
from aisle.domain.events import Event
from aisle.services.commits import request_commits
from aisle.services.ports import CommitInDoubt, ConnectionLost, DatabaseUnavailable, OutboxEntry

CommittedHandler = Callable[[list[OutboxEntry]], None]


def _ignore(_entries: list[OutboxEntry]) -> None:
    return None


class SqlUnitOfWork:
    def __init__(
        self,
        engine: Engine,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        readonly: bool = False,
        on_committed: CommittedHandler = _ignore,
    ) -> None:
        """``on_committed`` hears the events of each commit, after it (``EventHandlers.handle_committed``)."""
        self._engine = engine
        self._new_id = new_id
        self._now = now
        self._readonly = readonly
        self._on_committed = on_committed
        self._connection: Connection | None = None
        self._recorded: list[Event] = []

    def __enter__(self) -> SqlUnitOfWork:
        try:
            connection = self._engine.connect()
        except PoolTimeout as error:  # every pooled connection stayed busy past the pool's wait
            raise DatabaseUnavailable(f"no database connection came free: {error}") from error
        if self._readonly:
            connection = connection.execution_options(**{READONLY: True})
        try:
            connection.begin()
        except BaseException:  # the write lock not had, the connection lost: back to the pool, not leaked
            connection.close()
            raise
        self._connection = connection
        self.outbox = SqlOutbox(connection, self._new_id)
        self.products = SqlProductRepository(connection)
        self.sellers = SqlSellerRepository(connection, self._now)
        self.categories = SqlCategoryRepository(connection)
        self.reviews = SqlReviewRepository(connection)
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

    def record(self, events: Iterable[Event]) -> None:
        """Events no loaded product records (a deal's price changes, stock changes, reviews): written at commit."""
        self._recorded.extend(events)

    def commit(self) -> None:
        assert self._connection is not None
        entries = self.outbox.add(self._collect_events(), self._now())
        try:
            self._connection.commit()
        except ConnectionLost as lost:
            raise CommitInDoubt(str(lost)) from lost
        if (commits := request_commits.get()) is not None:
            commits.saved = True
        if entries:
            self._on_committed(entries)

    def rollback(self) -> None:
        assert self._connection is not None
        self._connection.rollback()
        self._recorded.clear()
        self.products.seen.clear()

    def _collect_events(self) -> list[Event]:
        products = list({id(p): p for p in self.products.seen}.values())
        events = [e for product in products for e in product.events]
        events += self._recorded
        for product in products:
            product.events.clear()
        self.products.seen.clear()
        self._recorded.clear()
        return events


def sql_unit_of_work_factory(
    engine: Engine,
    new_id: Callable[[], int],
    now: Callable[[], datetime],
    on_committed: CommittedHandler = _ignore,
) -> Callable[..., SqlUnitOfWork]:
    def make(readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, new_id, now, readonly, on_committed)

    return make
