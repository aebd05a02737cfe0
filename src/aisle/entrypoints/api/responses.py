"""Response shapes of the category tree and the inventory, pricing and ops endpoints, as OpenAPI
shows them (search, autocomplete and the product page: ``shapes/``).

The endpoints whose answers are replayed for idempotency keys are serialized from the services' dicts with orjson;
these models are their documented contract, and ``tests/api/test_openapi_client.py`` reads real answers through a
client generated from the document, so the two cannot drift apart. ``extra="allow"``: a field added to an answer
before its model is documented, not dropped.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Responses = dict[int | str, dict[str, Any]]  # a route's ``responses=``


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- categories ----------------------------------------------------------------------------------------------------


class CategoryNode(Shape):
    id: str
    name: str
    path: str
    slug: str
    product_count: int = Field(description="ACTIVE products in the category and below")
    children: list[CategoryNode]


class CategoryTree(Shape):
    categories: list[CategoryNode]


# -- inventory -----------------------------------------------------------------------------------------------------


class WarehouseOut(Shape):
    warehouse_id: str
    name: str
    region: str


class WarehouseList(Shape):
    warehouses: list[WarehouseOut]


class LevelOut(Shape):
    variant_id: str
    warehouse_id: str
    available: int
    reserved: int
    version: int


class StockOut(Shape):
    variant_id: str
    available: int
    reserved: int
    status: str
    quantity_hint: int | None
    warehouses: list[LevelOut]


class ReservationLineOut(Shape):
    variant_id: str
    warehouse_id: str
    quantity: int


class ReservationOut(Shape):
    reservation_id: str
    owner: str
    status: str
    created_at: str
    expires_at: str
    lines: list[ReservationLineOut]


class LevelChangeOut(LevelOut):
    operation: str


class StockChangeOut(Shape):
    """RESTOCK and SET answer with the warehouse's new level (LevelChangeOut's fields); RESERVE, RELEASE and
    DEDUCT with the reservation (ReservationOut's fields)."""

    operation: str | None = None
    variant_id: str | None = None
    warehouse_id: str | None = None
    available: int | None = None
    reserved: int | None = None
    version: int | None = None
    reservation_id: str | None = None
    owner: str | None = None
    status: str | None = None
    created_at: str | None = None
    expires_at: str | None = None
    lines: list[ReservationLineOut] | None = None


# -- pricing -------------------------------------------------------------------------------------------------------


class DealOut(Shape):
    deal_id: str
    scope: str
    target_id: str
    kind: str
    value: float
    starts_at: str
    ends_at: str
    seller_id: str | None
    name: str


class CouponOut(Shape):
    code: str
    usage_limit: int | None
    seller_id: str | None


class QuoteLineOut(Shape):
    variant_id: str
    product_id: str
    quantity: int
    unit_base: float
    unit_after_deal: float
    deal: dict[str, str] | None
    base: float
    deal_discount: float
    coupon_discount: float
    final: float


class QuoteOut(Shape):
    lines: list[QuoteLineOut]
    coupon: str | None
    subtotal: float
    deal_savings: float
    coupon_savings: float
    total: float
    currency: str


class RedemptionOut(Shape):
    code: str
    order_id: str
    redeemed: bool
    repeat: bool = Field(description="This order had already redeemed the coupon: nothing more was spent")


class PriceChangeOut(Shape):
    old: float | None
    new: float
    actor: str
    changed_at: str


class PriceHistory(Shape):
    history: list[PriceChangeOut]


# -- seller versions and ops ---------------------------------------------------------------------------------------


class VersionSnapshot(Shape):
    version: int
    product: dict[str, Any] = Field(description="The product's content at that version")


class VersionDiff(Shape):
    from_: int = Field(alias="from")
    to: int
    fields: list[dict[str, Any]] = Field(description="{field, from, to} for each field that changed")
    variants: dict[str, Any] = Field(description="added, removed and changed variants, matched by SKU")


class NewSellerOut(Shape):
    seller_id: str
    name: str
    api_key: str = Field(description="Shown this once")


class Health(Shape):
    status: str


class Readiness(Shape):
    status: str
    profile: str


def ok(model: type[BaseModel], description: str = "OK") -> dict[str, Any]:
    """A ``responses`` entry for an answer serialized by hand (the route sets ``response_model=None``)."""
    return {"model": model, "description": description}
