"""A facet entry counts what choosing it finds, whatever else is chosen: a price sort keeps only the products whose
names hold the words by a rule decided on the words alone (it was decided again under each filter, so a second brand
could shrink the results), and a department typed first reads the same whether it is only typed or also chosen."""

from __future__ import annotations

from tests.api.conftest import SellerClient, category_id, searchable


def search(client, **params) -> dict:
    response = client.get("/api/v1/products/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def list_branded(seller: SellerClient, container, rows: list[tuple[str, str, str, list[str]]]) -> None:
    for n, (title, brand, description, path) in enumerate(rows):
        body = {
            "title": title,
            "brand": brand,
            "description": description,
            "status": "ACTIVE",
            "category_id": category_id(container, path),
            "variants": [{"sku": f"FC-{n}", "price": 10 + n}],
        }
        assert seller.request("POST", "/products", json=body).status_code == 201, title
    searchable(container)


def test_sorted_by_price_a_second_brand_never_shrinks_the_results_and_each_brand_count_is_its_click(
    client, seller, container
):
    # Acme: 2 lanterns by name and 18 things that only mention one; Lumo: 10 lanterns by name. Over the whole
    # catalog 12 of 30 matches are named, so a price sort keeps the named ones, with Acme chosen or not.
    gear = ["Outdoor", "Gear"]
    rows = [(f"Acme Lantern {n}", "Acme", "A bright light", gear) for n in range(2)]
    rows += [(f"Acme Hook {n}", "Acme", "Hangs a lantern from a branch", gear) for n in range(18)]
    rows += [(f"Lumo Lantern {n}", "Lumo", "A warm light", gear) for n in range(10)]
    list_branded(seller, container, rows)
    acme = search(client, q="lantern", sort="price_asc", brand="Acme")
    both = search(client, q="lantern", sort="price_asc", brand=["Acme", "Lumo"], page_size=50)
    assert acme["total"] == 2 and both["total"] == 12
    counted = {b["name"]: b["count"] for b in search(client, q="lantern", sort="price_asc")["facets"]["brands"]}
    assert counted == {"Acme": 2, "Lumo": 10}


def test_a_department_typed_first_finds_the_same_when_it_is_also_chosen_and_falls_back_when_it_holds_nothing(
    client, seller, container
):
    accessories = ["Cell Phones", "Cell Phone Accessories"]
    list_branded(
        seller,
        container,
        [
            ("Belt Clip for Phones", "Clipco", "Holds a phone on a belt", accessories),
            ("Phone Stand", "Clipco", "Props a phone up", accessories),
            ("Cell Phones Clip Art Poster", "Artco", "A poster of cell phones clip art", ["Home", "Decor"]),
            ("Garden Hose", "Hoseco", "Waters the lawn", ["Home", "Garden"]),
        ],
    )
    typed = search(client, q="cell phones clips")
    assert [r["title"] for r in typed["results"]] == ["Belt Clip for Phones"]
    department = next(c for c in typed["facets"]["categories"] if c["name"] == "Cell Phones")
    chosen = search(client, q="cell phones clips", category=department["id"])
    assert chosen["total"] == department["count"] == 1
    aisle = next(c for c in typed["facets"]["categories"] if c["name"] == "Cell Phone Accessories")
    assert search(client, q="cell phones clips", category=aisle["id"])["total"] == aisle["count"]
    # nothing in Cell Phones says hose: the words as typed, anywhere, not an empty page
    anywhere = search(client, q="cell phones garden hose")
    assert anywhere["total"] and "Garden Hose" in [r["title"] for r in anywhere["results"]]


def test_the_search_page_takes_at_most_50_brands_and_says_so(client):
    brands = [f"Brand{n}" for n in range(51)]
    page = client.get("/search", params={"brand": brands, "q": "x" * 5_000})
    assert page.status_code == 200 and "at most 50 brands filter at once" in page.text
    assert "Brand50" not in page.text and "x" * 600 not in page.text  # not repeated in every link of the page
    # thousands of them, as a 44 KB link holds: dropped one pass over them (each one looked up in a list of the
    # others, they took 0.7 s of CPU a request)
    flood = client.get("/search", params={"brand": [f"B{n}" for n in range(4_000)]})
    assert flood.status_code == 200 and "at most 50 brands filter at once" in flood.text
