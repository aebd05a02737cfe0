"""Domain events: facts recorded by aggregates and written to the outbox in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRODUCT_CREATED = "product.created"
PRODUCT_UPDATED = "product.updated"
PRODUCT_DELETED = "product.deleted"
PRICE_CHANGED = "price.changed"
REVIEW_ADDED = "review.added"
IMAGE_UPLOADED = "image.uploaded"  # a seller's image waits to be rendered (payload: image_id)


@dataclass(frozen=True)
class Event:
    """``key`` orders events: all events with one key (a product id) are delivered in the order they happened."""

    name: str
    key: int
    payload: dict[str, Any] = field(default_factory=dict)


INVENTORY_CHANGED = "inventory.changed"
# An inventory.changed payload flag: no stock row went to or from zero and nothing was sold, so nothing search shows
# of the product changed (a reservation out of plenty); its page still shows how many are left.
SEARCH_UNCHANGED = "search_unchanged"
INDEX_REBUILD = "index.rebuild"
