"""Where images are served from, and a product's gallery as product JSON, cards and pages show it.

A gallery lists the seller's uploaded images (by position) and then the external image URLs of the product's
content. An uploaded image is {"image_id", "status", "alt_text", "position", "variant_id", "urls"} with ``urls``
{"150", "300", "600", "1200", "original"} once READY; an external image is {"url"}."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aisle.domain.catalog import Product
from aisle.domain.images import ImageStatus, ProductImage, rendition_keys, shown_for

MEDIA_PATH = "/media"


class MediaUrls:
    """``base`` is this site's /media (the default) or a CDN in front of it (AISLE_MEDIA_BASE_URL)."""

    def __init__(self, base: str = MEDIA_PATH) -> None:
        self.base = base.rstrip("/")

    def url(self, key: str) -> str:
        return f"{self.base}/{key}"

    def urls(self, image: ProductImage) -> dict[str, str]:
        return {size: self.url(key) for size, key in rendition_keys(image).items()}

    def image_view(self, image: ProductImage) -> dict[str, Any]:
        view: dict[str, Any] = {
            "image_id": str(image.image_id),
            "status": image.status.value,
            "alt_text": image.alt_text,
            "position": image.position,
            "variant_id": None if image.variant_id is None else str(image.variant_id),
        }
        if image.status is ImageStatus.READY:
            view["urls"] = self.urls(image)
            view["width"], view["height"] = image.width, image.height
        if image.status is ImageStatus.REJECTED:
            view["reason"] = image.reason
        return view

    def gallery(self, product: Product, uploaded: Sequence[ProductImage], ready_only: bool) -> list[dict[str, Any]]:
        """Shoppers (``ready_only``) see READY uploads; the seller also sees those still PENDING or REJECTED."""
        variant_ids = {v.variant_id for v in product.content.variants}
        return self.gallery_of(product.content.images, [shown_for(i, variant_ids) for i in uploaded], ready_only)

    def gallery_of(
        self, external: Sequence[str], uploaded: Sequence[ProductImage], ready_only: bool
    ) -> list[dict[str, Any]]:
        """``gallery`` from a product's external image URLs alone."""
        shown = [i for i in uploaded if i.status is ImageStatus.READY or not ready_only]
        return [self.image_view(i) for i in shown] + [{"url": url} for url in external]


def thumbnail_of(gallery: Sequence[dict[str, Any]], size: str = "300") -> str | None:
    """The URL a result card shows: the first image's thumbnail of that size, else the first external URL."""
    for image in gallery:
        if "urls" in image:
            return str(image["urls"].get(size) or image["urls"]["original"])
        if "url" in image:
            return str(image["url"])
    return None
