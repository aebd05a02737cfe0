"""Image URLs: content-addressed keys under /media, or under a CDN's base URL; galleries for sellers and shoppers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from aisle.domain.catalog import Product, ProductContent, Variant
from aisle.domain.images import ImageStatus, ProductImage, rendition_keys
from aisle.services.media import MediaUrls, thumbnail_of
from aisle.settings import Settings

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HASH = "ab" + "0" * 62


def image(status: ImageStatus = ImageStatus.READY, width: int = 800, height: int = 400, **kw) -> ProductImage:
    pending = ProductImage(1, 2, 3, HASH, ImageStatus.PENDING, NOW, NOW, **kw)
    if status is ImageStatus.READY:
        return pending.ready(width, height, "jpg", NOW)
    return pending if status is ImageStatus.PENDING else pending.rejected("corrupt", NOW)


def test_keys_hold_the_hash_and_sizes_never_exceed_the_picture() -> None:
    keys = rendition_keys(image(width=800, height=400))
    assert keys["original"] == f"images/ab/{HASH}/original.jpg"
    assert keys["600"] == f"images/ab/{HASH}/600.webp"
    assert keys["1200"] == keys["600"]  # 800 px wide: no 1200 thumbnail was made
    assert rendition_keys(image(ImageStatus.PENDING)) == {}


def test_a_cdn_base_url_prefixes_every_url() -> None:
    urls = MediaUrls("https://cdn.example.com/media/").urls(image())
    assert set(urls) == {"150", "300", "600", "1200", "original"}
    assert all(url.startswith("https://cdn.example.com/media/images/ab/") for url in urls.values())
    assert MediaUrls().urls(image())["300"] == f"/media/images/ab/{HASH}/300.webp"


def test_shoppers_see_ready_uploads_then_external_urls_and_sellers_see_everything() -> None:
    content = ProductContent("Lamp", (Variant("L-1", Decimal(5)),), images=("https://img.example/a.jpg",))
    product = Product(2, 3, content, 1, NOW, NOW)
    uploads = [image(), image(ImageStatus.PENDING), image(ImageStatus.REJECTED)]
    shopper = MediaUrls().gallery(product, uploads, ready_only=True)
    assert [i.get("status") for i in shopper] == ["READY", None]
    assert shopper[-1] == {"url": "https://img.example/a.jpg"}
    seller = MediaUrls().gallery(product, uploads, ready_only=False)
    assert [i.get("status") for i in seller] == ["READY", "PENDING", "REJECTED", None]
    assert seller[2]["reason"] == "corrupt"
    assert thumbnail_of(shopper) == shopper[0]["urls"]["300"]
    assert thumbnail_of([{"url": "https://img.example/a.jpg"}]) == "https://img.example/a.jpg"
    assert thumbnail_of([]) is None


@pytest.mark.parametrize("bad", ["ftp://cdn.example.com", "cdn.example.com/media", "https://cdn example.com"])
def test_a_media_base_url_that_is_not_http_or_a_path_stops_start_up(bad: str) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(media_base_url=bad)
    assert "media_base_url" in str(error.value)
