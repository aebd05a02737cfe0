"""Search and autocomplete over HTTP on the embedded shape, fed by the index builder through the outbox."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, category_id, list_products, searchable, wait_for_outbox

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}

CATALOG = [
    ("Sony WH-1000XM5 Wireless Noise Cancelling Headphones", "Sony", 348.00, ["Electronics", "Audio", "Headphones"]),
    ("Sony MDR-ZX110 Wired On-Ear Headphones", "Sony", 19.99, ["Electronics", "Audio", "Headphones"]),
    ("Sony WF-1000XM4 Earbuds", "Sony", 198.00, ["Electronics", "Audio", "Headphones"]),
    ("Bose QuietComfort 45 Bluetooth Headphones", "Bose", 279.00, ["Electronics", "Audio", "Headphones"]),
    ("JBL Flip 6 Portable Waterproof Speaker", "JBL", 129.95, ["Electronics", "Audio", "Speakers"]),
    ("Samsung Galaxy S7 32GB Smartphone", "Samsung", 199.00, ["Electronics", "Phones"]),
    ("Samsung Galaxy S7 Edge 64GB Smartphone", "Samsung", 299.00, ["Electronics", "Phones"]),
    ("OtterBox Defender Series Case for Galaxy S7", "OtterBox", 39.95, ["Electronics", "Phones", "Cases"]),
    ("OtterBox Defender Series Case for iPhone 6", "OtterBox", 34.95, ["Electronics", "Phones", "Cases"]),
    ("Anker PowerCore 10000 Portable Charger", "Anker", 25.99, ["Electronics", "Phones", "Chargers"]),
    ("Belkin USB-C Wall Charger 30W", "Belkin", 29.99, ["Electronics", "Phones", "Chargers"]),
    ("Samsung 65 inch QLED 4K Television", "Samsung", 1299.00, ["Electronics", "TV"]),
]


@pytest.fixture
def catalog(client, seller: SellerClient, container) -> dict[str, str]:
    ids = {}
    for n, (title, brand, price, path) in enumerate(CATALOG):
        with container.uow() as uow:
            category = uow.categories.get_or_create_path(path, container.ids.next_id)
            uow.commit()
        body = {
            "title": title,
            "brand": brand,
            "status": "ACTIVE",
            "category_id": str(category.category_id),
            "variants": [{"sku": f"SKU-{n}", "price": price}],
        }
        ids[title] = seller.request("POST", "/products", json=body).json()["product_id"]
    reviews = [(CATALOG[0][0], 5), (CATALOG[0][0], 4), (CATALOG[3][0], 2), (CATALOG[4][0], 5)]
    for n, (title, rating) in enumerate(reviews):  # one review per buyer (order) per product
        confirmation = {"order_id": f"order-{n}", "product_ids": [ids[title]]}
        client.post("/api/v1/orders/confirmations", json=confirmation, headers=INTERNAL)
        body = {"rating": rating, "body": "ok", "order_id": f"order-{n}"}
        assert client.post(f"/api/v1/products/{ids[title]}/reviews", json=body).status_code == 201
    wait_for_outbox(container)
    container.categories.forget()
    container.understanding.rebuild()  # the background loop would within seconds; tests do not wait for it
    return ids


def search(client, **params) -> dict:
    response = client.get("/api/v1/products/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def titles(body: dict) -> list[str]:
    return [r["title"] for r in body["results"]]


def test_keyword_search_returns_matching_products_once_each(client, catalog):
    body = search(client, q="headphones")
    assert set(titles(body)) == {t for t, _b, _p, path in CATALOG if "Headphones" in path}  # title or category
    assert body["total"] == 4
    assert titles(body)[-1] == "Sony WF-1000XM4 Earbuds"  # matched by its category only, so ranked last
    assert len({r["product_id"] for r in body["results"]}) == len(body["results"])
    first = body["results"][0]
    assert set(first) >= {"product_id", "title", "price", "rating", "thumbnail_url", "badges", "in_stock"}
    assert set(first["price"]) == {"amount", "currency", "was", "deal"}


def test_natural_language_filters_are_read_and_reported(client, catalog):
    body = search(client, q="sony headphones under $200")
    assert set(titles(body)) == {"Sony MDR-ZX110 Wired On-Ear Headphones", "Sony WF-1000XM4 Earbuds"}
    query = body["query"]
    assert query["keywords"] == ["headphones"]
    assert query["filters"]["brand"] == ["Sony"]
    assert query["filters"]["price_max"] == 200


def test_spelling_is_corrected_from_the_catalogs_words(client, catalog):
    body = search(client, q="samsng galaxy")
    assert body["total"] >= 2
    assert all("Galaxy" in t for t in titles(body))
    assert body["query"]["corrections"]


def test_a_catalog_word_one_typo_from_a_brand_is_read_as_the_brand_when_nothing_matches_as_typed(
    client, seller: SellerClient, container
):
    listed = [("Canon PIXMA Inkjet Printer", "Canon"), ("Canon EOS Camera", "Canon"), ("Cannon Ball Speaker", "Boomer")]
    for n, (title, brand) in enumerate(listed):
        body = {"title": title, "brand": brand, "status": "ACTIVE", "variants": [{"sku": f"RS-{n}", "price": 50}]}
        assert seller.request("POST", "/products", json=body).status_code == 201
    wait_for_outbox(container)
    container.understanding.rebuild()
    body = search(client, q="cannon printer")  # no product holds both words
    assert titles(body) == ["Canon PIXMA Inkjet Printer"]
    assert body["relaxed"] is None
    assert body["query"]["corrections"] == [{"from": "cannon", "to": "canon"}]
    assert body["query"]["corrected"] == "canon printer"
    body = search(client, q="cannon speaker")  # found as typed: the word is the shopper's
    assert titles(body) == ["Cannon Ball Speaker"] and body["query"]["corrections"] == []


def test_a_typo_of_a_synonym_no_title_writes_is_corrected_to_it(client, catalog):
    # "earphones" is in no title; the synonyms say it is "earbuds", which one is
    body = search(client, q="earphnes")
    assert body["query"]["corrected"] == "earphones"
    assert titles(body) == ["Sony WF-1000XM4 Earbuds"]


def test_galaxy_s7_ranks_phones_above_accessories(client, catalog):
    top_two = titles(search(client, q="samsung galaxy s7"))[:2]
    assert all("Smartphone" in t for t in top_two)


def test_filters_sorting_and_facets(client, catalog):
    body = search(client, q="", brand="Samsung", sort="price_asc")
    prices = [r["price"]["amount"] for r in body["results"]]
    assert prices == sorted(prices) and len(prices) == 3
    brands = {f["name"]: f["count"] for f in body["facets"]["brands"]}
    assert brands["Samsung"] == 3 and brands["Sony"] == 3  # a brand's own filter does not hide the others
    assert next(f for f in body["facets"]["brands"] if f["name"] == "Samsung")["selected"] is True
    roots = body["facets"]["categories"]
    assert [c["name"] for c in roots] == ["Electronics"]


def test_category_filter_by_id_or_path_includes_descendants(client, catalog):
    by_path = search(client, category="Electronics > Phones")
    assert by_path["total"] == 6
    phones_id = next(c for c in by_path["facets"]["categories"] if c["name"] == "Chargers")["path"]
    assert phones_id == "Electronics > Phones > Chargers"
    assert search(client, category="Electronics/Phones/Chargers")["total"] == 2
    unknown = client.get("/api/v1/products/search", params={"category": "Garden"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "category"


def test_the_chosen_category_is_the_selected_facet_entry_before_its_children(client, catalog):
    phones = search(client, category="Electronics > Phones")
    entries = [(c["path"], c["count"], c["selected"]) for c in phones["facets"]["categories"]]
    assert entries[0] == ("Electronics > Phones", phones["total"], True)
    assert [selected for _path, _n, selected in entries[1:]] == [False] * (len(entries) - 1)
    assert all(path.startswith("Electronics > Phones > ") for path, _n, _s in entries[1:])
    assert all(set(c) == {"id", "name", "path", "count", "selected"} for c in phones["facets"]["categories"])
    chargers = search(client, category="Electronics > Phones > Chargers", q="charger")  # a leaf: only itself
    assert [(c["name"], c["selected"]) for c in chargers["facets"]["categories"]] == [("Chargers", True)]
    assert not any(c["selected"] for c in search(client)["facets"]["categories"])


def test_rating_filter_and_facet(client, catalog):
    body = search(client, rating_min=4)
    assert set(titles(body)) == {CATALOG[0][0], CATALOG[4][0]}
    ratings = {r["min"]: r["count"] for r in search(client)["facets"]["ratings"]}
    assert ratings[4] == 2 and ratings[2] == 3


def test_nothing_matches_so_the_query_is_relaxed_and_says_so(client, catalog):
    body = search(client, q="sony headphones under $10")
    assert body["relaxed"]["steps"][0] == {"dropped": "price", "value": {"min": None, "max": 10.0}}
    assert body["total"] == 3 and all("Sony" in t for t in titles(body))
    nothing = search(client, q="xylophone headphones")
    assert nothing["relaxed"]["steps"] == [{"dropped": "keyword", "value": "xylophone"}]


def test_charger_under_30(client, catalog):
    assert set(titles(search(client, q="charger under 30"))) == {CATALOG[9][0], CATALOG[10][0]}


def test_otterbox_defender_with_a_typo(client, catalog):
    body = search(client, q="otterbox defnder")
    assert set(titles(body)) == {CATALOG[7][0], CATALOG[8][0]}
    assert body["query"]["corrections"] == [{"from": "defnder", "to": "defender"}]


def test_paging_is_stable_and_bounded(client, catalog):
    first = search(client, q="", page_size=4, sort="price_asc")
    second = search(client, q="", page=2, page_size=4, sort="price_asc")
    both = search(client, q="", page_size=8, sort="price_asc")
    assert len(titles(first)) == len(titles(second)) == 4  # two full pages: an empty page pairs with anything
    assert titles(first) + titles(second) == titles(both)  # page 2 goes on where page 1 stopped, in order
    prices = [card["price"]["amount"] for card in both["results"]]
    assert prices == sorted(prices)
    assert not set(titles(first)) & set(titles(second))
    assert client.get("/api/v1/products/search", params={"page_size": 101}).status_code == 422
    assert client.get("/api/v1/products/search", params={"page": 10_000, "page_size": 100}).status_code == 422


def test_a_change_becomes_searchable_and_a_deletion_disappears(client, catalog, seller: SellerClient):
    product_id = catalog[CATALOG[4][0]]
    seller.request("PATCH", f"/products/{product_id}", json={"title": "JBL Flip 6 Portable Waterproof Boombox"})
    deadline = time.monotonic() + 20
    while not search(client, q="boombox")["total"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert titles(search(client, q="boombox")) == ["JBL Flip 6 Portable Waterproof Boombox"]
    seller.request("DELETE", f"/products/{product_id}")
    while search(client, q="boombox")["total"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert search(client, q="boombox")["total"] == 0


@pytest.mark.parametrize(
    "q",
    [
        "",
        "x" * 10_000,
        "🥾 靴 ünïcödé",
        '"unterminated',
        "title:sony^10 AND (price:[0 TO 1] OR *)",
        "headphones AND NOT OR",
        "'; DROP TABLE products; --",
        "\\ / : * ? ~ ^ { } [ ] ( ) ! -",
        "%00%ff",
    ],
)
def test_any_query_text_is_safe(client, catalog, q):
    response = client.get("/api/v1/products/search", params={"q": q})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["results"], list)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"price_min": "cheap"}, "price_min"),
        ({"price_max": "NaN"}, "price_max"),
        ({"price_min": "-5"}, "price_min"),
        ({"rating_min": "9"}, "rating_min"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"q": "x" * 10_001}, "q"),
        ({"attr": [f"color:c{n}" for n in range(21)]}, "attr"),  # as many as the OpenAPI document allows: 20
    ],
)
def test_bad_parameters_are_422_naming_them(client, params, field):
    response = client.get("/api/v1/products/search", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_autocomplete(client, catalog):
    suggestions = client.get("/api/v1/products/autocomplete", params={"q": "sam"}).json()["suggestions"]
    assert 0 < len(suggestions) < 10
    assert {"type": "brand", "text": "Samsung"} in suggestions
    typo = client.get("/api/v1/products/autocomplete", params={"q": "headpohnes"}).json()["suggestions"]
    assert any("headphones" in s["text"].lower() for s in typo)
    assert client.get("/api/v1/products/autocomplete", params={"q": ""}).json()["suggestions"] == []
    # a typo in a word already finished is forgiven too, as a search forgives it
    body = client.get("/api/v1/products/autocomplete", params={"q": "samsng gal"}).json()
    assert body["completed"] == "samsung gal"
    assert any(s["text"].startswith("Samsung Galaxy S7") for s in body["suggestions"])
    # and one in a word still being typed: "hedph" begins no word, but is one letter from "headph"
    body = client.get("/api/v1/products/autocomplete", params={"q": "hedph"}).json()
    assert body["completed"] == "headph"
    assert any("headphones" in s["text"].lower() for s in body["suggestions"])
    # a control character is no letter typed: neither echoed back nor read as part of a word
    body = client.get("/api/v1/products/autocomplete", params={"q": "sam\x00"}).json()
    assert "\x00" not in body["q"] and {"type": "brand", "text": "Samsung"} in body["suggestions"]


def test_autocomplete_completes_a_word_from_the_titles_that_hold_the_words_before_it(
    client, catalog, seller: SellerClient, container
):
    def suggested(q: str, kind: str) -> list[str]:
        suggestions = client.get("/api/v1/products/autocomplete", params={"q": q}).json()["suggestions"]
        return [s["text"] for s in suggestions if s["type"] == kind]

    assert suggested("galaxy s7 c", "query") == ["galaxy s7 case"]  # not "charger" nor "cancelling"
    assert set(suggested("c", "query")) >= {"case", "charger"}  # with no words before: over every title
    assert suggested("fo", "query") == []  # "for" is in two titles, and no search
    seller.create(title="APC Smart-UPS 2.4kW Rack Mount", variants=[{"sku": "UPS-24", "price": 900}])
    seller.create(title="APC Rack Kit APP3RACKIT Apprentice", variants=[{"sku": "APP-3", "price": 90}])
    for n in range(3):  # "com" is the commonest word beginning with "co" in these titles, and no search
        seller.create(title=f"StarTech.com Cable {n}", variants=[{"sku": f"ST-{n}", "price": 9}])
    wait_for_outbox(container)
    assert "com" not in suggested("co", "query") and "cable com" not in suggested("cable co", "query")
    assert suggested("4k", "product") == ["Samsung 65 inch QLED 4K Television"]  # "4k" is not inside "2.4kW"
    assert suggested("app", "query") == ["apprentice"]  # a part code is no word to complete to
    assert suggested("app3", "query") == ["app3rackit"]  # unless a code is what is being typed


def test_autocomplete_after_a_finished_word_suggests_the_words_that_follow_it(client, catalog, seller, container):
    seller.create(title="Sony SRS-XB13 Speaker", variants=[{"sku": "SRS-13", "price": 60}])
    seller.create(title="Sony SRSXB43 Speaker", variants=[{"sku": "SRS-43", "price": 250}])
    wait_for_outbox(container)
    body = client.get("/api/v1/products/autocomplete", params={"q": "sony "}).json()
    queries = [s["text"] for s in body["suggestions"] if s["type"] == "query"]
    assert queries and all(q.startswith("sony ") for q in queries) and "sony headphones" in queries
    assert not any(q in ("sony", "sony 1000xm5", "sony srsxb43") or q.split()[-1].isdigit() for q in queries)
    assert body["completed"] is None


def test_autocomplete_forgets_a_brand_whose_products_were_all_deleted(client, catalog, seller, container):
    def brands(typed: str) -> list[str]:
        body = client.get("/api/v1/products/autocomplete", params={"q": typed}).json()
        return [s["text"] for s in body["suggestions"] if s["type"] == "brand"]

    made = [seller.create(title="Zorblax Lamp", brand="Zorblax", variants=[{"sku": "ZB-1", "price": 20}])]
    made.append(seller.create(title="Zorbit Desk Fan", brand="Zorbit", variants=[{"sku": "ZF-1", "price": 30}]))
    wait_for_outbox(container)
    assert set(brands("zorb")) == {"Zorblax", "Zorbit"}
    assert seller.request("DELETE", f"/products/{made[0]['product_id']}").status_code == 200
    wait_for_outbox(container)
    assert brands("zorb") == ["Zorbit"]
    assert client.get("/api/v1/products/search", params={"q": "zorblax"}).json()["total"] == 0


def test_a_related_product_deleted_or_renamed_leaves_the_cached_page_that_shows_it(client, catalog, seller, container):
    page_url = f"/api/v1/products/{catalog[CATALOG[0][0]]}"
    shown = client.get(page_url).json()["related_products"]  # the page is cached from here on
    first, second = shown[0], shown[1]
    assert seller.request("DELETE", f"/products/{first['product_id']}").status_code == 200
    renamed = seller.request("PATCH", f"/products/{second['product_id']}", json={"title": "Sony Studio Headphones"})
    assert renamed.status_code == 200, renamed.text
    wait_for_outbox(container)
    now = {r["product_id"]: r["title"] for r in client.get(page_url).json()["related_products"]}
    assert first["product_id"] not in now
    assert now.get(second["product_id"], "Sony Studio Headphones") == "Sony Studio Headphones"


def test_the_product_page_shows_related_products(client, catalog):
    page = client.get(f"/api/v1/products/{catalog[CATALOG[0][0]]}").json()
    related = [r["title"] for r in page["related_products"]]
    assert related and CATALOG[0][0] not in related
    assert "Headphones" in related[0] or "Sony" in related[0]


def test_the_vocabulary_follows_the_index_in_the_background(client, catalog, seller: SellerClient):
    for n, title in enumerate(["Zanzibar Teapot", "Zanzibar Tea Cups"]):  # a word seen twice can be a correction
        body = {"title": title, "status": "ACTIVE", "variants": [{"sku": f"ZT-{n}", "price": 9}]}
        seller.request("POST", "/products", json=body)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if search(client, q="zanzibr teapot")["query"]["corrections"]:
            break
        time.sleep(0.1)
    assert search(client, q="zanzibr teapot")["query"]["corrections"] == [{"from": "zanzibr", "to": "zanzibar"}]


def test_every_facet_entry_has_a_name_a_count_and_selected(client, catalog):
    body = search(client, q="", rating_min=4)
    facets = body["facets"]
    for facet in ("brands", "categories", "price_ranges", "ratings"):
        assert facets[facet], facet
        for entry in facets[facet]:
            assert isinstance(entry["name"], str) and entry["name"], (facet, entry)
            assert isinstance(entry["count"], int), (facet, entry)
            assert isinstance(entry["selected"], bool), (facet, entry)
    assert [r["selected"] for r in facets["ratings"] if r["min"] == 4] == [True]


def test_a_brand_spelled_twice_shows_once_and_its_count_is_what_its_filter_finds(client, catalog, seller, container):
    seller.request(
        "POST",
        "/products",
        json={
            "title": "OtterBox Commuter Case",
            "brand": "OTTERBOX",
            "status": "ACTIVE",
            "variants": [{"sku": "OB-1", "price": 20}],
        },
    )
    wait_for_outbox(container)
    brands = [f for f in search(client, q="")["facets"]["brands"] if f["name"].casefold() == "otterbox"]
    assert [(f["name"], f["count"]) for f in brands] == [("OtterBox", 3)]
    assert search(client, q="", brand="OtterBox")["total"] == 3


def test_a_brand_with_an_accent_is_found_however_the_accent_is_encoded(client, catalog, seller, container):
    composed, decomposed = "M\u00fcller", "Mu\u0308ller"  # "ü" as one character, and as "u" + a combining mark
    body = {
        "title": "Kitchen Scale",
        "brand": decomposed,
        "status": "ACTIVE",
        "variants": [{"sku": "MU-1", "price": 9}],
    }
    assert seller.request("POST", "/products", json=body).status_code == 201
    wait_for_outbox(container)
    for spelled in (composed, decomposed):
        assert [r["title"] for r in search(client, q="", brand=spelled)["results"]] == ["Kitchen Scale"], spelled


@pytest.mark.parametrize(
    ("q", "params", "bounds"),
    [
        ("headphones under $20", {"price_min": 50}, (50, None)),
        ("headphones over $500", {"price_max": 400}, (None, 400)),
        ("headphones under $20", {"price_max": 400}, (None, 400)),  # the same bound given: the parameter's
    ],
)
def test_a_price_in_the_words_gives_way_to_a_price_parameter_it_contradicts(client, catalog, q, params, bounds):
    found = search(client, q=q, **params)
    assert found["total"] > 0
    assert found["query"]["filters"]["price_min"] is None and found["query"]["filters"]["price_max"] is None
    low, high = bounds
    prices = [r["price"]["amount"] for r in found["results"]]
    assert all((low is None or p >= low) and (high is None or p <= high) for p in prices), prices


def test_a_part_number_in_the_specifications_finds_its_product(client, catalog, seller, container):
    body = {
        "title": "HP 85A Original Black 1 piece",
        "attributes": {"oem_code": "CE285A", "Part Number": "Q6462A; Q6463A", "weight": 620},
        "status": "ACTIVE",
        "variants": [{"sku": "HP-85A", "price": 79}],
    }
    assert seller.request("POST", "/products", json=body).status_code == 201
    wait_for_outbox(container)
    for typed in ("CE285A", "ce-285a", "q6463a", "hp ce285a"):
        assert titles(search(client, q=typed)) == ["HP 85A Original Black 1 piece"], typed
    assert search(client, q="620")["total"] == 0  # a weight is no part number


def test_a_brand_with_a_comma_is_chosen_by_its_whole_name(client, catalog, seller, container):
    for sku, brand in (("QF-1", "Black, Decker & Sons"), ("QF-2", "Decker & Sons")):
        body = {
            "title": "Quillfeather Desk Lamp",
            "brand": brand,
            "status": "ACTIVE",
            "variants": [{"sku": sku, "price": 29}],
        }
        assert seller.request("POST", "/products", json=body).status_code == 201
    wait_for_outbox(container)
    whole = search(client, q="quillfeather", brand="Black, Decker & Sons")
    assert [(r["brand"], r["title"]) for r in whole["results"]] == [("Black, Decker & Sons", "Quillfeather Desk Lamp")]
    assert [b["name"] for b in whole["facets"]["brands"] if b["selected"]] == ["Black, Decker & Sons"]
    spaced = search(client, q="quillfeather", brand=" black,  Decker & sons ")
    assert [b["name"] for b in spaced["facets"]["brands"] if b["selected"]] == ["Black, Decker & Sons"]
    assert search(client, q="quillfeather", brand="Sony,Decker & Sons")["total"] == 1  # a list still splits
    page = client.get("/search", params={"q": "quillfeather", "brand": "Black, Decker & Sons"})
    assert page.status_code == 200 and "1 result" in page.text


@pytest.mark.parametrize(
    ("title", "typed"),
    [
        ("Синий чайник Ёжик", ["синий чайник ёжик", "Чайник"]),
        ("Κόκκινος βραστήρας", ["Κόκκινος βραστήρας", "βραστήρας"]),
        ("電気ケトル ガラス", ["ガラス"]),
    ],
)
def test_a_product_titled_in_any_script_is_found_by_its_words(client, catalog, seller, container, title, typed):
    body = {"title": title, "status": "ACTIVE", "variants": [{"sku": "SCRIPT-1", "price": 19}]}
    assert seller.request("POST", "/products", json=body).status_code == 201
    wait_for_outbox(container)
    container.understanding.rebuild()  # the words are known to spelling from here on: still found as typed
    for q in typed:
        found = search(client, q=q)
        assert (titles(found), found["relaxed"]) == ([title], None), q


def test_a_brand_word_that_would_empty_the_query_boosts_instead(client, catalog, seller, container):
    case = {"title": "Incipio Feather Case for Samsung Galaxy S7", "brand": "Incipio", "status": "ACTIVE"}
    seller.request("POST", "/products", json={**case, "variants": [{"sku": "IN-1", "price": 25}]})
    wait_for_outbox(container)
    container.understanding.rebuild()
    body = search(client, q="samsung incipio")  # Samsung makes no Incipio case: an Incipio case for a Samsung
    assert body["relaxed"] is None
    assert titles(body)[0] == "Incipio Feather Case for Samsung Galaxy S7"  # then what matches one of the words
    assert body["query"]["filters"]["brand"] == []


def test_a_brand_word_no_product_holds_beside_the_rest_is_reported_as_let_go_of(client, catalog, seller, container):
    case = {"title": "Incipio Feather Case for iPhone 7", "brand": "Incipio", "status": "ACTIVE"}
    seller.request("POST", "/products", json={**case, "variants": [{"sku": "IN-7", "price": 25}]})
    wait_for_outbox(container)
    container.understanding.rebuild()
    body = search(client, q="samsung incipio")  # nothing holds both words: the Incipio case, and why
    assert titles(body) == ["Incipio Feather Case for iPhone 7"]
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "samsung"}]


def test_a_synonym_never_finds_a_word_it_only_shares_a_stem_with(client, catalog, seller, container):
    case = {"title": "Spigen Rugged Armor Case", "brand": "Spigen", "status": "ACTIVE"}
    seller.request("POST", "/products", json={**case, "variants": [{"sku": "RA-1", "price": 15}]})
    wait_for_outbox(container)
    container.understanding.rebuild()
    assert titles(search(client, q="rugged")) == ["Spigen Rugged Armor Case"]
    body = search(client, q="carpet")  # the packaged synonyms say "rug", which the stemmer makes of "Rugged"
    assert body["total"] == 0
    assert all("rug" not in s["expansions"] for s in body["query"]["synonyms"])


def test_a_brand_word_filters_when_that_leaves_matches(client, catalog):
    body = search(client, q="samsung galaxy")
    assert body["query"]["filters"]["brand"] == ["Samsung"]
    assert set(titles(body)) == {"Samsung Galaxy S7 32GB Smartphone", "Samsung Galaxy S7 Edge 64GB Smartphone"}


def test_the_same_catalog_gives_the_same_order_every_time(client, catalog):
    assert titles(search(client, q="headphones")) == titles(search(client, q="headphones"))
    assert titles(search(client, q="")) == titles(search(client, q=""))


def test_autocomplete_learns_the_corrected_query_from_several_clients(container, catalog):
    from aisle.services.search.params import SearchParams

    for _ in range(20):  # one client repeating a typo plants nothing
        container.search.search(SearchParams(q="samsng galaxy", client="10.0.0.9"))
    assert not [s for s in container.autocomplete.suggest("sams").suggestions if s.text == "samsung galaxy"]
    for n in range(3):
        container.search.search(SearchParams(q="samsng galaxy", client=f"10.0.1.{n}"))
    texts = [s.text for s in container.autocomplete.suggest("sams").suggestions if s.kind == "query"]
    assert "samsung galaxy" in texts and "samsng galaxy" not in texts


def test_autocomplete_offers_no_query_that_is_the_typed_text_or_holds_a_stray_mark(container, catalog):
    from aisle.services.search.params import SearchParams

    for n in range(3):
        for query in ("samsung", "samsung galaxy", "samsung\u02ca galaxy s7"):
            container.search.search(SearchParams(q=query, client=f"10.0.3.{n}"))
    assert {"samsung", "samsung galaxy", "samsung\u02ca galaxy s7"} <= {q for q, _n in container.popular.top()}
    texts = [s.text for s in container.autocomplete.suggest("samsung").suggestions if s.kind == "query"]
    assert "samsung galaxy" in texts
    assert "samsung" not in texts and not any("\u02ca" in t for t in texts)


def test_relaxed_searches_teach_autocomplete_nothing(container, catalog):
    from aisle.services.search.params import SearchParams

    for n in range(5):  # no headphones that cheap: the price is let go
        result = container.search.search(SearchParams(q="headphones under $5", client=f"10.0.2.{n}"))
        assert result.relaxed is not None
    assert not any("headphones" in q for q, _n in container.popular.top())


def test_attribute_facets_and_filters_over_http(client, seller: SellerClient, container):
    variants = [
        {"sku": "TEE-R-M", "price": 10, "attributes": {"color": "Red", "size": "M"}},
        {"sku": "TEE-B-M", "price": 10, "attributes": {"color": "Blue", "size": "M"}},
    ]
    seller.create(title="Cotton Tee", variants=variants)
    seller.create(title="Linen Tee", variants=[{"sku": "LIN-R", "price": 20, "attributes": {"Color": "red"}}])
    wait_for_outbox(container)
    body = search(client, q="tee", attr=["color:RED"])
    assert set(titles(body)) == {"Cotton Tee", "Linen Tee"}
    assert body["facets"]["attributes"]["color"] == [
        {"name": "Red", "count": 2, "selected": True},
        {"name": "Blue", "count": 1, "selected": False},
    ]
    assert titles(search(client, q="tee", attr=["color:blue", "size:M"])) == ["Cotton Tee"]
    for bad in ("color", ":Red", "color:", "x" * 101 + ":y"):
        response = client.get("/api/v1/products/search", params={"q": "tee", "attr": bad})
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "attr" in response.text


def test_a_price_sort_under_an_attribute_filter_follows_the_prices_the_cards_show(
    client, seller: SellerClient, container
):
    def scarf(title: str, red: int, blue: int | None = None) -> None:
        variants = [{"sku": f"{title}-R", "price": red, "attributes": {"color": "Red"}}]
        if blue is not None:
            variants.append({"sku": f"{title}-B", "price": blue, "attributes": {"color": "Blue"}})
        seller.create(title=f"Knit Scarf {title}", variants=variants)

    scarf("A", red=80, blue=50)
    scarf("B", red=60)
    scarf("C", red=200, blue=10)
    wait_for_outbox(container)
    for sort, expected in (("price_asc", [60, 80, 200]), ("price_desc", [200, 80, 60])):
        body = search(client, q="scarf", attr=["color:red"], sort=sort)
        assert [card["price"]["amount"] for card in body["results"]] == expected, sort
    # without the filter, each at its lowest price, as the cards show it
    assert [card["price"]["amount"] for card in search(client, q="scarf", sort="price_asc")["results"]] == [10, 50, 60]


def test_a_value_spelt_in_capitals_is_one_facet_entry_with_its_other_spellings(client, seller: SellerClient, container):
    for n, colour in enumerate(("BLACK", "black", "Black", "NAVY")):
        seller.create(
            title=f"Wool Beanie {n}", variants=[{"sku": f"BEANIE-{n}", "price": 9, "attributes": {"color": colour}}]
        )
    wait_for_outbox(container)
    colours = search(client, q="beanie")["facets"]["attributes"]["color"]
    assert [(c["name"], c["count"]) for c in colours] == [("Black", 3), ("NAVY", 1)]
    chosen = search(client, q="beanie", attr=["color:BLACK"])
    assert len(titles(chosen)) == 3  # what the entry counted
    assert {"name": "Black", "count": 3, "selected": True} in chosen["facets"]["attributes"]["color"]


def test_a_value_in_another_unicode_spelling_is_one_facet_entry_found_by_either(
    client, seller: SellerClient, container
):
    # "Rosé" typed with its accent built in (NFC) and after the "e" (NFD, as macOS writes it) look the same
    for n, colour in enumerate(("Ros\u00e9", "Rose\u0301")):
        seller.create(
            title=f"Silk Scarf {n}", variants=[{"sku": f"SILK-{n}", "price": 9, "attributes": {"couleur": colour}}]
        )
    wait_for_outbox(container)
    colours = search(client, q="scarf")["facets"]["attributes"]["couleur"]
    assert [(c["name"], c["count"]) for c in colours] == [("Ros\u00e9", 2)]
    for typed in ("Ros\u00e9", "Rose\u0301", "ROS\u00c9"):
        assert len(titles(search(client, q="scarf", attr=[f"couleur:{typed}"]))) == 2, typed


def test_a_colour_that_lists_several_is_counted_and_found_under_each(client, seller: SellerClient, container):
    two_tone = [
        {"sku": "MUG-BS", "price": 12, "attributes": {"color": "Black,Silver"}},
        {"sku": "MUG-W", "price": 9, "attributes": {"color": "White"}},
    ]
    made = seller.create(title="Steel Mug", variants=two_tone)
    seller.create(title="Glass Mug", variants=[{"sku": "GL-B", "price": 7, "attributes": {"color": "black"}}])
    wait_for_outbox(container)
    colours = {f["name"]: f["count"] for f in search(client, q="mug")["facets"]["attributes"]["color"]}
    assert colours == {"Black": 2, "Silver": 1, "White": 1}
    (silver,) = search(client, q="mug", attr=["color:silver"])["results"]
    assert (silver["title"], silver["price"]["amount"]) == ("Steel Mug", 12)  # the two-tone one's price
    assert silver["variant_id"] == made["variants"][0]["variant_id"]
    assert set(titles(search(client, q="mug", attr=["color:Black"]))) == {"Steel Mug", "Glass Mug"}
    assert set(titles(search(client, q="mug", attr=["color:White/Silver"]))) == {"Steel Mug"}  # either colour


def test_a_colour_and_a_price_are_asked_of_one_variant_over_http(client, seller: SellerClient, container):
    """The wool tee is red at $120 and blue at $50: no answer to "red, under $60", though it has red and $50."""
    wool = [
        {"sku": "WOOL-R", "price": 120, "attributes": {"color": "Red"}},
        {"sku": "WOOL-B", "price": 50, "attributes": {"color": "Blue"}},
    ]
    made = seller.create(title="Wool Tee", variants=wool)
    seller.create(title="Linen Tee", variants=[{"sku": "LIN-R", "price": 20, "attributes": {"color": "Red"}}])
    wait_for_outbox(container)
    assert titles(search(client, q="tee", attr=["color:red"], price_max=60)) == ["Linen Tee"]
    (red,) = search(client, q="tee", attr=["color:red"], price_min=60)["results"]
    assert (red["title"], red["price"]["amount"]) == ("Wool Tee", 120)  # the red one's price, not the blue's $50
    assert red["variant_id"] == made["variants"][0]["variant_id"]  # the red one: the product page opens on it
    page = client.get("/search?q=tee&attr=color:red&price_min=60").text
    assert f'href="/p/{made["product_id"]}?variant={red["variant_id"]}"' in page
    assert titles(search(client, q="tee", attr=["color:blue"], price_max=60)) == ["Wool Tee"]
    unchosen = {r["title"]: r["price"]["amount"] for r in search(client, q="tee")["results"]}
    assert unchosen == {"Wool Tee": 50, "Linen Tee": 20}


def test_in_stock_is_asked_of_the_chosen_colour_over_http(client, seller: SellerClient, container):
    wool = seller.create(
        title="Wool Tee",
        variants=[
            {"sku": "WOOL-R", "price": 120, "attributes": {"color": "Red"}},
            {"sku": "WOOL-B", "price": 50, "attributes": {"color": "Blue"}},
        ],
    )
    linen = seller.create(title="Linen Tee", variants=[{"sku": "LIN-R", "price": 20, "attributes": {"color": "Red"}}])
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=internal)
    for variant, units in ((wool["variants"][0], 0), (wool["variants"][1], 5), (linen["variants"][0], 5)):
        body = {"operation": "SET", "warehouse_id": "main", "quantity": units}
        assert (
            client.patch(f"/api/v1/inventory/{variant['variant_id']}", json=body, headers=internal).status_code == 200
        )
    wait_for_outbox(container)
    assert titles(search(client, q="tee", attr=["color:red"], in_stock="true")) == ["Linen Tee"]  # wool: blue only
    red = {
        r["title"]: (r["price"]["amount"], r["in_stock"])
        for r in search(client, q="tee", attr=["color:red"])["results"]
    }
    assert red == {"Wool Tee": (120, False), "Linen Tee": (20, True)}  # the wool tee's red: sold out
    assert {r["title"]: r["in_stock"] for r in search(client, q="tee")["results"]} == {
        "Wool Tee": True,
        "Linen Tee": True,
    }
    assert titles(search(client, q="tee", attr=["color:blue"], in_stock="true")) == ["Wool Tee"]


def test_a_product_is_priced_by_its_cheapest_variant_in_stock_over_http(client, seller: SellerClient, container):
    """The red shoe is the cheapest ($79.50, was $99) but sold out: the card, the price filter and the sort go by
    the black one in stock ($89.99, was $119.99), until the red comes back into stock."""
    shoe = seller.create(
        title="Trail Runner Shoe",
        variants=[
            {
                "sku": "TR-42-BLK",
                "price": 89.99,
                "compare_price": 119.99,
                "attributes": {"size": "42", "color": "Black"},
            },
            {"sku": "TR-43-BLK", "price": 89.99, "attributes": {"size": "43", "color": "Black"}},
            {"sku": "TR-42-RED", "price": 79.50, "compare_price": 99.00, "attributes": {"size": "42", "color": "Red"}},
        ],
    )
    boot = seller.create(title="Trail Runner Boot", variants=[{"sku": "TR-BOOT", "price": 85.00}])
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)

    def stock(variant: dict, units: int) -> None:
        body = {"operation": "SET", "warehouse_id": "main", "quantity": units}
        answer = client.patch(f"/api/v1/inventory/{variant['variant_id']}", json=body, headers=INTERNAL)
        assert answer.status_code == 200, answer.text

    black, black_43, red = shoe["variants"]
    for variant, units in ((black, 100), (black_43, 3), (red, 0), (boot["variants"][0], 5)):
        stock(variant, units)
    wait_for_outbox(container)
    card = next(r for r in search(client, q="trail runner")["results"] if r["title"] == "Trail Runner Shoe")
    assert (card["price"]["amount"], card["price"]["was"], card["in_stock"]) == (89.99, 119.99, True)
    assert "Save 25%" in card["badges"]
    assert titles(search(client, q="trail runner", in_stock="true", price_max=80)) == []
    assert titles(search(client, q="trail runner", price_max=80)) == []  # priced as shown
    cheapest_first = titles(search(client, q="trail runner", sort="price_asc"))
    assert cheapest_first == ["Trail Runner Boot", "Trail Runner Shoe"]

    stock(red, 2)  # back in stock: now the cheapest one that can be had
    wait_for_outbox(container)
    assert titles(search(client, q="trail runner", in_stock="true", price_max=80)) == ["Trail Runner Shoe"]
    (card,) = search(client, q="trail runner", price_max=80)["results"]
    assert (card["price"]["amount"], card["price"]["was"]) == (79.50, 99.00)

    stock(red, 0)  # sold out again
    wait_for_outbox(container)
    assert titles(search(client, q="trail runner", in_stock="true", price_max=80)) == []
    for variant in (black, black_43):
        stock(variant, 0)  # nothing in stock: the cheapest of all, out of stock
    wait_for_outbox(container)
    (card,) = search(client, q="trail runner shoe", price_max=80)["results"]
    assert (card["price"]["amount"], card["in_stock"]) == (79.50, False)


def test_facets_under_a_colour_count_what_choosing_each_entry_finds(client, seller: SellerClient, container):
    """Red is chosen under $60: Red counts the linen tee alone (the wool one's red is $120), as choosing it shows;
    and under red the sizes and the price buckets count the red variants, not each tee's sizes and lowest price."""
    wool = [
        {"sku": "WOOL-R", "price": 120, "attributes": {"color": "Red", "size": "L"}},
        {"sku": "WOOL-B", "price": 50, "attributes": {"color": "Blue", "size": "M"}},
    ]
    seller.create(title="Wool Tee", variants=wool)
    linen = [{"sku": "LIN-R", "price": 20, "attributes": {"color": "Red", "size": "M"}}]
    seller.create(title="Linen Tee", variants=linen)
    wait_for_outbox(container)
    red_under_60 = search(client, q="tee", attr=["color:red"], price_max=60)
    assert red_under_60["total"] == 1
    assert red_under_60["facets"]["attributes"]["color"] == [
        {"name": "Blue", "count": 1, "selected": False},
        {"name": "Red", "count": 1, "selected": True},
    ]
    red_facets = search(client, q="tee", attr=["color:red"])["facets"]
    assert [(size["name"], size["count"]) for size in red_facets["attributes"]["size"]] == [("L", 1), ("M", 1)]
    red = red_facets["price_ranges"]
    assert {bucket["label"]: bucket["count"] for bucket in red} == {"$10 – $25": 1, "$100 – $200": 1}  # noqa: RUF001
    for bucket in red:  # each count is what choosing the bucket finds
        chosen = search(client, q="tee", attr=["color:red"], price_min=bucket["min"], price_max=bucket["max"])
        assert chosen["total"] == bucket["count"]


def test_pages_follow_one_order(client, catalog):
    whole = titles(search(client, q="galaxy", page_size=12))
    paged = [t for page in (1, 2, 3) for t in titles(search(client, q="galaxy", page=page, page_size=1))]
    assert len(whole) == 3 and paged == whole


def test_a_brand_with_nothing_matching_the_rest_only_lifts_its_products(client, catalog):
    """No JBL headphones, and "jbl" in no headphone's words: the headphones are the answer, not JBL's speaker,
    and the answer says that "jbl" was let go of."""
    body = search(client, q="jbl headphones")
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "jbl"}]
    headphones = {t for t, *_ in CATALOG if "Headphones" in t}
    found = titles(body)
    assert set(found[: len(headphones)]) == headphones
    assert not any("JBL" in t for t in found[: len(headphones)])
    lifted = search(client, q="anker charger")  # Anker has a charger: the brand filters
    assert titles(lifted) == ["Anker PowerCore 10000 Portable Charger"]


@pytest.mark.parametrize("q", ["!!!", "🙂", "$$$", "x" * 60, "\x00", "\x07\x07"])
def test_text_nothing_can_match_finds_nothing_rather_than_everything(client, catalog, q):
    found = search(client, q=q)
    assert found["total"] == 0
    assert found["results"] == []
    assert search(client, q="")["total"] == len(CATALOG)  # a blank query still browses


def test_a_query_of_only_stop_words_is_searched_as_typed(client, catalog):
    found = search(client, q="for")
    assert found["query"]["keywords"] == ["for"]
    assert {r["title"] for r in found["results"]} == {title for title, *_ in CATALOG if " for " in title}


def test_cards_spell_a_brand_as_its_facet_does(client, catalog, seller: SellerClient, container):
    # a seller writes the brand another way: the index keeps one spelling, and the cards show it too
    with container.uow() as uow:
        category = uow.categories.get_or_create_path(["Electronics", "Phones", "Cases"], container.ids.next_id)
        uow.commit()
    body = {
        "title": "Otterbox Commuter Series Case for iPhone 7",
        "brand": "OTTERBOX",
        "status": "ACTIVE",
        "category_id": str(category.category_id),
        "variants": [{"sku": "SKU-SPELLING", "price": 29.95}],
    }
    assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)
    found = client.get("/api/v1/products/search", params={"q": "otterbox case"}).json()
    assert len(found["results"]) == 3
    assert {r["brand"] for r in found["results"]} == {"OtterBox"}
    assert [b["name"] for b in found["facets"]["brands"]] == ["OtterBox"]
    # and so do the related products on a product page
    page = client.get(f"/api/v1/products/{catalog['OtterBox Defender Series Case for iPhone 6']}").json()
    related = {r["title"]: r["brand"] for r in page["related_products"]}
    assert related["Otterbox Commuter Series Case for iPhone 7"] == "OtterBox"


def _list_branded(seller: SellerClient, container, path: list[str], made: list[tuple[str, str]]) -> None:
    """Lists one ACTIVE product per (title, brand) under ``path``, then makes them searchable."""
    for n, (title, brand) in enumerate(made):
        body = {"title": title, "brand": brand, "status": "ACTIVE", "category_id": category_id(container, path)}
        body["variants"] = [{"sku": f"BR-{n}", "price": 20}]
        assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)


def test_a_brand_typed_with_a_kind_is_shown_as_the_maker_or_made_for_it(client, seller: SellerClient, container):
    cases = ["Electronics", "Phones", "Cases"]
    made = [("Samsung Galaxy S7 Clear View Case", "Samsung"), ("Spigen Rugged Case for Samsung Galaxy S7", "Spigen")]
    _list_branded(seller, container, cases, made)

    body = client.get("/api/v1/products/search", params={"q": "samsung case"}).json()
    assert body["query"]["filters"]["brand"] == ["Samsung"] and body["query"]["filters"]["brand_in_titles"]
    assert {r["brand"] for r in body["results"]} == {"Samsung", "Spigen"}
    assert [b["selected"] for b in body["facets"]["brands"] if b["name"] == "Samsung"] == [False]
    page = client.get("/search", params={"q": "samsung case"}, headers={"accept": "text/html"}).text
    assert "Brand: Samsung or made for it" in page

    chosen = client.get("/api/v1/products/search", params={"q": "case", "brand": "Samsung"}).json()
    assert not chosen["query"]["filters"]["brand_in_titles"]
    assert [r["brand"] for r in chosen["results"]] == ["Samsung"]
    assert [b["selected"] for b in chosen["facets"]["brands"] if b["name"] == "Samsung"] == [True]


def test_a_brand_is_kept_before_a_phrase_its_products_write_apart(client, seller: SellerClient, container):
    audio = ["Electronics", "Audio", "Headphones"]
    made = [("Sony Gold Wireless Headset Black", "Sony"), ("Philips SHC1300 Wireless Headphones", "Philips")]
    _list_branded(seller, container, audio, made)

    body = client.get("/api/v1/products/search", params={"q": "sony wireless headphones"}).json()
    assert body["relaxed"] is None  # "sony" was not let go of
    assert [r["title"] for r in body["results"]][:1] == ["Sony Gold Wireless Headset Black"]


def test_facet_counts_follow_a_product_listed_since_they_were_counted(client, seller: SellerClient, container):
    def listed(n: int) -> None:
        variants = [{"sku": f"QF-{n}", "price": 20.0 + n}]
        seller.create(title=f"Quillfeather Notebook {n}", brand="Quill", variants=variants)

    listed(1)
    searchable(container)
    first = client.get("/api/v1/products/search", params={"q": "quillfeather"}).json()
    assert first["total"] == 1 and first["facets"]["brands"][0]["count"] == 1
    listed(2)
    searchable(container)
    again = client.get("/api/v1/products/search", params={"q": "quillfeather"}).json()
    assert again["total"] == 2
    assert again["facets"]["brands"] == [{"name": "Quill", "count": 2, "selected": False}]


def test_autocomplete_reads_a_letter_ending_a_known_phrase_as_a_word(client, seller: SellerClient, container):
    # "usb c" (a phrase of the synonyms) asks for USB-C, not the commoner "USB Cable"s the letter also begins
    for n in range(6):
        seller.create(title=f"Volt USB Cable {n} ft", variants=[{"sku": f"UC-{n}", "price": 5 + n}])
    seller.create(title="Volt USB-C Wall Charger", variants=[{"sku": "UC-C", "price": 19}])
    seller.create(title="Orbit Galaxy Sky Projector", variants=[{"sku": "GS-1", "price": 29}])
    wait_for_outbox(container)
    for typed in ("usb c", "usb-c"):
        suggestions = client.get("/api/v1/products/autocomplete", params={"q": typed}).json()["suggestions"]
        assert next(s["text"] for s in suggestions if s["type"] == "product") == "Volt USB-C Wall Charger", typed
    # a letter after a word no phrase holds is still the start of a word
    suggestions = client.get("/api/v1/products/autocomplete", params={"q": "galaxy s"}).json()["suggestions"]
    assert "Orbit Galaxy Sky Projector" in [s["text"] for s in suggestions if s["type"] == "product"]


def test_autocomplete_suggests_each_title_once_however_many_sellers_list_it(
    client, seller: SellerClient, other_seller: SellerClient, container
):
    for n in range(4):
        for who, prefix in ((seller, "A"), (other_seller, "B")):
            who.create(title=f"Quokka Lamp Model {n}", variants=[{"sku": f"{prefix}-Q{n}", "price": 20 + n}])
    wait_for_outbox(container)
    suggestions = client.get("/api/v1/products/autocomplete", params={"q": "quokka"}).json()["suggestions"]
    titles = [s["text"] for s in suggestions if s["type"] == "product"]
    assert sorted(titles) == [f"Quokka Lamp Model {n}" for n in range(4)]


def test_a_gtin_is_found_as_upc_ean_or_gtin_14(client, seller: SellerClient, container):
    body = {
        "title": "Epson 69 Black Ink Cartridge",
        "status": "ACTIVE",
        "gtin": "0010343866638",
        "variants": [{"sku": "EPS-69", "price": 24.99}],
    }
    assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)
    # UPC-A on the box, EAN-13, GTIN-14, and typed in the groups printed under the barcode
    for typed in ("010343866638", "0010343866638", "00010343866638", "0 10343 86663 8", "010343-866638"):
        assert titles(search(client, q=typed)) == ["Epson 69 Black Ink Cartridge"], typed
    assert search(client, q="10343866638")["total"] == 0  # a code with a digit left off is another code


def test_store_words_for_a_phone_and_a_camera_find_them(client, seller: SellerClient, container):
    list_products(
        seller,
        container,
        "WORDS",
        [
            ("Nova 5 Cell Phone (Unlocked) - Black", ["Cell Phones", "Unlocked Cell Phones"], 199.0),
            ("Nova 5 Case - Black", ["Cell Phones", "Cases"], 19.0, "Protects the handset from drops."),
            ("Canon EOS 500D SLR Camera Kit", ["Cameras", "Digital Cameras"], 899.0),
        ],
    )
    # "handset" is a phone: the unlocked one matches; the case that mentions a handset only nearly does
    body = search(client, q="unlocked handset")
    assert titles(body)[0] == "Nova 5 Cell Phone (Unlocked) - Black"
    assert body["total"] - body["near_matches"] == 1 and body["relaxed"] is None
    assert titles(search(client, q="dslr")) == ["Canon EOS 500D SLR Camera Kit"]


def test_autocomplete_leaves_a_word_of_the_language_no_title_holds_as_typed(client, catalog):
    # "sneaker" is in no title here; it is a word, no typo of the titles' "speaker"
    body = client.get("/api/v1/products/autocomplete", params={"q": "sneaker"}).json()
    assert body["completed"] is None
    body = client.get("/api/v1/products/autocomplete", params={"q": "haedphones"}).json()
    assert body["completed"] == "headphones"  # a typo is still corrected


def test_a_brand_and_a_colour_nearly_match_the_brands_other_colours_not_black_things_naming_it(
    client, seller: SellerClient, container
):
    made = [
        ("Pixelo Phone 32GB - Quite Black", "Pixelo"),
        ("Pixelo Phone 32GB - Very Silver", "Pixelo"),
        ("Pixelo USB-C Cable - Gray", "Pixelo"),
        ("Zeta Case for Pixelo Phone - Black", "Zeta"),
    ]
    _list_branded(seller, container, ["Electronics", "Phones"], made)
    body = search(client, q="pixelo black")
    first = body["results"][0]
    assert (first["title"], first["near_match"]) == ("Pixelo Phone 32GB - Quite Black", False)
    near = [r["title"] for r in body["results"] if r["near_match"]]
    assert set(near) == {"Pixelo Phone 32GB - Very Silver", "Pixelo USB-C Cable - Gray"}


def test_a_word_of_the_language_the_catalog_lacks_is_no_typo_of_a_word_it_has(client, catalog):
    # "sneaker" is one letter from "speaker": a shopper asking for sneakers is shown no speaker as a match
    body = search(client, q="sneaker")
    assert body["total"] == 0 and body["query"]["corrected"] is None
    assert titles(search(client, q="speakr")) == ["JBL Flip 6 Portable Waterproof Speaker"]  # a typo still is one


def test_a_word_ruled_out_keeps_its_products_out_of_results_facets_and_pages(client, catalog):
    body = search(client, q="headphones -sony")
    assert titles(body) == ["Bose QuietComfort 45 Bluetooth Headphones"]
    assert body["query"]["filters"]["excluded"] == ["sony"] and body["query"]["keywords"] == ["headphones"]
    assert {f["name"]: f["count"] for f in body["facets"]["brands"]} == {"Bose": 1}
    assert "S7" not in " ".join(titles(search(client, q="case not galaxy")))  # ruled out from the titles too

    page = client.get("/search", params={"q": "headphones without sony"}, headers={"accept": "text/html"}).text
    assert "Without: sony" in page and "QuietComfort" in page and "WH-1000XM5" not in page


def _list_described(seller: SellerClient, container, rows: list[tuple[str, str, list[str], str]]) -> None:
    """Lists one ACTIVE product per (title, brand, category path, description), then makes them searchable."""
    for n, (title, brand, path, description) in enumerate(rows):
        body = {"title": title, "brand": brand, "description": description, "status": "ACTIVE"}
        body |= {"category_id": category_id(container, path), "variants": [{"sku": f"LN-{n}", "price": 30 + n}]}
        assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)


def test_third_party_shows_what_fits_a_brand_made_by_anyone_else(client, seller, container):
    bands = ["Phones", "Accessories", "Smartwatch Bands"]
    rows = [
        ("Apple - Sport Band for Apple Watch 42mm - Black", "Apple", bands, "Apple's own band."),
        ("Platinum - Leather Band for Apple Watch 42mm - Brown", "Platinum", bands, "Fits Apple Watch."),
        ("Modal - Nylon Band for Apple Watch 38mm - Blue", "Modal", bands, "Fits Apple Watch."),
        ("Platinum - Leather Band for Fitbit Blaze - Black", "Platinum", bands, "Fits Fitbit Blaze."),
    ]
    _list_described(seller, container, rows)
    body = search(client, q="apple watch bands third party")
    assert set(titles(body)[:2]) == {rows[1][0], rows[2][0]} and rows[0][0] not in titles(body)  # not Apple's own
    assert body["query"]["filters"]["not_made_by"] == ["Apple"] and body["query"]["filters"]["brand"] == []
    assert {f["name"] for f in body["facets"]["brands"]} == {"Platinum", "Modal"}
    assert rows[0][0] in titles(search(client, q="apple watch bands"))

    page = client.get("/search", params={"q": "apple watch bands 3rd party"}, headers={"accept": "text/html"}).text
    assert "Not made by Apple" in page and "Nylon Band" in page and "Sport Band" not in page


def test_a_brand_that_with_the_next_word_names_a_product_line_is_a_word_of_it(client, seller, container):
    """ "apple watch cases": cases for an Apple Watch (the synonyms know "apple watch"), not Apple-named iPhone
    cases whose descriptions say "watch videos"."""
    cases, bands = ["Phones", "Accessories", "Cases"], ["Phones", "Accessories", "Smartwatch Bands"]
    rows = [
        (f"Acme - Folio Case for Apple iPhone 7 - Shade {n}", "Acme", cases, "Watch videos hands-free.")
        for n in range(4)
    ]
    rows.append(("Lunar - EPIK Case and Band for Apple Watch 42mm - Black", "Lunar", bands, "A rugged shell."))
    _list_described(seller, container, rows)
    body = client.get("/api/v1/products/search", params={"q": "apple watch cases"}).json()
    assert body["query"]["filters"]["brand"] == [] and body["query"]["keywords"][:2] == ["apple", "watch"]
    assert body["results"][0]["title"] == "Lunar - EPIK Case and Band for Apple Watch 42mm - Black"


def test_a_brand_with_a_colour_none_of_its_products_has_shows_its_products_saying_the_colour_was_let_go(
    client, seller, container
):
    phones, cases = ["Phones", "Cell Phones"], ["Phones", "Accessories", "Cases"]
    rows = [
        ("Samsung - Galaxy S7 32GB - Black Onyx", "Samsung", phones, "A phone."),
        ("Samsung - Galaxy J3 16GB - White", "Samsung", phones, "A phone."),
        ("Acme - Case for Samsung Galaxy S7 - Yellow", "Acme", cases, "A case."),
    ]
    _list_described(seller, container, rows)
    body = client.get("/api/v1/products/search", params={"q": "samsung yellow"}).json()
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "yellow"}]
    assert {r["brand"] for r in body["results"]} == {"Samsung"}
    assert body["relaxed"]["related_categories"][0]["count"] == 2  # where Samsung's products are, not everything


def test_autocomplete_completes_a_plural_typed_whole_with_titles_in_either_number(client, seller, container):
    seller.create(title="Volt Wireless Headphone", variants=[{"sku": "WH-1", "price": 30}])
    seller.create(title="Volt Wireless Headphones Pro", variants=[{"sku": "WH-2", "price": 60}])
    seller.create(title="Volt AA Battery Pack", variants=[{"sku": "WH-3", "price": 6}])
    wait_for_outbox(container)

    def products(typed: str) -> set[str]:
        found = client.get("/api/v1/products/autocomplete", params={"q": typed}).json()["suggestions"]
        return {s["text"] for s in found if s["type"] == "product"}

    assert products("wireless headphones") == {"Volt Wireless Headphone", "Volt Wireless Headphones Pro"}
    assert products("volt batteries") == {"Volt AA Battery Pack"}
