"""Fixtures and checks for bench/inventory.py: a fresh database per run, variants with stock, and the invariants
read back from the database afterwards (nothing oversold, nothing created or lost, every yes backed by stock)."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.engine import create_schema, make_engine
from aisle.adapters.sql.schema import metadata
from aisle.adapters.sql.unit_of_work import sql_unit_of_work_factory
from aisle.domain.catalog import MAX_VARIANTS, Product, ProductContent, ProductStatus, Variant
from aisle.domain.events import INVENTORY_CHANGED
from aisle.domain.ids import SnowflakeIds
from aisle.domain.inventory import StockLevel, Warehouse
from aisle.domain.sellers import Seller, hash_api_key
from aisle.services.clock import utc_now

WAREHOUSE = "east"
SETUP_NODE = 1  # Snowflake node of the setup; load processes use 11, 12, ...


def fresh_database(kind: str, pg_url: str) -> str:
    """An empty schema: a new SQLite file, or the PostgreSQL bench database with its tables dropped and recreated."""
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"aisle-bench-inventory-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
    else:
        url = pg_url
        _refuse_shared_database(url)
        _create_database_if_missing(url)
    engine = make_engine(url)
    if kind == "postgres":
        metadata.drop_all(engine)
    create_schema(engine)
    engine.dispose()
    return url


def remove_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


def _refuse_shared_database(url: str) -> None:
    name = make_url(url).database or ""
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to drop tables in database {name!r}: use a database whose name ends in _bench")


def _create_database_if_missing(url: str) -> None:
    target = make_url(url)
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if exists.first() is None:
            connection.execute(text(f'CREATE DATABASE "{target.database}" OWNER "{target.username}"'))
    admin.dispose()


@dataclass(frozen=True)
class Catalog:
    variant_ids: list[int]
    product_ids: list[int]
    stock_each: int

    @property
    def starting_stock(self) -> int:
        return self.stock_each * len(self.variant_ids)


def seed_variants(url: str, count: int, stock_each: int) -> Catalog:
    """One seller, products of up to 50 variants each, one warehouse, ``stock_each`` units of every variant."""
    engine = make_engine(url)
    ids = SnowflakeIds(SETUP_NODE)
    uow = sql_unit_of_work_factory(engine, ids.next_id, utc_now)
    seller = Seller(ids.next_id(), "Bench seller", hash_api_key(uuid.uuid4().hex))
    products = [
        _product(ids, seller.seller_id, first, min(MAX_VARIANTS, count - first))
        for first in range(0, count, MAX_VARIANTS)
    ]
    variant_ids = [int(v.variant_id or 0) for p in products for v in p.content.variants]  # assigned by create()
    with uow() as tx:
        tx.sellers.add(seller)
        tx.inventory.add_warehouse(Warehouse(WAREHOUSE, "East", "us-east"), utc_now())
        for product in products:
            tx.products.add(product, actor="bench")
        for variant_id in variant_ids:
            tx.inventory.save_level(StockLevel(variant_id, WAREHOUSE, stock_each, 0, 1), expected_version=0)
        tx.commit()
    engine.dispose()
    return Catalog(variant_ids, [p.product_id for p in products], stock_each)


def _product(ids: SnowflakeIds, seller_id: int, first: int, size: int) -> Product:
    variants = tuple(Variant(f"BENCH-{first + n}", Decimal(10)) for n in range(size))
    content = ProductContent(title=f"Bench item {first}", variants=variants, status=ProductStatus.ACTIVE)
    return Product.create(ids.next_id(), seller_id, content, utc_now(), ids.next_id)


@dataclass(frozen=True)
class Stored:
    """What the database holds after a run (the run's database holds nothing else)."""

    available: int
    reserved: int
    lowest: int  # the smallest available or reserved figure on any row
    by_status: dict[str, int]  # reservation status -> units on its lines
    reservations: int  # reservation rows, any status
    sold: int  # units in the sales table
    stock_events: int  # inventory.changed events in the outbox


def read_stored(url: str) -> Stored:
    engine = make_engine(url)
    with engine.connect() as db:
        available, reserved, low_a, low_r = db.execute(
            select(
                func.sum(t.stock.c.available),
                func.sum(t.stock.c.reserved),
                func.min(t.stock.c.available),
                func.min(t.stock.c.reserved),
            )
        ).one()
        lines = t.reservation_lines.join(t.reservations)
        by_status: dict[str, int] = {
            status: int(units)
            for status, units in db.execute(
                select(t.reservations.c.status, func.sum(t.reservation_lines.c.quantity))
                .select_from(lines)
                .group_by(t.reservations.c.status)
            )
        }
        reservations = db.execute(select(func.count()).select_from(t.reservations)).scalar_one()
        sold = db.execute(select(func.coalesce(func.sum(t.sales.c.quantity), 0))).scalar_one()
        events = db.execute(
            select(func.count()).select_from(t.outbox).where(t.outbox.c.name == INVENTORY_CHANGED)
        ).scalar_one()
    engine.dispose()
    return Stored(
        int(available),
        int(reserved),
        min(low_a, low_r),
        by_status,
        reservations,
        int(sold),
        events,
    )


def check_invariants(stored: Stored, catalog: Catalog, requests: int, counts: dict[str, int]) -> list[tuple[str, bool]]:
    """(rule, holds) pairs; ``counts`` are what the clients heard: reserve:granted, release:ok, deduct:ok, ..."""
    granted = counts.get("reserve:granted", 0)
    released, deducted = counts.get("release:ok", 0), counts.get("deduct:ok", 0)
    answered = sum(n for key, n in counts.items() if key.startswith("reserve:"))
    return [
        ("nothing negative", stored.lowest >= 0),
        (
            "available + reserved + sold == starting stock",
            stored.available + stored.reserved + stored.sold == catalog.starting_stock,
        ),
        ("reserved == units on ACTIVE reservations", stored.reserved == stored.by_status.get("ACTIVE", 0)),
        ("granted - released - deducted == reserved", granted - released - deducted == stored.reserved),
        ("granted == reservation rows (no ghost, none lost)", granted == stored.reservations),
        ("deducted == sold", deducted == stored.sold),
        ("every request answered", answered == requests),
    ]
