"""What `aisle demo` adds to an imported catalog: a department's deal and a second seller's offer."""

from __future__ import annotations

from aisle.entrypoints.showcase import SECOND_SELLER, add_showcase
from tests.api.conftest import SellerClient, category_id, searchable

LAPTOP = {
    "title": "Lumo 14 Laptop 16GB",
    "status": "ACTIVE",
    "gtin": "4006381333931",
    "variants": [{"sku": "LUMO-14", "price": 800}],
}


def test_the_demo_shows_a_running_deal_and_a_second_sellers_cheaper_offer(client, seller: SellerClient, container):
    laptops = category_id(container, ["Computers", "Laptops"])
    headphones = category_id(container, ["Audio", "Headphones"])
    laptop = seller.create(**{**LAPTOP, "category_id": laptops})
    phones = seller.create(
        title="Quiet Over-Ear Headphones",
        status="ACTIVE",
        category_id=headphones,
        variants=[{"sku": "QH-1", "price": 100}],
    )
    warehouse = container.inventory.create_warehouse("demo-main", "Demo warehouse", "us-east")
    said = add_showcase(container, [int(seller.id)], warehouse)
    assert said == [
        "deal: 15% off Audio > Headphones for 30 days",
        f"offer: {SECOND_SELLER} also sells 'Lumo 14 Laptop 16GB'",
    ]
    searchable(container)
    price = client.get(f"/api/v1/products/{phones['product_id']}").json()["variants"][0]["price"]
    assert (price["amount"], price["was"]) == (85.0, 100.0)
    box = client.get(f"/api/v1/products/{laptop['product_id']}").json()["buy_box"]
    assert (box["winner"]["seller"]["name"], box["winner"]["price"]) == (SECOND_SELLER, 760.0)
    assert [o["seller"]["name"] for o in box["other_offers"]] == ["Acme Outdoor"]
    # the page of the listing that lost the buy box offers the winner, never itself
    page = client.get(f"/p/{laptop['product_id']}", headers={"accept": "text/html"}).text
    assert "1 other offer from $760.00" in page and f"from {SECOND_SELLER}" in page
    assert "from Acme Outdoor" not in page
