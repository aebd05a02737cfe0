"""What `aisle demo` adds to an imported catalog so that its pages show every feature: a running deal on a
department and a second seller offering a product another one lists (the product page's buy box and other offers).
Both are made through the same services the API uses, and named as demo data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from aisle.bootstrap import Container
from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.inventory import Operation, Warehouse
from aisle.services.clock import utc_now
from aisle.services.pricing import Caller, DealRequest

DEAL_CATEGORIES = ("Headphones", "Laptops", "Cell Phone Cases")  # the first the catalog has gets the deal
DEAL_PERCENT = 15
DEAL_DAYS = 30
SECOND_SELLER = "Second Street Electronics (demo offers)"
OFFER_DISCOUNT = Decimal("0.95")  # the second seller undercuts the first by 5%: it takes the buy box
OFFER_STOCK = 25
PRODUCTS_LOOKED_AT = 1000  # read at a time
OFFER_CATEGORIES = ("Laptops", "Headphones", "Monitors")


def add_showcase(container: Container, owners: list[int], warehouse: Warehouse) -> list[str]:
    """The deal and the offer, each said in a line for the console; what the catalog lacks is skipped."""
    second = container.sellers.get_or_create(SECOND_SELLER).seller_id
    if container.catalog.active_ids_for_seller(second):
        return []  # made by a demo load that was stopped after it
    said = []
    if (deal := _department_deal(container)) is not None:
        said.append(deal)
    if (offer := _second_offer(container, owners, warehouse, second)) is not None:
        said.append(offer)
    return said


def _department_deal(container: Container) -> str | None:
    by_name = {category.name: category for category in container.categories().values()}
    category = next((by_name[name] for name in DEAL_CATEGORIES if name in by_name), None)
    if category is None:
        return None
    now = utc_now()
    request = DealRequest(
        scope="CATEGORY",
        target_id=category.category_id,
        kind="PERCENT",
        value=DEAL_PERCENT,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=DEAL_DAYS),
        name=f"{category.name} week (demo deal)",
    )
    container.pricing.create_deal(Caller(None), request)
    return f"deal: {DEAL_PERCENT}% off {category.path} for {DEAL_DAYS} days"


def _second_offer(container: Container, owners: list[int], warehouse: Warehouse, seller_id: int) -> str | None:
    """Another seller's offer of a product with a GTIN (an offer must carry it), a little cheaper."""
    listed = _with_gtin(container, owners)
    if listed is None:
        return None
    variants = tuple(
        replace(v, sku=f"SSE-{v.sku}"[:64], price=(v.price * OFFER_DISCOUNT).quantize(Decimal("0.01")), variant_id=None)
        for v in listed.content.variants
    )
    content = replace(listed.content, variants=variants, canonical_product_id=listed.product_id)
    offer = container.catalog.create_product(seller_id, content, actor="demo")
    for variant in offer.content.variants:
        if variant.variant_id is not None:
            container.inventory.adjust(variant.variant_id, Operation.RESTOCK, warehouse.warehouse_id, OFFER_STOCK)
    return f"offer: {SECOND_SELLER} also sells {listed.content.title[:60]!r}"


def _with_gtin(container: Container, owners: list[int]) -> Product | None:
    """A device of a department people browse (a laptop, headphones) with a GTIN; else any product with one."""
    wanted = {c.category_id for c in container.categories().values() if c.name in OFFER_CATEGORIES}
    fallback = None
    for owner in owners:
        ids = container.catalog.active_ids_for_seller(owner)
        for start in range(0, len(ids), PRODUCTS_LOOKED_AT):
            for product in container.catalog.products_by_id(ids[start : start + PRODUCTS_LOOKED_AT]):
                if not product.content.gtin or product.status is not ProductStatus.ACTIVE:
                    continue
                if product.content.category_id in wanted:
                    return product
                fallback = fallback or product
    return fallback
