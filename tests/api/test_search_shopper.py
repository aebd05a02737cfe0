"""What a shopper types, over HTTP, on a small catalog of several departments: a synonym's other sense, a price
sort over a kind of product, units written several ways, and "size 10"."""

from __future__ import annotations

import pytest

from tests.api.conftest import SellerClient, category_id, list_products, searchable
from tests.api.conftest import search_titles as titles

LAPTOPS, PAPER = ["Electronics", "Computers", "Laptops"], ["Office Products", "Office Supplies"]
PHONES, CASES = ["Cell Phones", "Unlocked Cell Phones"], ["Cell Phones", "Cell Phone Accessories", "Phone Cases"]
SIMS, TVS = ["Cell Phones", "Prepaid Phone Cards & SIM Kits"], ["Electronics", "TV & Video", "TVs"]
SHOES = ["Shoes", "Men's Shoes", "Sneakers & Running"]
BOOTS, SLIPPERS = ["Shoes", "Women's Shoes", "Boots"], ["Shoes", "Women's Shoes", "Slippers"]
LEGGINGS = ["Clothing", "Women", "Activewear"]
LOCKS, KITCHEN = ["Electronics", "Computers", "Computer Accessories"], ["Home", "Kitchen", "Microwaves"]
AIR, SLEEVES = ["Home", "Air & Water"], ["Electronics", "Computers", "Laptop Sleeves"]
CATALOG = [
    # (title, prices, path, variant attributes)
    ("Acme Thin Notebook, 15.6 in", [399.0], LAPTOPS, None),
    ("Acme Gaming Laptop, 14 in", [449.0], LAPTOPS, None),
    ("Paperco Dotted Notebook", [4.99], PAPER, None),
    ("Paperco Undated Notebook", [6.99], PAPER, None),
    ("Paperco Refillable Notebook", [8.99], PAPER, None),
    ("Bring Your Own Phone SIM Card Kit", [1.0], SIMS, None),
    ("Slim Case for Nova 5 Phone", [5.0], CASES, None),
    ("Nova 5 Cell Phone", [149.0], PHONES, None),
    ("Nova 3 Cell Phone", [89.0], PHONES, None),
    ("Volt Wall Charger", [3.0], PHONES, None),  # filed among phones, but its own name says it is a charger
    ("Brightview 4K Smart TV, 55 in", [499.0], TVS, None),
    ("Brightview 4K Smart TV, 65 in", [799.0], TVS, None),
    ('Dimview HD TV 32"', [149.0], TVS, None),
    ("Swift Men's Running Shoes", [60.0, 61.0], SHOES, [{"size": "9"}, {"size": "10"}]),
    ("Pace Men's Running Shoes", [55.0, 56.0], SHOES, [{"size": "11"}, {"size": "12"}]),
    ("Trail Women's Hiking Boots", [90.0], BOOTS, None),
    ("Cozy Women's Slippers", [25.0], SLIPPERS, None),
    ("Flex Women's Yoga Leggings", [30.0], LEGGINGS, None),
    ("Kensington MicroSaver Cable Lock", [39.0], LOCKS, None),
    ("Chefmate Microwave Oven", [89.0], KITCHEN, None),
    ("Breeze Air Purifier", [120.0], AIR, None),
    ("Breeze Air Humidifier", [70.0], AIR, None),
    ("Snug Sleeve for MacBook", [25.0], SLEEVES, None),
]


@pytest.fixture
def catalog(client, seller: SellerClient, container) -> None:
    for n, (title, prices, path, attributes) in enumerate(CATALOG):
        variants = [
            {"sku": f"SHOP-{n}-{i}", "price": price, **({"attributes": attributes[i]} if attributes else {})}
            for i, price in enumerate(prices)
        ]
        body = {"title": title, "status": "ACTIVE", "category_id": category_id(container, path), "variants": variants}
        assert seller.request("POST", "/products", json=body).status_code == 201, title
    searchable(container)


def search(client, q: str, **params: object) -> dict:
    response = client.get("/api/v1/products/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_kind_typed_outranks_a_synonyms_other_sense(client, catalog):
    # "laptop" also finds notebooks: the laptops (one named a notebook, filed under Laptops) come before the
    # paper notebooks, which are notebooks only in the synonym's other sense
    found = titles(client, "laptop under 500")
    assert set(found[:2]) == {"Acme Thin Notebook, 15.6 in", "Acme Gaming Laptop, 14 in"}
    assert "Paperco Dotted Notebook" in found[2:]  # still found, after them


def test_a_word_typed_in_its_own_sense_keeps_it(client, catalog):
    assert set(titles(client, "notebook")[:3]) == {
        "Paperco Dotted Notebook",
        "Paperco Undated Notebook",
        "Paperco Refillable Notebook",
    }


def test_a_price_sort_from_the_words_lists_the_kind_asked_first(client, catalog):
    body = search(client, "cheap phones")
    found = [r["title"] for r in body["results"]]
    assert body["sort"] == "price_asc"
    assert found[:2] == ["Nova 3 Cell Phone", "Nova 5 Cell Phone"]  # the phones, cheapest first
    assert found[2] == "Volt Wall Charger"  # then what its category says may be a phone, though its name does not
    assert set(found[3:]) >= {"Bring Your Own Phone SIM Card Kit"}  # then what only mentions a phone
    assert body["total"] == len(found)
    assert body["query"]["predicted_category"]["name"] == "Unlocked Cell Phones"  # where most matches are


def test_a_sort_the_shopper_chose_is_kept_strictly_in_order(client, catalog):
    body = search(client, "phones", sort="price_asc")
    prices = [r["price"]["amount"] for r in body["results"]]
    assert prices == sorted(prices) and len(prices) == body["total"] > 2


def test_a_price_sort_lists_what_is_named_before_what_goes_with_it(client, catalog):
    # "nova" names no kind: the products whose own name says Nova, cheapest first, then the case for one
    found = titles(client, "cheap nova")
    assert found == ["Nova 3 Cell Phone", "Nova 5 Cell Phone", "Slim Case for Nova 5 Phone"]


def test_a_price_sort_naming_nothing_in_particular_is_plain(client, catalog):
    prices = [r["price"]["amount"] for r in search(client, "paperco", sort="price_desc")["results"]]
    assert prices == sorted(prices, reverse=True) and len(prices) == 3


@pytest.mark.parametrize("q", ["55 inch tv", "tv 55 inches", '55" tv', "55-inch tv", "55in tv", "tv 55 in"])
def test_a_size_matches_however_its_unit_is_written(client, catalog, q):
    body = search(client, q)
    assert body["results"][0]["title"] == "Brightview 4K Smart TV, 55 in"  # other TVs may follow
    assert body["relaxed"] is None  # no word was let go of


def test_a_size_written_with_inch_marks_is_found_by_the_word(client, catalog):
    body = search(client, "32 inch tv")
    assert body["results"][0]["title"] == 'Dimview HD TV 32"'
    assert body["relaxed"] is None


def test_size_and_a_value_the_catalog_has_filter_the_variants(client, catalog):
    body = search(client, "running shoes size 10")
    assert [r["title"] for r in body["results"]] == ["Swift Men's Running Shoes"]
    assert body["query"]["keywords"] == ["running", "shoes"]
    assert body["query"]["filters"]["attributes"] == ["size:10"]
    assert body["relaxed"] is None
    sizes = {v["name"]: v["selected"] for v in body["facets"]["attributes"]["size"]}
    assert sizes["10"] is True


def test_a_size_no_product_has_is_let_go_of_quietly(client, catalog):
    body = search(client, "running shoes size 14")
    assert body["query"]["filters"]["attributes"] == []
    found = [r["title"] for r in body["results"]]
    assert set(found[:2]) == {"Swift Men's Running Shoes", "Pace Men's Running Shoes"}  # near matches may follow
    assert body["query"]["keywords"] == ["running", "shoes"]
    assert body["relaxed"] is None


def test_a_size_that_empties_the_search_is_relaxed_before_the_words(client, catalog):
    body = search(client, "swift running shoes size 12")  # size 12 exists, but only for Pace shoes
    assert [r["title"] for r in body["results"]] == ["Swift Men's Running Shoes"]
    assert body["relaxed"]["steps"] == [{"dropped": "attribute", "value": ["size:12"]}]


def test_a_colour_that_empties_the_search_goes_before_the_price_the_words_set(client, catalog):
    body = search(client, "red running shoes under $58")  # no red ones; the Pace shoes fit the budget
    assert [r["title"] for r in body["results"]] == ["Pace Men's Running Shoes"]
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "red"}]
    # any other word stays and the price goes: the Swift shoes asked for, not another maker's within the budget
    named = search(client, "swift running shoes under $58")
    assert [r["title"] for r in named["results"]] == ["Swift Men's Running Shoes"]
    assert [step["dropped"] for step in named["relaxed"]["steps"]] == ["price"]


def test_a_size_chosen_in_the_facets_wins_over_the_words(client, catalog):
    body = search(client, "running shoes size 10", attr="size:11")
    assert [r["title"] for r in body["results"]] == ["Pace Men's Running Shoes"]


def test_who_a_product_is_for_is_kept_longer_than_other_qualifiers(client, catalog):
    # no women's running shoes: women's shoes, not men's running shoes ("womens" is the commoner word here)
    body = search(client, "womens running shoes")
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "running"}]
    assert {r["title"] for r in body["results"]} == {"Trail Women's Hiking Boots", "Cozy Women's Slippers"}


def test_a_word_the_catalog_holds_matches_as_typed_not_its_near_spellings(client, catalog):
    # "microwave" is one edit from the stem of "MicroSaver": typo tolerance is for words the catalog lacks
    assert titles(client, "microwave") == ["Chefmate Microwave Oven"]
    assert titles(client, "microwaves") == ["Chefmate Microwave Oven"]  # held as its singular: no typo either
    assert titles(client, "microwaev") == ["Chefmate Microwave Oven"]  # a typo still finds it


def test_an_edition_word_is_let_go_of_before_the_product_line(client, catalog):
    # no MacBook Air here: what fits a MacBook, not whatever is called "air" ("Air & Water" names no kind)
    body = search(client, "macbook air")
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "air"}]
    assert [r["title"] for r in body["results"]] == ["Snug Sleeve for MacBook"]


def test_relaxation_never_leaves_a_bare_number_to_match(client, catalog):
    for q in ("xylophone 5", "<script>alert(5)</script>"):
        body = search(client, q)
        assert body["total"] == 0 and body["results"] == [], q
    assert search(client, "nova 5")["total"] > 0  # a number beside a word still counts


def test_the_predicted_category_is_the_deepest_holding_most_matches(client, catalog):
    # a boot and a slipper: neither leaf holds most of them, the category above both does
    assert search(client, "womens shoes")["query"]["predicted_category"]["name"] == "Women's Shoes"
    assert search(client, "shoes")["query"]["predicted_category"]["name"] == "Shoes"  # men's and women's


def test_a_store_department_typed_as_words_finds_what_the_department_holds(client, seller: SellerClient, container):
    phones = ["Cell Phones", "Unlocked Cell Phones"]
    accessories = ["Cell Phones", "Cell Phone Accessories"]
    rows = [
        ("BLU - Nova 5 Cell Phone (Unlocked) - Black", phones, 20, "Stay connected all day with fast LTE."),
        ("LG - Volt X Power Cell Phone (Unlocked) - Black", phones, 21, "A phone with a big battery."),
        ("Insignia - Lightning to USB Cable - White", [*accessories, "Data Cables"], 22, "Charge and sync."),
        ("Samsung - USB-C to HDMI Adapter - White", [*accessories, "Adapters"], 23, "Mirror your screen."),
        ("Rayovac - Portable Power Bank 10000 mAh - Gray", [*accessories, "Batteries"], 24, "Charge on the go."),
    ]
    list_products(seller, container, "DEPT", rows)
    connectivity = titles(client, "cell phones connectivity")[:2]
    assert set(connectivity) == {"Insignia - Lightning to USB Cable - White", "Samsung - USB-C to HDMI Adapter - White"}
    assert titles(client, "cell phones alternative power")[:1] == ["Rayovac - Portable Power Bank 10000 mAh - Gray"]


def test_descriptive_and_department_words_find_the_products_described_otherwise(
    client, seller: SellerClient, container
):
    cases = ["Cell Phones", "Cell Phone Accessories", "Cases"]
    rows = [
        ("Speck - Presidio Glitter Case for Apple iPhone 7 - Gold glitter", cases, 30, "Sparkles."),
        ("Modal - Dual Layer Case for Apple iPhone 7 - Rorschach floral", cases, 31, "A pattern."),
        ("LifeProof - FRE Waterproof Case for Apple iPhone 7 - Black", cases, 32, "Goes under water."),
        ("OtterBox - Symmetry Case for Apple iPhone 7 - Black", cases, 33, "Slim and plain."),
        ("ZAGG - Glass Screen Protector for Apple iPhone 7", ["Cell Phones", "Screen Protectors"], 34, "Clear."),
    ]
    list_products(seller, container, "DESC", rows)
    assert set(titles(client, "iphone 7 trend cases")[:2]) == {rows[0][0], rows[1][0]}  # the designed ones
    assert titles(client, "flowers") == [rows[1][0]]
    assert titles(client, "watertight case")[:1] == [rows[2][0]]
    assert titles(client, "iphone surface protection")[:1] == [rows[4][0]]


def test_a_price_sort_keeps_the_products_named_by_the_words_not_those_a_description_mentions(
    client, seller: SellerClient, container
):
    audio = ["Audio", "Headphones"]
    grips = ["Cell Phones", "Cell Phone Accessories", "Grips"]
    rows = [
        ("Jabra - Elite Wireless Headphones - Black", audio, 79, "Calls and music."),
        ("Tzumi - Wired Headphones - White", audio, 15, "Plain and light."),
        ("Sony - Noise Cancelling Headphones - Gray", audio, 199, "Quiet anywhere."),
        ("PopSockets - Marble Grip and Stand - Black", grips, 9, "Prop your phone up to share your headphones."),
    ]
    list_products(seller, container, "GRIP", rows)
    by_relevance = titles(client, "headphones")
    assert by_relevance[-1] == rows[3][0]  # found, last
    for sort in ("price_asc", "price_desc", "rating", "newest"):
        body = search(client, "headphones", sort=sort)
        assert {r["title"] for r in body["results"]} == {t for t, *_ in rows[:3]} and body["total"] == 3, sort
        assert body["described_only"] == 1  # said, with how many
    assert search(client, "headphones")["described_only"] == 0
    page = client.get("/search", params={"q": "headphones", "sort": "price_asc"}).text
    assert "1 more only mentions them in its description" in page and "sort=relevance" in page
    prices = [r["price"]["amount"] for r in search(client, "headphones", sort="price_asc")["results"]]
    assert prices == sorted(prices)
    # when no product (or few) names the words, the descriptions say what the products are: every match is kept
    assert titles(client, "share", sort="price_asc") == [rows[3][0]]
    assert search(client, "share", sort="price_asc")["described_only"] == 0


def test_an_abbreviation_finds_what_the_category_names_by_its_plural(client, seller: SellerClient, container):
    # "SSDs" stems to "ssds", never to "ssd": the NVMe drives, which say "NVMe" but not "SSD", are found as SSDs
    ssds = ["Storage", "Internal SSDs"]
    rows = [
        ("Kestrel KC25 M.2 250 GB PCI Express NVMe", ssds, 60),
        ("Ironbird 510 M.2 480 GB PCI Express NVMe", ssds, 61),
        ("Quartz 870 SATA SSD 1 TB", ssds, 62),
        ("Nimbus NVMe Heatsink for M.2 Drives", ["Storage", "Drive Accessories"], 9),
    ]
    list_products(seller, container, "DRV", rows)
    body = client.get("/api/v1/products/search", params={"q": "nvme ssd"}).json()
    assert body["relaxed"] is None and body["total"] - body["near_matches"] == 2  # matching every word: first
    assert {r["title"] for r in body["results"][:2]} == {title for title, _path, _price in rows[:2]}


def test_near_matches_in_the_aisle_of_the_exact_ones_come_first(client, seller: SellerClient, container):
    # Two products hold every word; the near matches that lack "charger" are phone accessories like them, those
    # that lack "iphone" are computer power cables, whose short titles the words alone score higher.
    accessories = ["Cell Phones", "Cell Phone Accessories"]
    power = ["Cables & Adapters", "Power Cables"]
    rows = [
        ("Pioneer - Lightning Cable for iPhone 6 - Black", [*accessories, "Car Chargers"], 20, "A car charger."),
        ("Modal - iPhone Charger Cable - Blue", accessories, 21, "Charges fast."),
        ("Insignia - 3' Lightning Sync Cable - Red", [*accessories, "iPhone Cables"], 22, "For iPhone."),
        ("Dynex - Lightning to USB Cable - Gray", [*accessories, "iPhone Cables"], 23, "Syncs your iPhone."),
        ("C2G - SATA Power Adapter Cable", power, 24, "Powers a drive."),
        ("ACT - Serial ATA Power Adapter Cable", power, 25, "Powers a drive."),
        ("Sandberg - Molex Power Adapter Cable", power, 26, "Powers a card."),
    ]
    list_products(seller, container, "NEAR", rows)
    body = client.get("/api/v1/products/search", params={"q": "iphone charger cable"}).json()
    assert body["near_matches"] >= 4
    found = [r["title"] for r in body["results"]]
    assert set(found[:2]) == {rows[0][0], rows[1][0]}  # every word
    assert set(found[2:4]) == {rows[2][0], rows[3][0]}  # then the near ones beside them
    assert set(found[4:]) >= {rows[4][0], rows[5][0], rows[6][0]}


def test_near_matches_are_looked_for_in_the_aisle_of_exact_matches_of_the_kind_asked(
    client, seller: SellerClient, container, monkeypatch
):
    # "computer speakers": the monitors match both words (filed under Computers, their descriptions mention
    # speakers) but are no speakers; the near matches come from where speakers are, not from the monitors' aisle,
    # whose products would fill the near matches' window (a few here, RERANK_DEPTH in a real catalog)
    monkeypatch.setattr("aisle.services.search.service.RERANK_DEPTH", 5)
    monitors, speakers = ["Computers", "Monitors"], ["Audio", "Speakers"]
    rows = [
        ("Acme 24 Monitor Full HD", monitors, 120, "With built-in speakers."),
        ("Acme 27 Monitor QHD", monitors, 220, "Two speakers built in."),
        *((f"Zenith {n} Monitor", monitors, 100 + n, "A plain screen.") for n in range(20, 26)),
        ("Bolt Desk Speakers - Black", speakers, 40, "Stereo sound for a desk."),
        ("Bolt Bookshelf Speakers - White", speakers, 60, "Room-filling sound."),
    ]
    list_products(seller, container, "AISLE", rows)
    body = client.get("/api/v1/products/search", params={"q": "computer speakers"}).json()
    found = [r["title"] for r in body["results"]]
    assert body["near_matches"] >= 2 and set(found[:2]) >= {"Bolt Desk Speakers - Black"}
    assert found.index("Bolt Bookshelf Speakers - White") < found.index("Zenith 20 Monitor")


def test_near_matches_in_the_exact_ones_aisle_are_found_past_the_best_by_words(
    client, seller: SellerClient, container, monkeypatch
):
    # "ipad case": two tablet cases hold both words; by "case" alone the phone cases score higher than the tablet
    # case lacking "ipad", and there are more of them than near matches are looked at (a depth of 4 here).
    monkeypatch.setattr("aisle.services.search.service.RERANK_DEPTH", 4)
    tablets = ["Bags & Cases", "Tablet Cases & Stands"]
    phones = ["Cell Phones", "Cell Phone Accessories", "Cases"]
    rows = [
        ("Kensington - Sleeve Case for iPad - Black", tablets, 30),
        ("Philips - Folio Case for iPad Air - Red", tablets, 31),
        ("Speck - Balance Folio Case for 11-inch Tablets - Black", tablets, 32),
        *((f"Case-Mate - Case for Phone {n} - Clear Case", phones, 10 + n) for n in range(8)),
    ]
    list_products(seller, container, "AISLE", rows)
    found = titles(client, "ipad case")
    assert set(found[:2]) == {rows[0][0], rows[1][0]}
    assert found[2] == rows[2][0]


def test_a_brand_typed_with_a_kind_finds_its_products_of_that_kind_named_otherwise(
    client, seller: SellerClient, container
):
    # "dell laptop charger": one Dell product holds every word; Dell's adapters say neither "laptop" nor "charger"
    # (a synonym of "power adapter"), and are what the shopper asks for before Dell's laptops or others' chargers
    power, laptops = ["Computers", "Power Adapters"], ["Computers", "Laptops"]
    rows = [
        ("Dell", "Dell - Laptop Charger 65W - Black", power, 40),
        ("Dell", "DELL PA-12 power adapter Indoor 65 W Black", power, 41),
        ("Dell", "DELL Car/Air power adapter Black", power, 42),
        ("Acme", "Acme - Laptop Charger 90W - Black", power, 43),
        ("Dell", "DELL Latitude 5400 Laptop 14 in", laptops, 900),
    ]
    for n, (brand, title, path, price) in enumerate(rows):
        body = {"title": title, "brand": brand, "status": "ACTIVE", "category_id": category_id(container, path)}
        body["variants"] = [{"sku": f"BK-{n}", "price": price}]
        assert seller.request("POST", "/products", json=body).status_code == 201
    searchable(container)
    body = client.get("/api/v1/products/search", params={"q": "dell laptop charger"}).json()
    assert body["query"]["filters"]["brand"] == ["Dell"]
    found = [r["title"] for r in body["results"]]
    assert found[0] == rows[0][1]
    assert set(found[1:3]) == {rows[1][1], rows[2][1]}  # the brand's adapters, close matches
    assert rows[3][1] not in found  # another maker's laptop charger is not a Dell one


def test_a_query_starting_with_a_department_asks_for_the_rest_in_it(client, seller: SellerClient, container):
    # as a store's own suggestions write it: "cell phones bluetooth" is Bluetooth things in Cell Phones, not the
    # phones whose descriptions mention Bluetooth; with a brand after it, that brand's phones
    phones, headsets = ["Cell Phones", "Unlocked Phones"], ["Cell Phones", "Accessories", "Headsets"]
    rows = [
        ("Nova X2 Cell Phone", phones, 300, "Bluetooth 5.0, Wi-Fi and a big screen."),
        ("Nova X3 Cell Phone", phones, 400, "Bluetooth 5.2 and a bigger screen."),
        ("Voyager Bluetooth Headset", headsets, 60, "Pairs with any phone."),
        ("Tunes Bluetooth Earbuds", headsets, 40, "Pairs with any phone."),
    ]
    list_products(seller, container, "DEPT", rows)
    assert set(titles(client, "cell phones bluetooth")[:2]) == {"Voyager Bluetooth Headset", "Tunes Bluetooth Earbuds"}
    assert set(titles(client, "bluetooth cell phones")[:2]) == {"Nova X2 Cell Phone", "Nova X3 Cell Phone"}
