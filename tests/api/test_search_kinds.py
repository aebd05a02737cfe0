"""What a query's head noun asks for, over HTTP: the device before what goes with it, a price phrase as a filter."""

from __future__ import annotations

import pytest

from tests.api.conftest import SellerClient, list_products
from tests.api.conftest import search_titles as titles

COMPUTERS, LAPTOP_BAGS = ["Computers", "Laptops"], ["Bags & Cases", "Laptop Bags & Sleeves"]
PHONES, LENSES = ["Cell Phones", "Unlocked Cell Phones"], ["Cell Phones", "Cell Phone Accessories", "Camera Lenses"]
CATALOG = [
    # A sleeve the importer filed under Laptops: its name says it is a sleeve for a laptop.
    ("Targus Laptop Sleeve 15.6 inch Black", 25.0, COMPUTERS),
    ("Urban Factory Laptop Backpack 15.6 inch", 45.0, LAPTOP_BAGS),
    ("StarTech Laptop Privacy Screen 15 inch", 55.0, LAPTOP_BAGS),
    ("Acme Slim 14 Laptop", 449.0, COMPUTERS),
    ("Acme Pro 16 Laptop", 1299.0, COMPUTERS),
    ("Zoomer Phone Camera Lens Kit", 19.0, LENSES),
    ("Nova 5 Cell Phone with 12MP camera", 299.0, PHONES),
]


@pytest.fixture
def catalog(client, seller: SellerClient, container) -> None:
    list_products(seller, container, "KIND", [(title, path, price) for title, price, path in CATALOG])


def test_a_price_phrase_filters_and_the_device_outranks_its_accessories(client, catalog):
    response = client.get("/api/v1/products/search", params={"q": "laptop under 500"})
    body = response.json()
    assert body["query"]["filters"]["price_max"] == 500
    assert body["query"]["keywords"] == ["laptop"]
    found = [r["title"] for r in body["results"]]
    assert "Acme Pro 16 Laptop" not in found  # over the price
    assert found[0] == "Acme Slim 14 Laptop"
    assert {"Targus Laptop Sleeve 15.6 inch Black", "StarTech Laptop Privacy Screen 15 inch"} <= set(found[1:])


def test_the_head_noun_names_the_kind_asked_for(client, catalog):
    assert titles(client, "camera phones")[0] == "Nova 5 Cell Phone with 12MP camera"
    assert titles(client, "phone camera lens")[0] == "Zoomer Phone Camera Lens Kit"


def test_a_thin_exact_match_is_followed_by_near_matches(client, catalog):
    body = client.get("/api/v1/products/search", params={"q": "laptop privacy"}).json()
    found = [r["title"] for r in body["results"]]
    assert found[0] == "StarTech Laptop Privacy Screen 15 inch"  # the one exact match first
    assert "Targus Laptop Sleeve 15.6 inch Black" in found[1:]  # then what matches one of the two words
    assert body["relaxed"] is None  # the words matched: nothing was let go of
    assert body["total"] == len(found)
    assert [r["near_match"] for r in body["results"]] == [False] + [True] * (len(found) - 1)
    assert body["near_matches"] == len(found) - 1
    page = client.get("/search", params={"q": "laptop privacy"}, headers={"accept": "text/html"}).text
    assert page.count('<div class="near-match">Close match</div>') == len(found) - 1
    assert f"1 matches everything you asked for; {len(found) - 1} more nearly match" in page


def test_a_unit_after_the_name_is_not_the_kind(client, catalog):
    assert titles(client, "laptop sleeve")[0] == "Targus Laptop Sleeve 15.6 inch Black"


def test_a_product_naming_every_word_leads_the_products_of_the_kind_asked(client, catalog):
    # "privacy laptop": the privacy screen's own name holds both words, so it leads; the laptops, which lack
    # "privacy", come next, before what holds one word and is no laptop (the backpack)
    found = titles(client, "privacy laptop")
    assert found[0] == "StarTech Laptop Privacy Screen 15 inch"
    assert set(found[1:3]) == {"Acme Slim 14 Laptop", "Acme Pro 16 Laptop"}
    assert found.index("Urban Factory Laptop Backpack 15.6 inch") > 2
    body = client.get("/api/v1/products/search", params={"q": "privacy laptop"}).json()
    assert body["query"]["predicted_category"]["name"] == "Laptop Bags & Sleeves"  # that of what is shown first
    # a query whose head noun names no kind keeps the exact match first
    assert titles(client, "laptop privacy")[0] == "StarTech Laptop Privacy Screen 15 inch"


GAMES_CATALOG = [
    # A video game named by its title alone, filed (as catalogs do) among the consoles of its department.
    ("Quest of Dragons Xbox One Basic Edition", ["Video Games", "Consoles"], 39.0),
    ("Marble Maze Game with 100 Obstacles", ["Toys & Games", "Board Games"], 25.0),
    ("Tower Stacking Game for Families", ["Toys & Games", "Board Games"], 15.0),
    ("Orbit Gaming Mouse 16000 DPI", ["Computers", "Keyboards & Mice"], 59.0),
    ("Pixel Gaming Keyboard", ["Computers", "Keyboards & Mice"], 79.0),
    ("Lumen All-in-One Printer", ["Computers", "Printers"], 99.0),
]


@pytest.fixture
def games(client, seller: SellerClient, container) -> None:
    list_products(seller, container, "GAME", GAMES_CATALOG)


def test_an_exact_match_filed_under_the_kind_asked_keeps_its_place_before_near_matches(client, games):
    # "xbox games": the one product with both words is a game whose name says no kind; the board games, of the
    # kind by name but without "xbox", follow it
    found = titles(client, "xbox games")
    assert found[0] == "Quest of Dragons Xbox One Basic Edition"
    assert {"Marble Maze Game with 100 Obstacles", "Tower Stacking Game for Families"} <= set(found[1:])


def test_a_near_match_holds_the_word_that_names_something(client, games):
    # "one" only numbers the Xbox: a product with "one" and without "xbox" is no near match
    assert titles(client, "xbox one") == ["Quest of Dragons Xbox One Basic Edition"]


def test_a_title_holding_the_word_as_typed_outranks_one_holding_only_its_stem(client, games):
    # the engine's stemmer makes "game" of "gaming" and "games" alike: a shopper typing "gaming" wants gaming gear
    found = titles(client, "gaming")
    assert set(found[:2]) == {"Orbit Gaming Mouse 16000 DPI", "Pixel Gaming Keyboard"}
    assert "Marble Maze Game with 100 Obstacles" in found[2:]
    # and the other way round: "games" finds the games first
    assert set(titles(client, "games")[:2]) == {
        "Marble Maze Game with 100 Obstacles",
        "Tower Stacking Game for Families",
    }


def test_a_near_match_of_the_kind_for_another_model_is_not_lifted_before_the_exact_ones(
    client, seller: SellerClient, container
):
    # "iphone 6 battery": the batteries lack the "6" and name an iPhone 5; the battery case names the iPhone 6
    rows = [
        ("Ultralast - Battery for Apple iPhone 5 - Black", ["Cell Phones", "Batteries"], 20.0),
        ("Ultralast - Lithium-Ion Battery for Apple iPhone 5s - Black", ["Cell Phones", "Batteries"], 22.0),
        ("Juicy - External Battery Case for Apple iPhone 6 - Black", ["Cell Phones", "Cases"], 80.0),
    ]
    list_products(seller, container, "BATT", rows)
    found = titles(client, "iphone 6 battery")
    assert found[0] == "Juicy - External Battery Case for Apple iPhone 6 - Black"
    assert set(found[1:]) == {title for title, _path, _price in rows[:2]}  # still there, as near matches


DOCKS_CATALOG = [
    # Laptop docks whose names end with what they connect, not with "dock"; docks for phones; a cable with a mic.
    ("Hexa NB220 notebook dock/port replicator USB-C Gray", ["Computers", "Laptop Accessories"], 120.0),
    ("Kensa Thunderbolt 3 Docking Station with Stand", ["Computers", "Laptop Accessories"], 90.0),
    ("Volt Charging Dock for Phones - Black", ["Cell Phones", "Phone Docks"], 30.0),
    ("Volt Desk Dock - Silver", ["Cell Phones", "Phone Docks"], 25.0),
    ("Linko USB KVM Cable w/ Audio & Microphone", ["Computers", "Cables"], 20.0),
    ("Echo Studio Microphone - Black", ["Audio", "Microphones"], 60.0),
    ("Echo Stage Microphone - Silver", ["Audio", "Microphones"], 40.0),
]


@pytest.fixture
def docks(client, seller: SellerClient, container) -> None:
    list_products(seller, container, "DOCK", DOCKS_CATALOG)


def test_an_exact_match_that_is_of_the_kind_asked_comes_before_near_matches_however_its_name_ends(client, docks):
    # "dock/port replicator" is a dock; a "Docking Station" is one; the phone docks lack "laptop" or "thunderbolt"
    assert titles(client, "laptop dock")[0] == "Hexa NB220 notebook dock/port replicator USB-C Gray"
    found = titles(client, "thunderbolt dock")
    assert found[0] == "Kensa Thunderbolt 3 Docking Station with Stand"
    assert "Volt Desk Dock - Silver" in found[1:]
    # what comes with a product does not name it: microphones first, then the cable that has one
    found = titles(client, "usb microphone")
    assert set(found[:2]) == {"Echo Studio Microphone - Black", "Echo Stage Microphone - Silver"}
    assert found[2] == "Linko USB KVM Cable w/ Audio & Microphone"


def test_a_word_only_the_category_holds_leaves_a_name_using_the_head_as_a_qualifier_behind(
    client, seller: SellerClient, container
):
    """ "printer paper": the papers, which never say "printer", before the paper trays filed among printer parts,
    which match "printer" only by their category and name paper only as what they hold."""
    trays = [(f"Xerox {n}00-sheet Paper Tray", ["Printers", "Printer Parts"], 90.0 + n) for n in range(2, 5)]
    papers = [(f"Acme Multipurpose Paper A4 {n}00 sheets", ["Office", "Paper & Media"], 9.0 + n) for n in range(1, 4)]
    list_products(seller, container, "PAPER", [*trays, *papers])
    found = titles(client, "printer paper")
    assert set(found[:3]) == {title for title, _path, _price in papers}, found


PHRASE_CATALOG = [
    ("Aria True Wireless Earbuds", ["Audio", "Headphones"], 89.0),
    ("Pulse Wireless Sport Earphones", ["Audio", "Headphones"], 49.0),
    ("Echo Bluetooth In-Ear Headphones", ["Audio", "Headphones"], 39.0),
    ("Nova Wireless Mouse", ["Computers", "Keyboards & Mice"], 19.0),
    ("Stride Tracker for Fitness and Sleep", ["Wearables", "Smartwatches"], 59.0),
    ("Sony MDR570LPL Headphones", ["Audio", "Headphones"], 19.0),
]


@pytest.fixture
def phrases(client, seller: SellerClient, container) -> None:
    list_products(seller, container, "PHRASE", PHRASE_CATALOG)


def test_a_query_that_is_one_synonym_phrase_is_followed_by_its_words_apart(client, phrases):
    # "wireless earbuds" (a phrase of the synonyms file): the one product saying it, then wireless earphones
    body = client.get("/api/v1/products/search", params={"q": "wireless earbuds"}).json()
    found = [r["title"] for r in body["results"]]
    assert found[:2] == ["Aria True Wireless Earbuds", "Pulse Wireless Sport Earphones"]
    assert "Nova Wireless Mouse" not in found  # no earbuds, however wireless
    # "bluetooth" stands for "wireless" in the phrase's synonym "bluetooth earbuds": so it does in the words apart
    assert "Echo Bluetooth In-Ear Headphones" in found
    assert body["relaxed"] is None


def test_a_synonym_phrase_no_title_writes_as_one_finds_its_words_apart_before_relaxing(client, phrases):
    body = client.get("/api/v1/products/search", params={"q": "fitness tracker"}).json()
    assert [r["title"] for r in body["results"]] == ["Stride Tracker for Fitness and Sleep"]
    assert body["relaxed"] is None  # no word was let go of


def test_a_model_code_typed_apart_or_without_its_suffix_finds_its_product(client, phrases):
    for q in ("MDR-570", "mdr 570", "mdr570", "MDR570LPL"):
        body = client.get("/api/v1/products/search", params={"q": q}).json()
        assert [r["title"] for r in body["results"]] == ["Sony MDR570LPL Headphones"], q
        assert body["relaxed"] is None, q


def test_a_model_code_no_product_has_lets_go_of_its_number_not_of_everything(client, phrases):
    body = client.get("/api/v1/products/search", params={"q": "nova 9"}).json()
    assert [r["title"] for r in body["results"]] == ["Nova Wireless Mouse"]
    assert body["relaxed"]["steps"] == [{"dropped": "keyword", "value": "9"}]


CELL = ["Cell Phones"]
FITTINGS = [
    ("Apple - iPhone 7 32GB - Black", [*CELL, "iPhone"], "Slips into any case; car mount ready."),
    ("Apple - iPhone 7 128GB - Gold", [*CELL, "iPhone"], "Slips into any case; car mount ready."),
    ("Spigen - Case for Apple iPhone 7 - Black", [*CELL, "Cell Phone Accessories", "Cases"], "A slim case."),
    ("Kenu - Car Mount for Apple iPhone - Black", [*CELL, "Cell Phone Accessories", "Car Mounts"], "Clips on a vent."),
    ("Zyxel Cable Modem", ["Networking", "Modems"], "A DOCSIS modem."),
    ("C2G DB9 Modem Cable", ["Cables", "Serial Cables"], "A serial cable."),
]


@pytest.fixture
def fittings(client, seller: SellerClient, container) -> None:
    rows = [(title, path, 20 + n, description) for n, (title, path, description) in enumerate(FITTINGS)]
    list_products(seller, container, "FIT", rows)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("case iphone 7", "Spigen - Case for Apple iPhone 7 - Black"),  # as "case for iphone 7"
        ("car mount iphone", "Kenu - Car Mount for Apple iPhone - Black"),
        ("iphone 7", "Apple - iPhone 7"),
        # a modem cable names "modem" as what it is, not as what it fits: cable modems are modems
        ("cable modems", "Zyxel Cable Modem"),
    ],
)
def test_a_device_named_after_the_kind_asked_for_is_what_it_fits(client, fittings, query, first):
    assert titles(client, query)[0].startswith(first)


GALAXY, GALAXY_CASES = ["Cell Phones", "Samsung Galaxy"], ["Cell Phones", "Cell Phone Accessories", "Cases"]


def test_a_model_named_after_a_line_keeps_its_accessories_before_other_models(client, seller: SellerClient, container):
    """ "galaxy note5" where only cases fit a Note5: those cases, then the line's other phones, never the other
    way round (the phones lack the model the shopper typed)."""
    phones = [(f"Samsung - Galaxy S{n} 32GB - Black", GALAXY, 600.0 + n) for n in range(5, 9)]
    cases = [(f"Acme - Case {n} for Samsung Galaxy Note5 - Black", GALAXY_CASES, 20.0 + n) for n in range(3)]
    list_products(seller, container, "NOTE", [*phones, *cases])
    found = titles(client, "galaxy note5")
    assert set(found[:3]) == {title for title, _path, _price in cases}, found
    assert set(found[3:]) <= {title for title, _path, _price in phones}


def test_a_model_no_title_names_shows_the_lines_nearest_models_before_what_holds_its_number_elsewhere(
    client, seller: SellerClient, container
):
    """ "iphone 13" where no title names an iPhone 13: the iPhones, then a case that holds a "13" (its size) and
    an iPhone (what it fits), not the other way round."""
    phones = [(f"Apple - iPhone {n} 32GB - Black", ["Cell Phones", "iPhone"], 500.0 + n) for n in (6, 7)]
    case = ("Acme - Folio Case 13 cm for Apple iPhone 7 - Black", GALAXY_CASES, 19.0)
    list_products(seller, container, "IP13", [*phones, case])
    found = titles(client, "iphone 13")
    assert set(found[:2]) == {title for title, _path, _price in phones}, found
    assert found[2] == case[0]


KITCHEN = ["Home & Kitchen", "Kitchen Appliances"]  # names appliances: no blender, no accessory
BLENDERS = [
    ("Braun 4210201253839 blender accessory", 12.0, KITCHEN),
    ("Braun 4210201297284 blender accessory Blender chopping bowl", 15.0, KITCHEN),
    ("Philips Daily Collection Hand blender HR1361/00", 39.0, KITCHEN),
    ("Braun MR 4050 HC Immersion blender Blue,White 450 W", 49.0, KITCHEN),
]


def test_a_word_no_category_names_still_puts_what_it_names_first(client, seller: SellerClient, container):
    """ "blender": the products whose own name ends with it before the parts whose name uses it as a qualifier."""
    list_products(seller, container, "BLEND", [(title, path, price) for title, price, path in BLENDERS])
    found = titles(client, "blender")
    assert set(found[:2]) == {BLENDERS[2][0], BLENDERS[3][0]}, found
    assert set(found[2:]) == {BLENDERS[0][0], BLENDERS[1][0]}


def test_a_word_titles_hold_only_as_a_count_asks_for_what_it_names(client, seller: SellerClient, container):
    """The Pixel phone before monitors named as catalogs often name them, by their resolution ("1280 x 1024
    pixels"), which match "pixel" as well on words and outnumber it."""
    monitors = [
        (f'Acme AL17{n}Fs 43.2 cm (17") 1280 x 1024 pixels', 99.0 + n, ["Computers", "Monitors"]) for n in range(8)
    ]
    rows = [*monitors, ("Zeta - Pixel 4G Cell Phone - Black", 499.0, PHONES)]
    list_products(seller, container, "PIX", [(title, path, price) for title, price, path in rows])
    assert titles(client, "pixel")[0] == "Zeta - Pixel 4G Cell Phone - Black"


MODELS = [
    ("Waterproof Case for iPhone 7", [*CELL, "Cell Phone Accessories", "Cases"], "Survives drops up to 6.6 feet."),
    ("Rugged Case for Apple iPhone 6 - Black", [*CELL, "Cell Phone Accessories", "Cases"], "Waterproof to 2 m."),
]


@pytest.mark.parametrize("query", ["iphone 6 waterproof case", "iphone6 waterproof case"])
def test_a_case_for_the_model_asked_outranks_one_for_another_model_of_the_line(client, seller, container, query):
    """The iPhone 7 case holds "6" only in "6.6 feet", and "waterproof case" as typed: it still goes second."""
    list_products(seller, container, "MODEL", [(title, path, 20, description) for title, path, description in MODELS])
    assert titles(client, query) == ["Rugged Case for Apple iPhone 6 - Black", "Waterproof Case for iPhone 7"]


HEADSETS = [
    ("Acme USB Microphone - Black", ["Audio", "Microphones"], "Clip it to a headset or to a desk stand."),
    ("Zeta Wireless Headset - Black", ["Audio", "Headsets"], "A noise-cancelling microphone on a boom."),
    ("Orbit Stereo Headset - Gray", ["Audio", "Headsets"], "Its microphone folds away."),
]


def test_the_product_asked_for_is_named_before_with(client, seller, container):
    list_products(seller, container, "HS", [(title, path, 30, description) for title, path, description in HEADSETS])
    assert titles(client, "headset with microphone")[-1] == "Acme USB Microphone - Black"
    assert titles(client, "microphone with headset")[0] == "Acme USB Microphone - Black"


def test_a_product_line_shows_its_devices_before_the_accessories_made_for_them(client, seller: SellerClient, container):
    """ "thinkpad": the batteries and keyboards outnumber the laptops and their short titles match the word as
    well; the laptops cost several times more, and come first."""
    laptops, power, keys = ["Computers", "Laptops"], ["Power", "Notebook Batteries"], ["Computers", "Keyboards"]
    rows = [
        ("Lenovo ThinkPad Battery 17+", 99.0, power),
        ("Lenovo ThinkPad Advanced Ultrabay Battery III", 129.0, power),
        ("Lenovo ThinkPad X300 Series 6 Cell Li-Ion Battery", 119.0, power),
        ("Lenovo ThinkPad X300 Keyboard", 59.0, keys),
        ("Lenovo ThinkPad USB Keyboard with TrackPoint", 69.0, keys),
        ('Lenovo ThinkPad L13 Notebook Silver 33.8 cm (13.3") 1920 x 1080 pixels Intel Core i5 8 GB', 1099.0, laptops),
        ('Lenovo ThinkPad T14s Notebook Black 35.6 cm (14") 1920 x 1080 pixels Intel Core i7 16 GB', 1649.0, laptops),
    ]
    list_products(seller, container, "TP", [(title, path, price) for title, price, path in rows])
    found = titles(client, "thinkpad")
    assert set(found[:2]) == {rows[5][0], rows[6][0]}, found
    assert set(titles(client, "thinkpad battery")[:3]) == {title for title, _p, _c in rows[:3]}  # the kind asked


def test_products_of_the_kind_asked_join_a_window_their_long_names_kept_them_out_of(
    client, seller: SellerClient, container, monkeypatch
):
    # Ranked by words alone, short accessories that say "laptop" come before laptops whose long names say it once
    # among their specifications; re-ranking sees only the engine's best RERANK_DEPTH (here 4).
    from aisle.services.search import service

    monkeypatch.setattr(service, "RERANK_DEPTH", 4)
    monkeypatch.setattr(service, "KIND_IN_WINDOW", 3)
    specs = "35.6 cm (14in) 1920 x 1080 pixels 10th gen Intel Core i5 16 GB DDR4-SDRAM 512 GB SSD Wi-Fi 6 Windows 10"
    laptops = [(f"Lenovo ThinkBook {n} Laptop Gray {specs}", COMPUTERS, 900.0 + n) for n in (13, 14, 15)]
    bags = [(f"Laptop {kind}", LAPTOP_BAGS, 30.0) for kind in ("Sleeve", "Backpack", "Briefcase", "Roller", "Tote")]
    list_products(seller, container, "WIN", [*bags, *laptops])

    found = titles(client, "laptop")
    assert len(found) == 8
    assert {t.split(" Gray")[0] for t in found[:3]} == {f"Lenovo ThinkBook {n} Laptop" for n in (13, 14, 15)}
    assert len(set(found)) == 8  # each once: a product that joined the window is not also further down
    assert titles(client, "laptop sleeve")[0] == "Laptop Sleeve"  # a kind of its own: no laptop joins it


SWITCHES = [
    ("Bigben Switch Pack Hardshell Case Nintendo - Black", ["Video Games", "Accessories", "Cases"], "A travel case."),
    ("LevelOne 24-Port Gigabit Switch", ["Networking", "Switches"], "Rack mountable."),
    ("D-Link 8-Port Fast Ethernet Switch", ["Networking", "Switches"], "Desktop switch."),
    ("Netgear 16-Port Gigabit Switch", ["Networking", "Switches"], "Unmanaged."),
    ("OtterBox - Defender Case for Apple iPhone 7", [*CELL, "Cell Phone Accessories", "Cases"], "Car mount ready."),
    ("Spigen - Vent Car Mount - Black", [*CELL, "Cell Phone Accessories", "Car Mounts"], "Holds most phones."),
    ("Kenu - Airframe Car Mount - Black", [*CELL, "Cell Phone Accessories", "Car Mounts"], "Holds most phones."),
]


@pytest.fixture
def switches(client, seller: SellerClient, container) -> None:
    rows = [(title, path, 30 + n, description) for n, (title, path, description) in enumerate(SWITCHES)]
    list_products(seller, container, "SW", rows)


def test_a_product_whose_name_holds_every_word_is_not_put_behind_others_of_the_last_words_kind(client, switches):
    # "switch" names network switches here, but the one product naming "nintendo" beside it is what was asked for
    assert titles(client, "nintendo switch")[0] == "Bigben Switch Pack Hardshell Case Nintendo - Black"
    # a case that only mentions a car mount still gives way to the car mounts that do not say "iphone"
    found = titles(client, "iphone car mounts")
    assert set(found[:2]) == {"Spigen - Vent Car Mount - Black", "Kenu - Airframe Car Mount - Black"}
    assert "OtterBox - Defender Case for Apple iPhone 7" in found


MEMORY_CARDS = ["Storage", "Memory Cards"]
CARDS_CATALOG = [
    # the 2 GB card's name holds "sd card" as typed, the 64 GB card's says "SDXC": by words alone, 2 GB first
    ("Integral 2GB SD Card memory card", MEMORY_CARDS, 9.0, "Works in cameras that also take 64GB cards."),
    ("V7 64GB SDXC Card V30 U3 A1 CL10", MEMORY_CARDS, 19.0, "An SD card for 4K video."),
]


def test_the_capacity_asked_comes_before_another_capacity(client, seller: SellerClient, container):
    list_products(seller, container, "CARD", CARDS_CATALOG)
    found = titles(client, "sd card 64gb")
    assert found == ["V7 64GB SDXC Card V30 U3 A1 CL10", "Integral 2GB SD Card memory card"]


INPUT = ["Computers", "Keyboards & Mice"]
SETS_CATALOG = [
    # mice and keyboards alone (their descriptions mention the other), an adapter for either, a set
    *((f"Swift Optical Mouse {n}", INPUT, 15.0 + n, "Works beside any keyboard") for n in range(4)),
    *((f"Typist Compact Keyboard {n}", INPUT, 25.0 + n, "Pairs with a mouse") for n in range(4)),
    ("Linkit PS/2 Keyboard/Mouse Adapter", INPUT, 5.0),
    ("Deskmate Wireless Keyboard and Mouse Set", INPUT, 49.0),
]


@pytest.mark.parametrize("q", ["keyboard and mouse", "mouse & keyboard", "keyboard + mouse"])
def test_two_kinds_joined_by_and_ask_for_a_set_of_both(client, seller: SellerClient, container, q):
    list_products(seller, container, "SET", SETS_CATALOG)
    found = titles(client, q)
    assert found[0] == "Deskmate Wireless Keyboard and Mouse Set", found


def test_a_model_edition_not_sold_shows_the_other_size_before_its_accessories(client, seller: SellerClient, container):
    phones, cases = ["Cell Phones", "Smartphones"], ["Cell Phones", "Cell Phone Cases"]
    list_products(
        seller,
        container,
        "SIB",
        [
            ("Zephyr 7 32GB Smartphone - Black", phones, 699),
            ("Zephyr 7 128GB Smartphone - Silver", phones, 799),
            ("Zephyr 8 Plus 64GB Smartphone - Black", phones, 899),
            ("Slim Case for Zephyr 7 Plus - Black", cases, 29),
            ("Rugged Case for Zephyr 7 Plus - Blue", cases, 39),
            ("Wallet Case for Zephyr 7 Plus - Brown", cases, 35),
            ("Slim Case for Zephyr 8 Plus - Black", cases, 29),
        ],
    )
    # no Zephyr 7 Plus is sold, only its cases: the Zephyr 7 first, as the nearest thing to the phone asked for
    found = titles(client, "zephyr 7 plus")
    assert set(found[:2]) == {"Zephyr 7 32GB Smartphone - Black", "Zephyr 7 128GB Smartphone - Silver"}
    assert set(found[2:]) == {
        "Slim Case for Zephyr 7 Plus - Black",
        "Rugged Case for Zephyr 7 Plus - Blue",
        "Wallet Case for Zephyr 7 Plus - Brown",
    }
    body = client.get("/api/v1/products/search", params={"q": "zephyr 7 plus"}).json()
    assert body["near_matches"] == 2
    # a case asked for is a case; a Zephyr 8 Plus is sold, so it is what "zephyr 8 plus" finds first
    assert "Smartphone" not in " ".join(titles(client, "zephyr 7 plus case"))
    assert titles(client, "zephyr 8 plus")[0] == "Zephyr 8 Plus 64GB Smartphone - Black"


def test_an_edition_sold_apart_from_its_siblings_is_no_edition_missing(client, seller: SellerClient, container):
    carrier, unlocked = ["Cell Phones", "Carrier Phones"], ["Cell Phones", "Unlocked Phones"]
    cases = ["Cell Phones", "Cell Phone Cases"]
    list_products(
        seller,
        container,
        "SOLD",
        [
            ("Nimbus 9 32GB Smartphone - Black", carrier, 699),
            ("Nimbus 9 64GB Smartphone - Blue", carrier, 749),
            ("Nimbus 9 Plus 64GB Smartphone (Unlocked) - Black", unlocked, 899),
            ("Slim Case for Nimbus 9 Plus - Black", cases, 29),
            ("Rugged Case for Nimbus 9 Plus - Blue", cases, 39),
            ("Surface Mount Bracket", ["Office", "Mounts"], 1500),
            ("Rack Shelf for surface mounting", ["Office", "Mounts"], 1400),
            ("Case for Surface Pro", cases, 35),
        ],
    )
    found = client.get("/api/v1/products/search", params={"q": "nimbus 9 plus"}).json()
    assert found["results"][0]["title"] == "Nimbus 9 Plus 64GB Smartphone (Unlocked) - Black"
    assert [r["near_match"] for r in found["results"][:3]] == [False, False, False]  # the exact ones lead
    # dear products whose descriptions or specs hold a word of the line are no devices of it, nor is one alone:
    # none goes before the exact match
    surface = client.get("/api/v1/products/search", params={"q": "surface pro"}).json()["results"]
    assert (surface[0]["title"], surface[0]["near_match"]) == ("Case for Surface Pro", False)
