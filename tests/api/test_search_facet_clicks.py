"""What a facet promises is what clicking it gives: the count beside a value is the total of the search with that
value chosen, for a brand typed in the words as for any other search."""

from __future__ import annotations

import pytest

from tests.api.conftest import SellerClient, category_id, searchable

PHONES, CASES, BAGS = ["Cell Phones", "Phones"], ["Cell Phones", "Phone Cases"], ["Cameras", "Camera Bags & Cases"]
CATALOG = [
    # (title, brand, path)
    ("Nova 7 Phone (Verizon) - Black", "Verizon", PHONES),
    ("Nova 7 Phone (Verizon) - White", "Verizon", PHONES),
    ("Jetpack Hotspot (Verizon)", "Verizon", PHONES),
    ("Nova 7 Phone (Unlocked) - Black", "Nova", PHONES),
    ("Slim Case for Nova 7 - Clear", "Shieldo", CASES),
    ("Rugged Case for Nova 7 - Black", "Shieldo", CASES),
    ("Leather Case for Nova 7 - Brown", "Hidewell", CASES),
    ("Trail Camera Case - Gray", "Hidewell", BAGS),
    ("Zoom Camera Bag - Black", "Lensco", BAGS),
    ("Instant Camera - Mint", "Lensco", ["Cameras", "Instant Cameras"]),
    ("Monitor Stand", "HP", ["Computers", "Accessories"]),
    ("Laser Printer Toner", "HP", ["Computers", "Printers"]),
]


@pytest.fixture
def catalog(client, seller: SellerClient, container) -> None:
    for n, (title, brand, path) in enumerate(CATALOG):
        body = {
            "title": title,
            "brand": brand,
            "status": "ACTIVE",
            "category_id": category_id(container, path),
            "variants": [{"sku": f"FC-{n}", "price": 10 + n}],
        }
        assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)


def _search(client, **params) -> dict:
    response = client.get("/api/v1/products/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


# "nova printer", "hidewell monitor": no such product, so the brand word is let go of (relaxed), and so it is with
# a brand chosen from that search's facets
@pytest.mark.parametrize("q", ["verizon", "nova 7 case", "case", "nova phone", "nova printer", "hidewell monitor"])
def test_every_brand_and_category_count_is_the_total_its_click_gives(client, catalog, q):
    body = _search(client, q=q)
    assert body["total"], q
    facets = body["facets"]
    assert facets["brands"] and facets["categories"]
    for brand in facets["brands"]:
        assert _search(client, q=q, brand=brand["name"])["total"] == brand["count"], (q, brand)
    for category in facets["categories"]:
        assert _search(client, q=q, category=category["id"])["total"] == category["count"], (q, category)


def test_a_brand_typed_alone_facets_its_own_products_not_the_whole_catalog(client, catalog):
    body = _search(client, q="verizon")
    assert body["query"]["filters"]["brand"] == ["Verizon"]
    assert [(b["name"], b["count"]) for b in body["facets"]["brands"]] == [("Verizon", 3)]


def test_a_brand_clicked_beside_a_typed_one_narrows_the_words_never_replaces_them(client, catalog):
    # no HP product mentions Verizon: nothing, rather than every HP product of the catalog
    assert _search(client, q="verizon", brand="HP")["total"] == 0
    titles = {r["title"] for r in _search(client, q="verizon nova", brand="Verizon")["results"]}
    assert titles == {"Nova 7 Phone (Verizon) - Black", "Nova 7 Phone (Verizon) - White"}


def test_a_chosen_filter_shows_the_exact_matches_without_near_ones(client, catalog):
    # "camera case" matches the two camera bags (filed under "Camera Bags & Cases"); the instant camera and the
    # phone cases only nearly
    unfiltered = _search(client, q="camera case")
    assert unfiltered["near_matches"] == 4  # without a filter, near matches pad a thin page
    cameras = next(c for c in unfiltered["facets"]["categories"] if c["name"] == "Cameras")
    clicked = _search(client, q="camera case", category=cameras["id"])
    assert clicked["near_matches"] == 0
    assert clicked["total"] == cameras["count"] == 2
    assert {r["title"] for r in clicked["results"]} == {"Trail Camera Case - Gray", "Zoom Camera Bag - Black"}


def test_a_brand_typed_with_a_kind_counts_and_finds_the_same_after_another_brand_is_clicked(
    client, catalog, seller: SellerClient, container
):
    # a Shieldo case whose description, not its title, names the Nova: the typed brand is read as "Nova's or made
    # for a Nova (its title says so)", and clicking Shieldo keeps that reading
    body = {"title": "Grip Case - Blue", "brand": "Shieldo", "status": "ACTIVE", "description": "Made for the Nova 7"}
    body |= {"category_id": category_id(container, CASES), "variants": [{"sku": "FC-GRIP", "price": 12}]}
    assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)
    typed = _search(client, q="nova case")
    assert typed["query"]["filters"]["brand_in_titles"]
    counts = {b["name"]: b["count"] for b in typed["facets"]["brands"]}
    assert counts["Shieldo"] == 2
    for brand, count in counts.items():
        assert _search(client, q="nova case", brand=brand)["total"] == count, brand
