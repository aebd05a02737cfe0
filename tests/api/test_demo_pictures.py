"""The generated demo catalog gets drawn pictures through the image pipeline: every product shows a real image."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from aisle.adapters.importers import readers
from aisle.adapters.importers.pictures import picture
from aisle.bootstrap import Container
from aisle.entrypoints.cli import _attach_demo_pictures


def test_every_generated_product_gets_a_served_picture_and_shared_ones_are_stored_once(
    container: Container, client: TestClient
) -> None:
    seller_id = container.sellers.get_or_create("Aisle Demo Goods (generated)").seller_id
    assert container.importer().run(seller_id, readers.generated(150)).imported == 150
    _attach_demo_pictures(container, seller_id)

    product_ids = container.catalog.active_ids_for_seller(seller_id)
    galleries = container.images.galleries(container.catalog.products_by_id(product_ids))
    assert len(galleries) == 150
    originals = set()
    for gallery in galleries.values():
        assert gallery and all(image["status"] == "READY" for image in gallery)
        originals.update(image["urls"]["original"] for image in gallery)
    assert len(originals) < 100  # products of one category and colour share one stored picture
    page = client.get(f"/api/v1/products/{product_ids[0]}").json()
    served = client.get(page["images"][0]["urls"]["300"])
    assert served.status_code == 200 and Image.open(io.BytesIO(served.content)).size == (300, 300)


def test_pictures_differ_by_category_and_colour_and_repeat_exactly() -> None:
    headphones = ("Electronics", "Audio", "Headphones")
    assert picture(headphones, "Navy") == picture(headphones, "Navy")
    assert picture(headphones, "Navy") != picture(headphones, "Red")
    assert picture(headphones, "Navy") != picture(("Home", "Kitchen", "Kettles"), "Navy")
