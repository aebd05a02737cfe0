"""A picked brand or attribute value is listed, selected, even when it is past the facet's first values."""

from __future__ import annotations

from tests.api.conftest import INTERNAL_TOKEN, product_body, wait_for_outbox

SEARCH = "/api/v1/products/search"


def test_a_picked_brand_past_the_first_thirty_is_listed_selected_with_its_count(client, seller, container):
    for n in range(31):
        for copy in range(2):
            seller.create(
                **product_body(
                    title=f"Gizmo {n} {copy}", brand=f"Maker{n:02d}", variants=[{"sku": f"G{n}-{copy}", "price": 5}]
                )
            )
    seller.create(**product_body(title="Gizmo rare", brand="TinyBrand", variants=[{"sku": "G-rare", "price": 5}]))
    wait_for_outbox(container)
    listed = client.get(SEARCH, params={"q": "gizmo"}).json()["facets"]["brands"]
    assert len(listed) == 30 and "TinyBrand" not in {b["name"] for b in listed}  # past the facet's size
    picked = client.get(SEARCH, params={"q": "gizmo", "brand": "tinybrand"}).json()
    assert picked["total"] == 1
    chosen = [b for b in picked["facets"]["brands"] if b["selected"]]
    assert chosen == [{"name": "TinyBrand", "count": 1, "selected": True}]


def test_a_picked_attribute_value_nobody_has_is_listed_selected_with_zero(client, seller, container):
    seller.create(**product_body(title="Mug", variants=[{"sku": "M-1", "price": 5, "attributes": {"color": "Red"}}]))
    wait_for_outbox(container)
    body = client.get(SEARCH, params=[("q", "mug"), ("attr", "color:Red"), ("attr", "color:Teal")]).json()
    colors = {v["name"]: (v["count"], v["selected"]) for v in body["facets"]["attributes"]["color"]}
    assert colors == {"Red": (1, True), "Teal": (0, True)}


def test_naming_hundreds_of_brands_counts_a_bounded_few(client, seller, container):
    seller.create(**product_body(title="Kettle", brand="Kettleco", variants=[{"sku": "K-1", "price": 5}]))
    wait_for_outbox(container)
    brands = ",".join(["Kettleco", *(f"Nb{n}" for n in range(300))])
    asked = []
    engine = container.search_engine
    search = engine.search

    def counting(query):
        asked.append(query)
        return search(query)

    engine.search = counting
    try:
        body = client.get(SEARCH, params={"q": "kettle", "brand": brands}).json()
    finally:
        engine.search = search
    assert body["total"] == 1
    assert sum(1 for b in body["facets"]["brands"] if b["selected"]) == 21  # Kettleco and 20 counted apart
    assert len(asked) < 30


def test_a_search_that_found_nothing_leaves_no_facets_behind_for_what_is_listed_next(client, seller, container):
    # searched before anything matches (a shopper, or a seller checking for a product not yet indexed) ...
    assert client.get(SEARCH, params={"q": "quokka grinder"}).json()["total"] == 0
    seller.create(**product_body(title="Quokka Grinder", brand="Acme", variants=[{"sku": "Q-1", "price": 5}]))
    wait_for_outbox(container)
    body = client.get(SEARCH, params={"q": "quokka grinder"}).json()
    # ... the product is found with its facets, not with the empty ones counted when nothing matched
    assert [r["title"] for r in body["results"]] == ["Quokka Grinder"]
    assert body["facets"]["brands"] == [{"name": "Acme", "count": 1, "selected": False}]


def test_colour_and_price_counts_lead_where_they_say_when_a_cheaper_colour_is_sold_out(client, seller, container):
    internal = {"Authorization": "Bearer " + INTERNAL_TOKEN}
    warehouse = {"warehouse_id": "main", "name": "Main", "region": "us"}
    assert client.post("/api/v1/warehouses", json=warehouse, headers=internal).status_code == 201
    variants = [
        {"sku": "QF-RED", "price": 12, "attributes": {"color": "Red"}},
        {"sku": "QF-BLUE", "price": 60, "attributes": {"color": "Blue"}},
    ]
    shirt = seller.create(**product_body(title="Quillfen Shirt", variants=variants))
    blue = shirt["variants"][1]["variant_id"]
    stock = {"operation": "SET", "warehouse_id": "main", "quantity": 4}
    assert client.patch(f"/api/v1/inventory/{blue}", json=stock, headers=internal).status_code == 200
    wait_for_outbox(container)

    def colours(**params) -> dict[str, int]:
        body = client.get(SEARCH, params={"q": "quillfen", **params}).json()
        return {v["name"]: v["count"] for v in body["facets"]["attributes"].get("color", [])}

    for held in ({"in_stock": "true"}, {"price_min": "50"}):
        assert colours(**held) == {"Blue": 1}, held  # red is sold out, and sells at $12
        assert client.get(SEARCH, params={"q": "quillfen", "attr": "color:Red", **held}).json()["total"] == 0
    red = client.get(SEARCH, params={"q": "quillfen", "attr": "color:Red"}).json()
    buckets = [(b["name"], b["count"]) for b in red["facets"]["price_ranges"]]
    assert buckets == [("$10 \u2013 $25", 1)], buckets  # the red one's price, below the $60 the card shows
