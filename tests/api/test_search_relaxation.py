"""What relaxation lets go of when nothing matches every word: the words that qualify, before the one naming
what the shopper wants."""

from __future__ import annotations

import pytest

from tests.api.conftest import SellerClient, list_products, wait_for_outbox

DRESSES, CASES, MAKEUP = ["Clothing", "Women", "Dresses"], ["Phones", "Phone Cases"], ["Beauty", "Lipsticks"]
CATALOG = [
    ("Floral Summer Dress", DRESSES),
    ("Sleeveless Wrap Dress", DRESSES),
    ("Linen Midi Dress", DRESSES),
    ("Red Slim Phone Case", CASES),
    ("Matte Red Lipstick", MAKEUP),
]


@pytest.fixture
def catalog(client, seller: SellerClient, container) -> None:
    list_products(seller, container, "RELAX", [(title, path, 20 + n) for n, (title, path) in enumerate(CATALOG)])


def test_the_word_naming_the_kind_is_kept_and_the_qualifier_dropped(client, catalog):
    # "dress" is the commoner word here, which would make it the first to go; but no red dress means dresses,
    # not everything red
    body = client.get("/api/v1/products/search", params={"q": "red dresses"}).json()
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "red"}]
    assert {r["title"] for r in body["results"]} == {"Floral Summer Dress", "Sleeveless Wrap Dress", "Linen Midi Dress"}


def test_without_a_kind_named_the_commonest_word_still_goes_first(client, catalog):
    body = client.get("/api/v1/products/search", params={"q": "red floral"}).json()
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "red"}]
    assert [r["title"] for r in body["results"]] == ["Floral Summer Dress"]


@pytest.mark.parametrize(
    "given",
    [{"price_max": 5}, {"brand": "Nobody"}, {"rating_min": 4.5}, {"in_stock": "true"}, {"attr": "size:XXL"}],
)
def test_a_filter_given_as_a_parameter_is_never_relaxed_away(client, catalog, given):
    # nothing is under $5, by Nobody, rated, or stocked: no results, rather than results the shopper filtered out
    body = client.get("/api/v1/products/search", params={"q": "dress", **given}).json()
    assert body["total"] == 0 and body["results"] == []
    assert body["relaxed"] is None


def test_words_still_go_while_the_parameters_stay(client, catalog):
    body = client.get("/api/v1/products/search", params={"q": "red dresses", "price_max": 20}).json()
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "red"}]
    assert [r["title"] for r in body["results"]] == ["Floral Summer Dress"]  # $20; the other dresses cost more


def test_brands_may_be_repeated_or_comma_separated(client, catalog, seller: SellerClient, container):
    for n, brand in enumerate(("Acme", "Zenith", "Other")):
        body = {
            "title": f"{brand} Wrap Dress",
            "brand": brand,
            "status": "ACTIVE",
            "variants": [{"sku": f"B-{n}", "price": 30}],
        }
        assert seller.request("POST", "/products", json=body).status_code == 201
    wait_for_outbox(container)
    for params in ({"brand": ["Acme", "Zenith"]}, {"brand": "Acme,Zenith"}, {"brand": ["Acme,Zenith", "Acme"]}):
        found = client.get("/api/v1/products/search", params={"q": "wrap dress", **params}).json()
        assert {r["title"] for r in found["results"]} == {"Acme Wrap Dress", "Zenith Wrap Dress"}, params
