"""Price history: who changed which price, when, from what to what. A step of every catalog write, read from the
events the products recorded, so it lands in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from aisle.domain import events as ev
from aisle.domain.catalog import Product
from aisle.services.ports import PriceRecord, UnitOfWork


def record_price_history(uow: UnitOfWork, products: Iterable[Product], actor: str) -> None:
    uow.pricing.record_prices([record for product in products for record in price_records(product, actor)])


def price_records(product: Product, actor: str) -> Iterator[PriceRecord]:
    for event in product.events:
        if event.name == ev.PRODUCT_CREATED:
            for v in product.content.variants:
                assert v.variant_id is not None
                yield PriceRecord(v.variant_id, product.product_id, None, v.price, actor, product.updated_at)
        elif event.name == ev.PRICE_CHANGED:
            for change in event.payload["variants"]:
                old = None if change["old"] is None else Decimal(change["old"])
                new = Decimal(change["new"])
                yield PriceRecord(int(change["variant_id"]), product.product_id, old, new, actor, product.updated_at)
