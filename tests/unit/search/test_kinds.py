"""The kind of product a query asks for (its head noun) and the kind each product is, learned from the category
tree; the re-ranking lift for products of the asked kind; the exact model before its siblings."""

from __future__ import annotations

import pytest

from aisle.domain.categories import Category
from aisle.domain.search.kinds import (
    AMBIGUOUS_SHARE,
    NAME_ONLY_SHARE,
    SYNONYM_SHARE,
    CatalogKinds,
    head_nouns,
    head_word,
    model_after_head,
    name_segments,
    name_words,
    names_the_model,
    singular,
)
from aisle.domain.search.query import QueryParser
from aisle.domain.search.rerank import (
    RerankWeights,
    by_name_coverage,
    is_near_model,
    made_by_first,
    other_capacity_share,
    rerank,
)
from aisle.domain.search.synonyms import SynonymTable
from aisle.domain.search.vocabulary import Vocabulary
from tests.unit.search.candidates import Cand

TREE = [
    (1, "Cell Phones", None),
    (2, "Cell Phone Accessories", 1),
    (3, "Cell Phone Cases & Clips", 2),
    (4, "Photography Accessories", 2),
    (5, "Unlocked Cell Phones", 1),
    (6, "All Unlocked Cell Phones", 5),
    (7, "All Cell Phones with Plans", 1),
    (10, "Computers", None),
    (11, "Laptops", 10),
    (12, "Bags & Cases", None),
    (13, "Laptop Bags & Sleeves", 12),
    (14, "RAM", 10),
]
UNLOCKED, CASES, PHOTO, LAPTOPS, LAPTOP_BAGS = 6, 3, 4, 11, 13


def kinds_of(tree: list[tuple[int, str, int | None]]) -> CatalogKinds:
    by_id: dict[int, Category] = {}
    for category_id, name, parent in tree:
        path = name if parent is None else by_id[parent].path + " > " + name
        by_id[category_id] = Category(category_id, name, parent, path)
    return CatalogKinds.from_categories(by_id)


@pytest.fixture
def kinds() -> CatalogKinds:
    return kinds_of(TREE)


def test_singular_forms_compare_equal():
    assert {singular(w) for w in ("cases", "case")} == {"case"}
    assert singular("accessories") == "accessory"
    assert singular("phones") == "phone"
    assert singular("glass") == "glass"
    assert singular("boxes") == "box"


def test_a_category_names_the_head_noun_of_each_of_its_parts():
    assert head_nouns("Cell Phone Cases & Clips") == {"case", "clip"}
    assert head_nouns("All Cell Phones with Plans") == {"phone"}  # "with plans" qualifies phones
    assert head_nouns("Laptop Bags & Sleeves") == {"bag", "sleeve"}
    assert head_nouns("Keyboards & Mice") == {"keyboard", "mice"}


def test_a_lone_singular_before_a_plural_conjunct_qualifies_it():
    assert head_nouns("USB & Lightning Cables") == {"cable"}  # USB cables and Lightning cables: no kind "usb"
    assert head_nouns("Laptop & Netbook Batteries") == {"battery"}
    assert head_nouns("TV & Home Theater") == {"tv", "theater"}  # no plural to qualify: two kinds


def test_a_product_name_is_read_without_brand_colour_and_notes():
    assert name_words("BlackBerry - 8520 Cell Phone (Unlocked) - Black")[-1] == "phone"
    assert name_words("Spigen - Thin Fit Case for Apple iPhone 7 - Jet black")[-1] == "case"
    assert name_words("Targus 16 inch Laptop Sleeve Black")[-2:] == ["laptop", "sleeve"]


def test_a_colour_between_two_kinds_ends_the_product_s_name_in_icecat_titles(kinds):
    # Icecat names the product, then its colour, then specifications or what it fits
    laptop = 'Acme Swift 3 laptop Gray 35.6 cm (14") 1920 x 1080 pixels 8 GB RAM'
    assert kinds.share(laptop, LAPTOPS, frozenset({"laptop"})) == 1.0
    assert kinds.share(laptop, LAPTOPS, frozenset({"ram"})) == 0.0
    case = "Acme Tough case Black Cell phone"
    assert kinds.share(case, CASES, frozenset({"case"})) == 1.0
    assert kinds.share(case, CASES, frozenset({"phone"})) == 0.0
    # a colour in front of the kind, or after a word that names none, cuts nothing
    assert kinds.share("Acme Black Tough Cell Phone Case", CASES, frozenset({"case"})) == 1.0
    assert name_words("Acme Ibira 211 Black laptop case")[-2:] == ["laptop", "case"]


def test_the_head_noun_of_the_query_names_the_kind_asked_for(kinds):
    assert kinds.asked(["camera", "phones"], {}) == {"phone"}
    assert kinds.asked(["iphone", "accessories", "slim", "cases"], {}) == {"case"}
    assert kinds.asked(["phone", "clips", "pink"], {}) == {"clip"}  # the last word that names a kind


def test_a_word_built_on_a_kind_s_root_asks_for_that_kind():
    by_id: dict[int, Category] = {1: Category(1, "Accessories", None, "Accessories")}
    names = ("Screen Protectors", "Adapters", "Chargers", "Selfie-Sticks", "Signal Boosters")
    for category_id, name in enumerate(names, start=2):
        by_id[category_id] = Category(category_id, name, 1, "Accessories > " + name)
    kinds = CatalogKinds.from_categories(by_id)
    assert "protector" in kinds.asked(["iphone", "surface", "protection"], {})  # a department's name for them
    assert "adapter" in kinds.asked(["adaptor"], {})
    assert "charger" in kinds.asked(["wireless", "charging"], {})
    assert kinds.asked(["stickers"], {}) == frozenset()  # "stick" has no suffix: stickers are no selfie sticks
    assert kinds.asked(["boost", "mobile"], {}) == frozenset()  # nor is "boost" a booster without one


def test_a_query_that_names_no_kind_asks_for_none(kinds):
    assert kinds.asked([], {}) == kinds.asked([], {}, head_only=True) == frozenset()
    assert kinds.asked(["laptop", "privacy"], {}, head_only=True) == frozenset()  # its last word names none
    assert kinds.asked(["privacy", "laptop"], {}, head_only=True) == {"laptop"}
    assert kinds.asked(["galaxy", "s7"], {}) == frozenset()


def test_sizes_units_and_colours_after_the_head_noun_leave_it_the_head(kinds):
    assert kinds.asked(["iphone", "cases", "black"], {}, head_only=True) == {"case"}
    assert kinds.asked(["laptop", "15", "inch"], {}, head_only=True) == {"laptop"}
    assert kinds.asked(["laptop", "privacy", "15", "inch"], {}, head_only=True) == frozenset()
    assert kinds.asked(["iphone", "7", "plus"], {}, head_only=True) == frozenset()  # an edition ends a model


@pytest.mark.parametrize(
    ("query", "head"),
    [
        ("salon chair", "chair"),  # whether or not the catalog knows chairs
        ("iphone 7 plus red", "iphone"),
        ("apple macbook air", "macbook"),
        ("apple watch series 9", "watch"),
        ("bar stool 24 inches height", "stool"),
        ("microwave mid size", "microwave"),  # how big, not what
        ("large dog bed", "bed"),
        ("microwaves compact", "microwaves"),
        ("ottoman bed queen", "bed"),
        ("macbooks apple", "macbooks"),  # a brand after the head noun names who made it
        ("apple 64gb", None),
        ("mdr 570 lpl", None),  # the letters of a model code
        ("portable gps", "gps"),  # an abbreviation the catalog holds as a word
    ],
)
def test_the_head_word_stands_before_sizes_colours_editions_and_brands(query, head):
    assert head_word(query.split(), held={"gps"}, is_brand=lambda word: word == "apple") == head


def test_a_part_after_a_storage_capacity_belongs_to_the_kind_named_before_it(kinds):
    assert kinds.asked(["laptop", "16gb", "ram"], {}) == {"laptop"}  # a laptop with 16 GB of RAM
    assert kinds.asked(["laptop", "16gb", "ram"], {}, head_only=True) == {"laptop"}
    assert kinds.asked(["laptop", "ram", "16gb"], {}) == {"ram"}  # 16 GB of laptop RAM
    assert kinds.asked(["16gb", "ram"], {}) == {"ram"}  # nothing named before it
    assert kinds.asked(["laptop", "15inch", "sleeve"], {}) == {"sleeve"}  # a size fits the sleeve to the laptop


def test_a_synonym_of_the_head_noun_asks_for_its_kind_too(kinds):
    assert kinds.asked(["notebook"], {"notebook": ("laptop",)}) == {"notebook", "laptop"}


def test_the_kind_the_shopper_typed_is_told_from_its_synonyms_kinds(kinds):
    asked, typed = kinds.asked_typed(["laptops"], {"laptops": ("notebook", "notebook computer")})
    assert asked == {"laptop", "notebook", "computer"}
    assert typed == {"laptop"}


def test_a_product_only_of_a_synonyms_kind_gets_a_reduced_share():
    by_id = {1: Category(1, "Computers", None, "Computers"), 3: Category(3, "Office", None, "Office")}
    by_id[2] = Category(2, "Laptops", 1, "Computers > Laptops")
    by_id[4] = Category(4, "Paper Notebooks", 3, "Office > Paper Notebooks")
    kinds = CatalogKinds.from_categories(by_id)
    asked, typed = frozenset({"laptop", "notebook"}), frozenset({"laptop"})
    # a laptop its maker calls a notebook, filed under Laptops, is what the shopper typed
    assert kinds.share("Acme Thin Notebook, 15.6 in", 2, asked, typed) == 1.0
    # a paper notebook is a notebook only in the synonym's other sense
    paper = kinds.share("Paperco Dotted Notebook", 4, asked, typed)
    assert paper == SYNONYM_SHARE < 1.0
    assert kinds.share("Paperco Dotted Notebook", 4, asked) == 1.0  # without what was typed: as before
    # one who typed "notebook" asked for the paper one itself
    assert kinds.share("Paperco Dotted Notebook", 4, asked, frozenset({"notebook"})) == 1.0


def test_two_words_the_catalog_writes_as_one_name_one_kind(kinds):
    # "head phone" asks for headphones (and what they are also called), never for phones
    alternatives = {"head phone": ("headphone", "headset")}
    assert "phone" not in kinds.asked(["head", "phone"], alternatives)


def test_a_two_word_term_with_synonyms_still_names_its_own_kind():
    by_id = {1: Category(1, "Car & Travel Accessories", None, "Car & Travel Accessories")}
    by_id[2] = Category(2, "Cell Phone Mounts", 1, "Car & Travel Accessories > Cell Phone Mounts")
    kinds = CatalogKinds.from_categories(by_id)
    # "car mount, car holder": "iphone car mounts" asks for mounts, not for "car" (a kind the tree also names)
    assert "mount" in kinds.asked(["iphone", "car", "mounts"], {"car mounts": ("car holder", "car phone holder")})


def test_words_after_for_name_what_the_product_fits_not_what_it_is():
    vocabulary = Vocabulary.from_texts([("case cases iphone phone charger", 1.0)], min_count=0)
    parsed = QueryParser(vocabulary, ["Apple"], SynonymTable()).parse("case for iphone")
    assert parsed.fitting == ("iphone",)
    assert parsed.named == ("case",)


def test_a_product_is_the_kind_its_own_name_ends_with(kinds):
    phone = kinds.of_product("BlackBerry - 8520 Cell Phone (Unlocked) - Blue", UNLOCKED)
    lens_kit = kinds.of_product("Insignia - Phone Camera 3 Lens Kit - Black", PHOTO)
    assert "phone" in phone
    assert "phone" not in lens_kit and "kit" in lens_kit


def test_what_comes_with_a_product_is_not_what_it_is(kinds):
    assert "phone" in kinds.of_product("Nova 5 Cell Phone with 12MP Camera", PHOTO)
    assert "camera" not in kinds.of_product("Nova 5 Cell Phone with 12MP Camera", PHOTO)
    # Best Buy writes the memory in the middle: read with its category, it is still a phone
    galaxy = "Samsung - Galaxy S6 4G with 32GB Memory Cell Phone (Unlocked) - Black"
    assert "phone" in kinds.of_product(galaxy, UNLOCKED)
    # a bundle's extra after "+": a case with a clip is a case (Icecat: "Micro SDXC Card + Adapter")
    assert "case" in kinds.of_product("Otter - Slim Case + Belt Clip for iPhone 7", CASES)


def test_of_a_category_s_kinds_a_product_is_the_one_its_name_ends_with(kinds):
    # "Cases & Clips" holds cases and clips: a case is not a clip
    assert "clip" not in kinds.of_product("Speck - CandyShell Case for iPhone 7 - Clear", CASES)
    assert "case" in kinds.of_product("Nite Ize - Soft Shell for Galaxy S7 - Black", CASES)  # the name says neither


def test_a_size_or_edition_word_ending_a_model_name_is_no_kind(kinds):
    # "Galaxy S7 edge" is a Galaxy like the "Galaxy S7", not an "edge"
    galaxy_tree = {1: Category(1, "Cell Phones", None, "Cell Phones")}
    galaxy_tree[2] = Category(2, "Samsung Galaxy", 1, "Cell Phones > Samsung Galaxy")
    galaxies = CatalogKinds.from_categories(galaxy_tree)
    for title in ("Samsung - Galaxy S7 edge 32GB - Blue Coral (Verizon)", "Samsung - Galaxy S7 32GB - Black Onyx"):
        assert galaxies.share(title, 2, frozenset({"galaxy"})) == 1.0
    assert "edge" not in galaxies.of_product("Samsung - Galaxy S7 edge 32GB - Blue Coral (Verizon)", 2)


def test_a_category_naming_several_kinds_calls_a_product_its_name_does_not_place_only_possibly_one(kinds):
    # "Cases & Clips": a belt clip surely is a clip; a "Flip Cover" filed there may be either, so it gets half
    # the lift a clip gets for "phone clips"
    clip = {"clip"}
    assert kinds.share("LifeProof - LifeActiv Belt Clip - Black", CASES, frozenset(clip)) == 1.0
    assert kinds.share("Samsung - S-View Flip Cover for Galaxy S6 - Black", CASES, frozenset(clip)) == AMBIGUOUS_SHARE
    assert kinds.share("Speck - CandyShell Case for iPhone 7 - Clear", CASES, frozenset(clip)) == 0.0


def test_a_one_kind_category_vouches_only_for_names_ending_with_a_word_of_its_own_name():
    # among "Smart Tracker Tags", an "Item Tracker" surely is a tag; a "Smart Button" filed there possibly is
    by_id = {1: Category(1, "Accessories", None, "Accessories")}
    by_id[2] = Category(2, "Smart Tracker Tags", 1, "Accessories > Smart Tracker Tags")
    kinds = CatalogKinds.from_categories(by_id)
    tag = frozenset({"tag"})
    assert kinds.share("Tile - Tile Mate Item Tracker (4-Pack)", 2, tag) == 1.0
    assert kinds.share("Flic - Wireless Smart Button - Black", 2, tag) == AMBIGUOUS_SHARE


def test_a_kind_the_name_and_the_category_both_say_is_surer_than_one_only_the_name_says():
    # "head phone": Bluetooth headsets filed among Headsets before VR headsets filed among all accessories
    by_id = {1: Category(1, "Cell Phone Accessories", None, "Cell Phone Accessories")}
    by_id[2] = Category(2, "Bluetooth Headsets", 1, "Cell Phone Accessories > Bluetooth Headsets")
    kinds = CatalogKinds.from_categories(by_id)
    headset = frozenset({"headset"})
    assert kinds.share("Jabra - Classic Bluetooth Headset - Black", 2, headset) == 1.0
    assert kinds.share("Google - Daydream View VR Headset - Slate", 1, headset) == NAME_ONLY_SHARE < 1.0


def test_a_name_s_last_word_counts_as_the_kinds_the_synonyms_say_it_also_names():
    # "cover => case": a cover filed among "Cases & Clips" surely is a case, never a clip
    by_id: dict[int, Category] = {}
    for category_id, name, parent in TREE:
        path = name if parent is None else by_id[parent].path + " > " + name
        by_id[category_id] = Category(category_id, name, parent, path)
    kinds = CatalogKinds.from_categories(by_id, also=lambda word: ("case",) if word == "cover" else ())
    cover = "Samsung - S-View Flip Cover for Galaxy S6 - Black"
    assert kinds.share(cover, CASES, frozenset({"case"})) == 1.0
    assert kinds.share(cover, CASES, frozenset({"clip"})) == 0.0


def test_a_product_filed_under_a_kind_its_name_uses_as_a_qualifier_is_not_of_that_kind(kinds):
    # a laptop sleeve filed under Laptops is a sleeve for a laptop; a notebook PC there is a laptop
    assert "laptop" not in kinds.of_product("Targus 15.6 inch Laptop Slip Case Blue", LAPTOPS)
    assert "laptop" in kinds.of_product("HP ProBook 450 Notebook PC", LAPTOPS)
    assert "sleeve" in kinds.of_product("Urban Factory Neoprene Laptop Sleeve 13.3 Black", LAPTOP_BAGS)
    # nor is one that names a laptop as what it fits, or whose title goes on after a dash
    assert "laptop" not in kinds.of_product("Urban Factory Privacy Cover for Laptop/Notebook Screen 12.1", LAPTOPS)
    assert "laptop" not in kinds.of_product("StarTech.com 6 ft Standard Laptop Power Cord - NEMA 5-15P to C5", LAPTOPS)


def test_a_name_that_goes_on_with_specifications_is_read_at_its_categorys_kind():
    # Names written "maker model kind specs" end with no kind the catalog knows: the kind is the word naming the
    # product's own category that a measurement follows; without a measurement after it, the last word stands
    tree = [(1, "Memory Cards", None), (2, "Smartwatches", None), (3, "Laptops", None), (4, "Sleeves", None)]
    kinds = CatalogKinds.from_categories({cid: Category(cid, name, parent, name) for cid, name, parent in tree})
    assert kinds.of_product("Kingston Canvas Go! Plus memory card 64 GB MicroSD Class 10 UHS-I", 1) == {"card"}
    assert kinds.of_product("Huawei WATCH GT 2e smartwatch AMOLED 3.53 cm Black GPS", 2) == {"smartwatch"}
    assert "laptop" not in kinds.of_product("StarTech.com 6 ft Standard Laptop Power Cord", 3)  # a cord
    assert kinds.of_product("Acme Laptop 15 Sleeve", 3) == {"sleeve"}  # a kind the catalog knows ends it


def test_the_last_word_of_a_list_of_specifications_is_no_kind():
    # "... 64 GB Wi-Fi Gray Android 10" ends with the system it runs: filed under Tablets, it is a tablet; a name
    # that names its category's kind before the specifications is that kind, wherever the measurements stand
    tree = [(1, "Tablets", None), (2, "Servers", None), (3, "Smart Tracker Tags", None)]
    kinds = CatalogKinds.from_categories({cid: Category(cid, name, parent, name) for cid, name, parent in tree})
    tab = 'Samsung Galaxy Tab S6 Lite SM-P610N 26.4 cm (10.4") 4 GB 64 GB Wi-Fi 5 (802.11ac) Gray Android 10'
    assert kinds.share(tab, 1, frozenset({"tablet"})) == 1.0
    assert kinds.of_product("DELL PowerEdge T140 server Intel Xeon E 3.4 GHz 8 GB DDR4-SDRAM Tower 365 W", 2) == {
        "server"
    }
    # without specifications before it, a word foreign to the category still says the product may be another kind
    assert kinds.share("Flic - Wireless Smart Button - Black", 3, frozenset({"tag"})) == AMBIGUOUS_SHARE
    # a size in a name is no list of specifications, nor is a measurement after the word
    tree += [(4, "Camera Accessories", None), (5, "Monitor Accessories", None)]
    kinds = CatalogKinds.from_categories({cid: Category(cid, name, parent, name) for cid, name, parent in tree})
    assert "tripod" in kinds.of_product('Kenu - Stance 3.1" Tripod - Silver', 4)
    assert "filter" in kinds.of_product('Targus ASF19WEU display privacy filters 48.3 cm (19")', 5)


@pytest.mark.parametrize(
    ("query", "title", "named"),
    [
        ("galaxy note5", "zNitro - Screen Protector for Samsung Galaxy Note5", True),
        ("galaxy note5", "Insignia - Case for Samsung Galaxy Note 5 Cell Phones", True),  # its code written apart
        ("iphone 11", "ZAGG Wembley Palette mobile phone case 11.9 cm Black", False),  # a size's digits
        ("iphone 13", "Acme - Folio Case 13 cm for Apple iPhone 7 - Black", False),  # line and code apart
        ("iphone 7", "Apple - iPhone 7 32GB - Black", True),
    ],
)
def test_a_title_names_the_model_asked_when_the_line_and_its_code_stand_together(query, title, named):
    assert names_the_model(query.split(), title) is named


def test_how_a_product_is_worn_after_its_kind_is_no_kind():
    # "Head-band" says how a headset is worn, "Dual-band" how a router sends; a "Y-Cable" is still a cable
    tree = [(1, "Headphones & Headsets", None), (2, "Watch Bands", None), (3, "Cables", None), (4, "Routers", None)]
    kinds = CatalogKinds.from_categories({cid: Category(cid, name, parent, name) for cid, name, parent in tree})
    assert kinds.of_product("Logitech 960 USB Headset Head-band Black", 1) >= {"headset"}
    assert "band" not in kinds.of_product("Logitech 960 USB Headset Head-band Black", 1)
    assert kinds.of_product("D-Link DWR-933 wireless router Dual-band (2.4 GHz / 5 GHz) Black", 4) == {"router"}
    assert kinds.of_product("C2G 6ft 3.5mm Male to 2 RCA Audio Y-Cable", 3) == {"cable"}
    assert kinds.of_product("Acme Sport Watch Band - Black", 2) == {"band"}


def test_two_kinds_joined_by_and_at_the_end_of_a_name_are_both_what_it_is():
    tree = [(1, "Smartwatch Bands", None), (2, "Cases", None)]
    kinds = CatalogKinds.from_categories({cid: Category(cid, name, parent, name) for cid, name, parent in tree})
    assert {"case", "band"} <= kinds.of_product("Lunar - EPIK Case and Band for Apple Watch 42mm - Black", 1)
    assert kinds.of_product("Acme - Rock and Band Strap - Black", 1) == {"strap"}  # "rock" is no kind


@pytest.mark.parametrize(
    ("query", "model"),
    [
        ("galaxy note5", True),
        ("iphone 7", True),
        ("galaxy s7 case", False),  # the model comes before the kind asked for
        ("monitor 27inch", False),  # a size is no model
        ("laptop 16gb", False),
        ("galaxy", False),
    ],
)
def test_a_model_code_after_the_head_noun_names_one_model(query, model):
    assert model_after_head(query.split()) is model


def test_a_product_of_the_asked_kind_outranks_an_equal_match_of_another_kind():
    lens, phone = Cand(1, 10.0, category_id=PHOTO), Cand(2, 10.0, category_id=UNLOCKED)
    assert [c.product_id for c in rerank([lens, phone], RerankWeights())] == [1, 2]  # the id breaks the tie
    ranked = rerank([lens, phone], RerankWeights(), of_asked_kind={2})
    assert [c.product_id for c in ranked] == [2, 1]
    # a share of the lift: a product only possibly of the kind comes after one surely of it, before one not of it
    shares = {1: 0.5, 3: 1.0}
    ranked = rerank([Cand(1, 10.0), Cand(2, 10.0), Cand(3, 9.0)], RerankWeights(), of_asked_kind=shares)
    assert [c.product_id for c in ranked] == [3, 1, 2]


@pytest.mark.parametrize(
    ("query", "title", "near"),
    [
        ("iphone 7 case", "Apple - iPhone 7 Plus Silicone Case - Black", True),  # the other size
        ("iphone 7 case", "Apple - iPhone 7 Silicone Case - Stone", False),
        ("iphone 6 plus cases", "Modal - Case for Apple iPhone 6 Plus and 6s Plus - Clear", False),  # asked
        ("iphone 6 cases", "Modal - Case for Apple iPhone 6 Plus and 6s Plus - Clear", True),
        ("iphone 6 cases", "Speck - Case for iPhone 6 and 6 Plus - Clear", False),  # fits the model asked too
        ("galaxy s7", "Samsung - Galaxy S7 edge 32GB - Blue Coral", True),
        ("galaxy s7 edge", "Samsung - Galaxy S7 edge 32GB - Blue Coral", False),
        ("galaxy", "Samsung - Galaxy S7 edge 32GB - Blue Coral", False),  # a line, not a model: no siblings
        # the own name shares the query's other words, not its model
        ("iphone 7 battery case", "mophie - Battery Case with Charging for Apple® iPhone® 7 Plus - Black", True),
        ("iphone 7 battery case", "mophie - Battery Case with Charging for Apple® iPhone® 7 - Black", False),
        ("iphone 32gb", "Apple - iPhone 7 Plus 32GB - Black", False),  # a capacity is not a model
    ],
)
def test_a_sibling_of_the_model_asked_is_a_near_model(query, title, near):
    assert is_near_model(query.split(), title) is near


def test_the_exact_model_outranks_its_sibling():
    scored = [(Cand(1, 10.0), 1.0), (Cand(2, 10.0), 1.0)]
    titles = {1: "Apple - iPhone 7 Plus Silicone Case - Black", 2: "Apple - iPhone 7 Silicone Case - Black"}
    words = ["iphone", "7", "plus", "case"]
    assert by_name_coverage(scored, titles, words, 0.1, 0.1)[0].product_id == 1
    words = ["iphone", "7", "case"]
    assert by_name_coverage(scored, titles, words, 0.0, 0.1)[0].product_id == 2


def test_another_storage_capacity_than_the_one_asked_comes_after_the_one_asked():
    scored = [(Cand(1, 10.0), 1.0), (Cand(2, 10.0), 0.9), (Cand(3, 10.0), 0.8)]
    titles = {1: "Integral 2GB SD Card memory card", 2: "Kingston 64 GB SD Card memory card", 3: "Acme SD Card"}
    ranked = by_name_coverage(scored, titles, ["sd", "card", "64gb"], 0.0, other_capacity_penalty=0.3)
    assert [c.product_id for c in ranked] == [2, 3, 1]  # a card that names no capacity may still be 64 GB
    assert other_capacity_share(["1tb", "drive"], "WD Blue 1000 GB drive") == 0.0  # the same capacity
    assert other_capacity_share(["1tb", "drive"], "WD Blue 2TB drive") == 1.0
    # only storage: a 9.8' cable is a fair answer for "10 ft"
    assert other_capacity_share(["10ft", "cable"], "Native Union - 9.8' Lightning Cable") == 0.0


def test_a_colour_between_two_kinds_is_the_next_ones_unless_the_first_is_named_again():
    known = frozenset({"modem", "cable", "screen", "protector", "notebook", "tablet"})
    cable = name_segments("Tripp Lite AT Serial Modem Gold Cable (DB25 to DB9 M/F)", known)
    assert [segment[-1] for segment in cable] == ["cable"]  # one name, not cut at the colour: a gold cable
    protector = name_segments("Targus AWV102TGL screen protector Clear screen protector Tablet Apple", known)
    assert protector[0][-1] == "protector"  # a protector, whatever follows the colour
    notebook = name_segments("Lenovo ThinkBook 15 Notebook Gray 39.6 cm Intel Core i7 notebook", known)
    assert notebook[0][-1] == "notebook"


def test_a_name_ending_with_specifications_says_which_kind_of_its_category_it_is():
    by_id = {
        1: Category(1, "Computers", None, "Computers"),
        2: Category(2, "Keyboards & Trackballs", 1, "Computers > Keyboards & Trackballs"),
        3: Category(3, "Cases", 1, "Computers > Cases"),
    }
    kinds = CatalogKinds.from_categories(by_id)
    keyboard = "Logitech Wireless K350, US keyboard RF Wireless Black"
    trackball = "Kensington Expert trackball RF Wireless Laser"
    assert kinds.share(keyboard, 2, frozenset({"keyboard"})) == 1.0  # was only possibly one: "black" ends it
    assert kinds.share(trackball, 2, frozenset({"keyboard"})) == 0.0
    assert kinds.share(trackball, 2, frozenset({"trackball"})) == 1.0
    combo = "Logitech MK270 keyboard trackball RF Wireless Black"  # names both: not surely either
    assert kinds.share(combo, 2, frozenset({"keyboard"})) < 1.0
    cased = "Acme keyboard case"  # its name ends with a kind the catalog knows: a case, whatever it holds
    assert kinds.share(cased, 2, frozenset({"keyboard"})) < 1.0


def test_a_slash_between_two_words_names_alternatives_each_a_segment():
    assert name_segments("HP EN489AA notebook dock/port replicator Docking Gray") == [
        ["hp", "notebook", "dock"],
        ["port", "replicator", "docking"],
    ]
    assert name_segments("Sony MDR570LPL headphones/headset") == [["sony", "headphone"], ["headset"]]
    assert len(name_segments("Shuttle XPC nano NC1010XA PC/workstation")) == 1  # "pc" is too short to be a name


ICECAT_TREE = [
    (1, "Printers & Scanners", None),
    (2, "Printer Parts & Accessories", 1),
    (3, "Label Printers", 1),
    (4, "Batteries", None),
    (5, "Backpacks", None),
    (6, "Cable Organizers", None),
]


@pytest.fixture
def icecat_kinds() -> CatalogKinds:
    return kinds_of(ICECAT_TREE)


def test_two_kinds_slashed_at_the_start_of_a_name_qualify_the_kind_after_them(icecat_kinds):
    part = "Brother LU2545001 printer/scanner spare part Roller"
    assert "printer" not in icecat_kinds.of_product(part, 2)
    assert icecat_kinds.share(part, 2, frozenset({"printer"})) == 0.0
    assert "part" in icecat_kinds.of_product(part, 2)
    # a slash after the name's own kind still names alternatives: a dock or a port replicator
    assert name_segments("HP EN489AA notebook dock/port replicator Docking Gray", frozenset({"dock", "notebook"})) == [
        ["hp", "notebook", "dock"],
        ["port", "replicator", "docking"],
    ]


def test_a_kind_in_lower_case_before_capitalized_specifications_is_the_products(icecat_kinds):
    # Icecat's names follow the kind with its specifications: "label printer Direct thermal DK" is a printer
    assert icecat_kinds.of_product("Brother QL-500 label printer Direct thermal DK", 3) == {"printer"}
    assert icecat_kinds.of_product("Varta High Energy AA Single-use battery Alkaline", 4) == {"battery"}
    assert icecat_kinds.of_product("Targus TSB700EU backpack Nylon Black", 5) == {"backpack"}
    # a name capitalized throughout ends with its kind, whatever its category says
    assert icecat_kinds.of_product("BlueLounge - Cableyoyo Cable Organizer - Dark Gray", 6) == {"organizer"}
    # "Original" says a part is genuine, not what it is
    assert icecat_kinds.of_product("Brother DR-7000 printer drum Original", 2) >= {"drum"}


def test_a_brand_typed_with_a_kind_puts_what_it_makes_before_what_is_made_for_it():
    titles = {
        1: "Verbatim HP LJ9000 30000 Page Toner",
        2: "HP 12A Original Black toner",
        3: "HP - Ink for HP 61 - Black",
    }
    scored = [(Cand(1, 1.0), 1.00), (Cand(2, 0.9), 0.95), (Cand(3, 0.5), 0.60)]
    ranked = made_by_first(scored, titles, ["HP"], 0.1)
    assert [c.product_id for c, _s in ranked] == [2, 1, 3]  # a step, not a leap: 0.60 + 0.1 stays behind
    assert made_by_first(scored, titles, ["HP"], 0.0) == scored
