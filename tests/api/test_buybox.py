from __future__ import annotations

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, category_id, product_body, wait_for_outbox

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
GTIN = "0885909950805"


def stock(client, variant_id: str, quantity: int) -> None:
    body = {"operation": "SET", "warehouse_id": "main", "quantity": quantity}
    assert client.patch(f"/api/v1/inventory/{variant_id}", json=body, headers=INTERNAL).status_code == 200


def listing(seller: SellerClient, price: float, sku: str) -> dict:
    return seller.create(
        **product_body(title="Zephyr Noise Cancelling Headphones", gtin=GTIN, variants=[{"sku": sku, "price": price}])
    )


def test_one_product_many_sellers_one_winner(client, seller: SellerClient, other_seller: SellerClient, container):
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)
    dear = listing(seller, 199.00, "ZEP-A")
    cheap = listing(other_seller, 179.00, "ZEP-B")
    for created in (dear, cheap):
        stock(client, created["variants"][0]["variant_id"], 10)
    wait_for_outbox(container)

    box = client.get(f"/api/v1/products/{dear['product_id']}").json()["buy_box"]
    assert box["winner"]["product_id"] == cheap["product_id"]
    assert box["winner"]["why"] == "the lowest price, in stock, new seller"
    assert [o["product_id"] for o in box["other_offers"]] == [dear["product_id"]]
    results = client.get("/api/v1/products/search", params={"q": "zephyr headphones"}).json()["results"]
    assert [r["product_id"] for r in results] == [cheap["product_id"]]  # the product shows once

    stock(client, cheap["variants"][0]["variant_id"], 0)  # the winner runs out: the box moves
    wait_for_outbox(container)
    assert (
        client.get(f"/api/v1/products/{dear['product_id']}").json()["buy_box"]["winner"]["product_id"]
        == (dear["product_id"])
    )
    results = client.get("/api/v1/products/search", params={"q": "zephyr headphones"}).json()["results"]
    assert [r["product_id"] for r in results] == [dear["product_id"]]


def test_an_offer_is_priced_at_what_it_can_sell_not_at_a_sold_out_variant(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)
    two_colours = seller.create(
        **product_body(
            title="Zephyr Noise Cancelling Headphones",
            gtin=GTIN,
            variants=[
                {"sku": "ZEP-RED", "price": 20, "attributes": {"color": "Red"}},
                {"sku": "ZEP-BLUE", "price": 60, "attributes": {"color": "Blue"}},
            ],
        )
    )
    one = listing(other_seller, 30.00, "ZEP-ONE")
    red, blue = (v["variant_id"] for v in two_colours["variants"])
    for variant, quantity in ((red, 0), (blue, 10), (one["variants"][0]["variant_id"], 10)):
        stock(client, variant, quantity)
    wait_for_outbox(container)

    box = client.get(f"/api/v1/products/{two_colours['product_id']}").json()["buy_box"]
    assert (box["winner"]["product_id"], box["winner"]["price"]) == (one["product_id"], 30.0)
    assert [(o["product_id"], o["price"]) for o in box["other_offers"]] == [(two_colours["product_id"], 60.0)]
    found = client.get("/api/v1/products/search", params={"q": "zephyr", "in_stock": "true", "price_max": 40}).json()
    assert [r["product_id"] for r in found["results"]] == [one["product_id"]]


def test_a_canonical_listing_joins_the_buy_box(client, seller: SellerClient, other_seller: SellerClient):
    original = seller.create(**product_body(title="Handmade Oak Cutting Board", variants=[{"sku": "OAK", "price": 40}]))
    copy = other_seller.create(
        **product_body(
            title="Oak cutting board",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "OAK2", "price": 35}],
        )
    )
    box = client.get(f"/api/v1/products/{original['product_id']}").json()["buy_box"]
    assert {box["winner"]["product_id"], *[o["product_id"] for o in box["other_offers"]]} == {
        original["product_id"],
        copy["product_id"],
    }
    # neither is stocked: the page does not advertise a price no one can buy
    assert "1 other offer, out of stock" in client.get(f"/p/{original['product_id']}").text
    bad = other_seller.request(
        "POST", "/products", json=product_body(canonical_product_id="4242", variants=[{"sku": "X", "price": 1}])
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "canonical_product_id"


def test_an_offer_of_a_product_with_a_gtin_carries_that_gtin(client, seller: SellerClient, other_seller: SellerClient):
    # else any listing could join a buy box and win it with a cheaper, different item
    original = listing(seller, 90, "ZEP-1")
    for gtin, reason in ((None, "missing"), ("9999999999994", "another")):
        body = product_body(
            title="Totally different thing",
            gtin=gtin,
            canonical_product_id=original["product_id"],
            variants=[{"sku": f"D-{reason}", "price": 1}],
        )
        refused = other_seller.request("POST", "/products", json=body)
        assert refused.status_code == 422, reason
        assert refused.json()["errors"][0]["field"] == "gtin" and GTIN in refused.json()["errors"][0]["reason"]
    joined = other_seller.create(
        **product_body(gtin=GTIN, canonical_product_id=original["product_id"], variants=[{"sku": "D-OK", "price": 80}])
    )
    box = client.get(f"/api/v1/products/{original['product_id']}").json()["buy_box"]
    offers = {box["winner"]["product_id"], *(o["product_id"] for o in box["other_offers"])}
    assert joined["product_id"] in offers
    changed = other_seller.request("PATCH", f"/products/{joined['product_id']}", json={"gtin": "9999999999994"})
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "gtin"
    under_offers = seller.request("PATCH", f"/products/{original['product_id']}", json={"gtin": "9999999999994"})
    assert under_offers.status_code == 422 and under_offers.json()["errors"][0]["field"] == "gtin"
    assert seller.request("PATCH", f"/products/{original['product_id']}", json={"title": "Zephyr NC"}).is_success


def test_an_offer_of_a_product_without_a_gtin_names_it(seller: SellerClient, other_seller: SellerClient):
    # without a GTIN, the title is what says it is the same product: not "Totally different thing" at $1
    original = seller.create(**product_body(title="Handmade Oak Cutting Board", variants=[{"sku": "OAK", "price": 40}]))
    body = product_body(
        title="Totally different thing",
        canonical_product_id=original["product_id"],
        variants=[{"sku": "D", "price": 1}],
    )
    refused = other_seller.request("POST", "/products", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "title"
    assert "Handmade Oak Cutting Board" in refused.json()["errors"][0]["reason"]
    offer = other_seller.request("POST", "/products", json={**body, "title": "Oak cutting board"})
    assert offer.status_code == 201
    renamed = other_seller.request("PATCH", f"/products/{offer.json()['product_id']}", json={"title": "Something else"})
    assert renamed.status_code == 422 and renamed.json()["errors"][0]["field"] == "title"


def test_offers_join_the_product_the_others_join_not_an_offer_of_it(
    seller: SellerClient, other_seller: SellerClient, client
):
    original = seller.create(**product_body(title="Handmade Oak Cutting Board", variants=[{"sku": "OAK", "price": 40}]))
    offer = other_seller.create(
        **product_body(
            title="Oak Cutting Board",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "OAK2", "price": 35}],
        )
    )
    third = SellerClient(client, "Third Goods")
    chained = third.request(
        "POST",
        "/products",
        json=product_body(canonical_product_id=offer["product_id"], variants=[{"sku": "T", "price": 1}]),
    )
    assert chained.status_code == 422
    assert original["product_id"] in chained.json()["errors"][0]["reason"]  # names the product to join instead
    own = third.create(**product_body(variants=[{"sku": "T2", "price": 30}]))
    named = seller.request(
        "PATCH", f"/products/{original['product_id']}", json={"canonical_product_id": own["product_id"]}
    )
    assert named.status_code == 422 and named.json()["errors"][0]["field"] == "canonical_product_id"


def test_search_shows_the_canonical_listing_unless_only_another_can_ship(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)
    original = seller.create(**product_body(title="Handmade Oak Cutting Board", variants=[{"sku": "OAK", "price": 40}]))
    copy = other_seller.create(
        **product_body(
            title="Oak cutting board",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "OAK2", "price": 45}],
        )
    )
    stock(client, original["variants"][0]["variant_id"], 5)
    stock(client, copy["variants"][0]["variant_id"], 5)
    wait_for_outbox(container)

    def shown(**params) -> list[str]:
        found = client.get("/api/v1/products/search", params={"q": "oak cutting board", **params}).json()
        return [r["product_id"] for r in found["results"]]

    assert shown() == [original["product_id"]]  # the canonical listing, though both ship
    stock(client, original["variants"][0]["variant_id"], 0)
    wait_for_outbox(container)
    assert shown() == shown(in_stock="true") == [copy["product_id"]]  # only the copy can ship: it shows
    stock(client, original["variants"][0]["variant_id"], 3)
    wait_for_outbox(container)
    assert shown() == [original["product_id"]]


def test_a_lone_listing_is_its_own_winner(client, seller: SellerClient):
    product = seller.create()
    box = client.get(f"/api/v1/products/{product['product_id']}").json()["buy_box"]
    assert box["winner"]["product_id"] == product["product_id"] and box["other_offers"] == []


def _warehouse(client) -> None:
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)


def _search_ids(client, q: str) -> list[str]:
    return [r["product_id"] for r in client.get("/api/v1/products/search", params={"q": q}).json()["results"]]


def test_an_out_of_stock_offer_never_takes_the_box(client, seller: SellerClient, other_seller: SellerClient, container):
    _warehouse(client)
    original = seller.create(**product_body(title="Walnut Desk Organizer", variants=[{"sku": "WDO", "price": 60}]))
    stock(client, original["variants"][0]["variant_id"], 5)
    attacker = other_seller.create(
        **product_body(
            title="Walnut Desk Organizer",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "WDO-CHEAP", "price": 1}],
        )
    )
    wait_for_outbox(container)
    box = client.get(f"/api/v1/products/{original['product_id']}").json()["buy_box"]
    assert box["winner"]["product_id"] == original["product_id"]
    assert [o["product_id"] for o in box["other_offers"]] == [attacker["product_id"]]
    assert original["product_id"] in _search_ids(client, "walnut desk organizer")


def test_the_canonical_product_stays_in_search_when_another_listing_wins(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    _warehouse(client)
    original = seller.create(**product_body(title="Copper Kettle Deluxe", variants=[{"sku": "CKD", "price": 80}]))
    cheaper = other_seller.create(
        **product_body(
            title="Copper Kettle Deluxe",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "CKD-2", "price": 50}],
        )
    )
    for created in (original, cheaper):
        stock(client, created["variants"][0]["variant_id"], 5)
    wait_for_outbox(container)
    box = client.get(f"/api/v1/products/{original['product_id']}").json()["buy_box"]
    assert box["winner"]["product_id"] == cheaper["product_id"]  # the box is fair...
    assert _search_ids(client, "copper kettle deluxe") == [original["product_id"]]  # ...and the product stays


def test_a_draft_canonical_answers_like_an_unknown_one(seller: SellerClient, other_seller: SellerClient):
    draft = seller.create(**product_body(status="DRAFT", variants=[{"sku": "SECRET", "price": 5}]))
    unknown_id = str(int(draft["product_id"]) + 7)
    answers = []
    for target in (draft["product_id"], unknown_id):
        response = other_seller.request(
            "POST", "/products", json=product_body(canonical_product_id=target, variants=[{"sku": "Q", "price": 1}])
        )
        assert response.status_code == 422
        answers.append([(e["field"], e["reason"].replace(target, "ID")) for e in response.json()["errors"]])
    assert answers[0] == answers[1]


def test_a_page_shows_the_new_price_of_another_listing_in_its_buy_box(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    """The cached page of the original names the copy's offer: a change to the copy must drop that page too."""
    original = seller.create(**product_body(title="Slate Coaster Set", variants=[{"sku": "SLATE", "price": 40}]))
    copy = other_seller.create(
        **product_body(
            title="Slate coaster set",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "SLATE-2", "price": 35}],
        )
    )
    wait_for_outbox(container)

    def offer_prices() -> dict[str, float]:
        box = client.get(f"/api/v1/products/{original['product_id']}").json()["buy_box"]
        return {o["product_id"]: o["price"] for o in [box["winner"], *box["other_offers"]]}

    assert offer_prices()[copy["product_id"]] == 35.0  # now cached
    variants = [{"sku": "SLATE-2", "price": 30}]
    changed = other_seller.request("PATCH", f"/products/{copy['product_id']}", json={"variants": variants})
    assert changed.status_code == 200, changed.text
    wait_for_outbox(container)
    assert offer_prices()[copy["product_id"]] == 30.0


def test_a_new_offer_shows_at_once_on_a_page_read_before_it_was_listed(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)
    first = listing(seller, 199.00, "ZEP-A")
    stock(client, first["variants"][0]["variant_id"], 10)
    wait_for_outbox(container)
    page = f"/api/v1/products/{first['product_id']}"
    assert client.get(page).json()["buy_box"]["other_offers"] == []  # now cached, naming no other offer
    cheaper = listing(other_seller, 179.00, "ZEP-B")
    stock(client, cheaper["variants"][0]["variant_id"], 10)
    wait_for_outbox(container)
    box = client.get(page).json()["buy_box"]
    assert box["winner"]["product_id"] == cheaper["product_id"]
    assert [o["product_id"] for o in box["other_offers"]] == [first["product_id"]]


def test_a_product_two_sellers_list_counts_once_in_its_category_as_in_search(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    audio = category_id(container, ["Audio", "Headphones"])
    for who, price, sku in ((seller, 199.00, "ZEP-A"), (other_seller, 179.00, "ZEP-B")):
        body = product_body(title="Zephyr Noise Cancelling Headphones", gtin=GTIN, category_id=audio)
        who.create(**{**body, "variants": [{"sku": sku, "price": price}]})
    wait_for_outbox(container)
    container.categories.forget()
    found = client.get("/api/v1/products/search", params={"category": audio}).json()["total"]
    tree = client.get("/api/v1/categories").json()["categories"]
    [headphones] = [c for root in tree for c in root["children"] if c["name"] == "Headphones"]
    assert found == headphones["product_count"] == 1


def test_a_rollback_is_held_to_the_offer_and_gtin_rules_an_edit_is(
    client, seller: SellerClient, other_seller: SellerClient
):
    # A rollback restores an old version's links; the buy box rules are checked again, as a PATCH checks them.
    original = seller.create(**product_body(title="Handmade Oak Cutting Board", variants=[{"sku": "OAK", "price": 40}]))
    offer = other_seller.create(
        **product_body(
            title="Handmade Oak Cutting Board",
            canonical_product_id=original["product_id"],
            variants=[{"sku": "OAK2", "price": 35}],
        )
    )
    offer_id, original_id = offer["product_id"], original["product_id"]
    assert (
        other_seller.request("PATCH", f"/products/{offer_id}", json={"canonical_product_id": None}).status_code == 200
    )
    joined = seller.request("PATCH", f"/products/{original_id}", json={"canonical_product_id": offer_id})
    assert joined.status_code == 200, joined.text  # the original is now an offer of the former offer
    cycle = other_seller.request("POST", f"/products/{offer_id}/rollback", json={"version": 1})
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["field"] == "canonical_product_id"
    assert client.get(f"/api/v1/products/{offer_id}").json()["version"] == 2  # nothing written

    listed = seller.create(**product_body(title="Zephyr Headphones", gtin=GTIN, variants=[{"sku": "Z1", "price": 9}]))
    listed_id = listed["product_id"]
    regtin = seller.request("PATCH", f"/products/{listed_id}", json={"gtin": "9999999999994"})
    assert regtin.status_code == 200, regtin.text
    other_seller.create(
        **product_body(
            title="Zephyr Headphones",
            gtin="9999999999994",
            canonical_product_id=listed_id,
            variants=[{"sku": "Z2", "price": 8}],
        )
    )
    back = seller.request("POST", f"/products/{listed_id}/rollback", json={"version": 1})
    assert back.status_code == 422 and back.json()["errors"][0]["field"] == "gtin"  # its offers carry the new one
