"""Stock levels, reservations and sales on SQL. Every stock write is a compare-and-set on the row's version."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, TextClause, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.errors import Conflict, InvalidInput
from aisle.domain.inventory import Reservation, ReservationLine, ReservationStatus, StockLevel, Warehouse
from aisle.services.ports import IdempotencyKey, VersionConflict

# The reservation path's statements are built once: building a SQLAlchemy statement per call cost more CPU than
# running it (about 0.3 ms each against 0.06 ms for a prebuilt one, whose cache key is memoized).
_S = t.stock.c
_BEST = t.stock.alias("best")
_MOST_STOCK = (
    select(_BEST.c.warehouse_id)
    .where(and_(_BEST.c.variant_id == bindparam("v"), _BEST.c.available >= bindparam("q")))
    .order_by(_BEST.c.available.desc(), _BEST.c.warehouse_id)
    .limit(1)
    .scalar_subquery()
)
_TAKE_SET = {"available": _S.available - bindparam("q"), "reserved": _S.reserved + bindparam("q")}


def _take_from(warehouse: Any) -> Any:
    enough = and_(_S.variant_id == bindparam("v"), _S.warehouse_id == warehouse)
    return (
        update(t.stock)
        .where(and_(enough, _S.available >= bindparam("q")))
        .values(**_TAKE_SET, version=_S.version + 1)
        .returning(*t.stock.c)
    )


_TAKE_NAMED = _take_from(bindparam("w"))
_TAKE_MOST_STOCKED = _take_from(_MOST_STOCK)  # the warehouse with the most stock, chosen inside the write


@lru_cache(maxsize=64)
def _take_each(count: int) -> TextClause:
    """_TAKE_MOST_STOCKED for ``count`` variants in one statement (each variant once). A VALUES list's columns are
    column1, column2 on SQLite and PostgreSQL alike. Built as text, once per count: SQLAlchemy compiles a
    many-row statement of its own on every call, which cost more than the round trips it saved."""
    wanted = ", ".join(f"(:v{n}, :q{n})" for n in range(count))
    return text(
        "UPDATE stock SET available = stock.available - w.column2, reserved = stock.reserved + w.column2, "
        "version = stock.version + 1 "
        f"FROM (VALUES {wanted}) AS w "
        "WHERE stock.variant_id = w.column1 AND stock.available >= w.column2 AND stock.warehouse_id = ("
        "SELECT best.warehouse_id FROM stock AS best WHERE best.variant_id = w.column1 "
        "AND best.available >= w.column2 ORDER BY best.available DESC, best.warehouse_id LIMIT 1) "
        "RETURNING variant_id, warehouse_id, available, reserved, version"
    )


_V, _P = t.variants.c, t.products.c
_RESERVABLE = (
    select(_V.variant_id, _V.product_id, _P.status)
    .join_from(t.variants, t.products, _V.product_id == _P.product_id)
    .where(_V.variant_id.in_(bindparam("variant_ids", expanding=True)))
)
_LEVELS = select(t.stock).where(_S.variant_id.in_(bindparam("ids", expanding=True))).order_by(_S.warehouse_id)
_INSERT_RESERVATION = insert(t.reservations)
_INSERT_RESERVATION_LINE = insert(t.reservation_lines)
_REMEMBERED = select(t.idempotency_keys.c.response, t.idempotency_keys.c.request_hash).where(
    t.idempotency_keys.c.key == bindparam("key")
)


class SqlInventoryRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_warehouse(self, warehouse: Warehouse, now: datetime) -> None:
        try:
            with self._db.begin_nested():
                self._db.execute(
                    insert(t.warehouses).values(
                        warehouse_id=warehouse.warehouse_id,
                        name=warehouse.name,
                        region=warehouse.region,
                        created_at=now,
                    )
                )
        except IntegrityError:
            raise Conflict(f"warehouse {warehouse.warehouse_id!r} already exists", field="warehouse_id") from None

    def warehouse(self, warehouse_id: str) -> Warehouse | None:
        row = self._db.execute(select(t.warehouses).where(t.warehouses.c.warehouse_id == warehouse_id)).first()
        return None if row is None else Warehouse(row.warehouse_id, row.name, row.region)

    def warehouses(self) -> list[Warehouse]:
        rows = self._db.execute(select(t.warehouses).order_by(t.warehouses.c.warehouse_id))
        return [Warehouse(r.warehouse_id, r.name, r.region) for r in rows]

    def levels(self, variant_ids: Sequence[int]) -> dict[int, list[StockLevel]]:
        rows = self._db.execute(_LEVELS, {"ids": list(variant_ids)})
        found: dict[int, list[StockLevel]] = {v: [] for v in variant_ids}
        for row in rows:
            found[row.variant_id].append(_level(row))
        return found

    def take(self, variant_id: int, warehouse_id: str | None, quantity: int) -> StockLevel | None:
        """Reserves ``quantity`` in one conditional write (the compare is ``available >= quantity``, so concurrent
        takers never retry each other), at ``warehouse_id`` or, when None, at the warehouse with the most stock;
        the row as written, or None when it is missing or short."""
        params: dict[str, Any] = {"v": variant_id, "q": quantity}
        statement = _TAKE_MOST_STOCKED if warehouse_id is None else _TAKE_NAMED
        if warehouse_id is not None:
            params["w"] = warehouse_id
        with _contention_as_conflict(variant_id):
            row = self._db.execute(statement, params).first()
        return None if row is None else _level(row)

    def take_each(self, wanted: Sequence[tuple[int, int]]) -> dict[int, StockLevel]:
        """``take`` at the most stocked warehouse for each (variant, quantity), in one statement; the rows as
        written, by variant. A variant that is not in the answer took nothing (short of stock, or missing). The list
        goes sorted, as single takes lock rows by variant; should PostgreSQL still break a deadlock with another
        writer, it is a lost compare-and-set, and the batch is applied again."""
        if not wanted:
            return {}
        ordered = sorted(wanted)
        params = {f"{name}{n}": value for n, pair in enumerate(ordered) for name, value in zip("vq", pair, strict=True)}
        with _contention_as_conflict(ordered[0][0]):
            rows = self._db.execute(_take_each(len(ordered)), params).all()
        return {row.variant_id: _level(row) for row in rows}

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._db.begin_nested():
            yield

    def reservable(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """variant id -> (its product id, the product's status), for the variants that exist, in one query."""
        rows = self._db.execute(_RESERVABLE, {"variant_ids": sorted(set(variant_ids))})
        return {row.variant_id: (row.product_id, row.status) for row in rows}

    def save_level(self, level: StockLevel, expected_version: int) -> None:
        """Writes ``level`` only if the row is still at ``expected_version`` (0: the row must not exist yet)."""
        if expected_version == 0:
            self._insert_level(level)
            return
        with _contention_as_conflict(level.variant_id):
            written = self._db.execute(
                update(t.stock)
                .where(
                    and_(
                        t.stock.c.variant_id == level.variant_id,
                        t.stock.c.warehouse_id == level.warehouse_id,
                        t.stock.c.version == expected_version,
                    )
                )
                .values(available=level.available, reserved=level.reserved, version=level.version)
            ).rowcount
        if written != 1:
            raise VersionConflict(level.variant_id)

    def _insert_level(self, level: StockLevel) -> None:
        try:
            with self._db.begin_nested():
                self._db.execute(
                    insert(t.stock).values(
                        variant_id=level.variant_id,
                        warehouse_id=level.warehouse_id,
                        available=level.available,
                        reserved=level.reserved,
                        version=level.version,
                    )
                )
        except IntegrityError as error:
            if "never_negative" in str(error.orig):
                raise
            raise VersionConflict(level.variant_id) from None  # another writer created the row first

    def add_reservation(self, reservation: Reservation) -> None:
        self.add_reservations([reservation])

    def add_reservations(self, reservations: Sequence[Reservation]) -> None:
        """Many reservations in two statements (heads, then lines), for a batch of callers."""
        if not reservations:
            return
        self._db.execute(
            _INSERT_RESERVATION,
            [
                {
                    "reservation_id": r.reservation_id,
                    "owner": r.owner,
                    "status": r.status.value,
                    "created_at": r.created_at,
                    "expires_at": r.expires_at,
                }
                for r in reservations
            ],
        )
        self._db.execute(
            _INSERT_RESERVATION_LINE,
            [
                {
                    "reservation_id": r.reservation_id,
                    "line_no": n,
                    "variant_id": line.variant_id,
                    "warehouse_id": line.warehouse_id,
                    "quantity": line.quantity,
                }
                for r in reservations
                for n, line in enumerate(r.lines)
            ],
        )

    def reservation(self, reservation_id: int) -> Reservation | None:
        found = self._reservations([reservation_id])
        return found[0] if found else None

    def change_status(self, reservation_id: int, expected: ReservationStatus, new: ReservationStatus) -> bool:
        """Compare-and-set on the status: only one of two racing releases (or an expiry) wins."""
        with _contention_as_conflict(reservation_id):
            return self._change_status(reservation_id, expected, new)

    def _change_status(self, reservation_id: int, expected: ReservationStatus, new: ReservationStatus) -> bool:
        return (
            self._db.execute(
                update(t.reservations)
                .where(
                    and_(t.reservations.c.reservation_id == reservation_id, t.reservations.c.status == expected.value)
                )
                .values(status=new.value)
            ).rowcount
            == 1
        )

    def expired(self, now: datetime, limit: int) -> list[Reservation]:
        ids = self._db.execute(
            select(t.reservations.c.reservation_id)
            .where(and_(t.reservations.c.status == ReservationStatus.ACTIVE.value, t.reservations.c.expires_at <= now))
            .order_by(t.reservations.c.expires_at)
            .limit(limit)
        ).scalars()
        return self._reservations(list(ids))

    def _reservations(self, reservation_ids: list[int]) -> list[Reservation]:
        if not reservation_ids:
            return []
        heads = self._db.execute(select(t.reservations).where(t.reservations.c.reservation_id.in_(reservation_ids)))
        lines: dict[int, list[ReservationLine]] = {}
        for row in self._db.execute(
            select(t.reservation_lines)
            .where(t.reservation_lines.c.reservation_id.in_(reservation_ids))
            .order_by(t.reservation_lines.c.line_no)
        ):
            lines.setdefault(row.reservation_id, []).append(
                ReservationLine(row.variant_id, row.warehouse_id, row.quantity)
            )
        return [_reservation(h, lines.get(h.reservation_id, [])) for h in heads]

    def remembered(self, key: IdempotencyKey) -> dict[str, Any] | None:
        row = self._db.execute(_REMEMBERED, {"key": key.scope}).first()
        if row is None:
            return None
        if row.request_hash is not None and row.request_hash != key.request_hash:
            raise InvalidInput.single("Idempotency-Key", "was already used with a different request; use a new key")
        return row.response

    def remember(self, key: IdempotencyKey, response: dict[str, Any], now: datetime) -> None:
        values = {"key": key.scope, "request_hash": key.request_hash, "response": response, "created_at": now}
        try:
            with self._db.begin_nested():
                self._db.execute(insert(t.idempotency_keys).values(**values))
        except IntegrityError:
            raise VersionConflict(key) from None  # a twin request committed first: retry and return its answer

    def forget_idempotency_keys(self, before: datetime) -> int:
        """Deletes remembered answers older than ``before``: a retry that late is a new request."""
        keys = t.idempotency_keys
        return self._db.execute(delete(keys).where(keys.c.created_at < before)).rowcount

    def record_sale(self, sale_id: int, product_id: int, variant_id: int, quantity: int, now: datetime) -> None:
        self._db.execute(
            insert(t.sales).values(
                sale_id=sale_id, product_id=product_id, variant_id=variant_id, quantity=quantity, sold_at=now
            )
        )

    def units_sold_since(self, product_ids: Sequence[int], since: datetime) -> dict[int, int]:
        rows = self._db.execute(
            select(t.sales.c.product_id, func.sum(t.sales.c.quantity))
            .where(and_(t.sales.c.product_id.in_(list(product_ids)), t.sales.c.sold_at >= since))
            .group_by(t.sales.c.product_id)
        )
        return {product_id: int(units) for product_id, units in rows}

    def variant_product_status(self, variant_id: int) -> str | None:
        """The status of the product a variant belongs to, or None when no such variant exists."""
        v, p = t.variants.c, t.products.c
        return self._db.execute(
            select(p.status)
            .join_from(t.variants, t.products, v.product_id == p.product_id)
            .where(v.variant_id == variant_id)
        ).scalar_one_or_none()

    def variant_owner(self, variant_id: int) -> tuple[int, int] | None:
        """(product id, seller id) of a variant, or None when no such variant exists."""
        row = self._db.execute(
            select(t.variants.c.product_id, t.variants.c.seller_id).where(t.variants.c.variant_id == variant_id)
        ).first()
        return None if row is None else (row.product_id, row.seller_id)


RETRYABLE_SQLSTATES = {"40P01", "40001"}  # PostgreSQL: deadlock detected, serialization failure


@contextmanager
def _contention_as_conflict(key: object) -> Iterator[None]:
    """Two writers crossing each other (a deadlock the database broke, SQLite's busy snapshot) is a lost
    compare-and-set like any other: the transaction is rolled back and the caller retries it. A write lock held
    past the wait is not: it is DatabaseUnavailable (the engine's), and waiting again would only double the wait."""
    try:
        yield
    except OperationalError as error:
        sqlstate = getattr(error.orig, "sqlstate", None)
        if sqlstate in RETRYABLE_SQLSTATES or "database is locked" in str(error.orig):
            raise VersionConflict(key) from error
        raise


def _level(row: Row) -> StockLevel:
    return StockLevel(row.variant_id, row.warehouse_id, row.available, row.reserved, row.version)


def _reservation(head: Row, lines: list[ReservationLine]) -> Reservation:
    return Reservation(
        head.reservation_id,
        head.owner,
        tuple(lines),
        ReservationStatus(head.status),
        as_utc(head.created_at),
        as_utc(head.expires_at),
    )
