from __future__ import annotations

import pytest

from aisle.domain.categorize import (
    CATEGORY_RULES,
    HINT_RULES,
    SPEC_RULES,
    place_in_category,
    readable_spec_name,
)

LAPTOP_BAGS = ("Bags & Cases", "Laptop Bags & Sleeves")
INK_TONER = ("Printers & Scanners", "Ink & Toner")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # An accessory names the device it is for: the longer (or earlier) phrase wins.
        ("Targus 15.6 inch laptop sleeve", LAPTOP_BAGS),
        ("Case Logic laptop bag 15.6", LAPTOP_BAGS),
        ('Targus Premiere Laptop Case notebook case 39.1 cm (15.4") Messenger case Black', LAPTOP_BAGS),
        ("Thule Construct CONBP-116 Carbon Blue backpack Nylon", ("Bags & Cases", "Backpacks")),
        ("Ergotron LX monitor arm", ("Computers", "Monitor Mounts & Arms")),
        ("Newstar flat screen wall mount", ("TV & Home Theater", "TV Mounts & Accessories")),
        ("Epson projector lamp ELPLP96", ("TV & Home Theater", "Projector Accessories")),
        ("Kensington ClickSafe Keyed Laptop Lock cable lock", ("Computers", "Computer Accessories")),
        ("iPhone 12 case", ("Phones & Accessories", "Cases")),
        ("Canon 2379B001 camera lens adapter", ("Cameras", "Camera Accessories")),
        # Cables and adapters name what they connect.
        ("Belkin USB-C cable 2m", ("Cables & Adapters", "USB & Lightning Cables")),
        ("StarTech.com 6 ft HDMI cable", ("Cables & Adapters", "Video Cables")),
        ("C2G 3m Cat6 patch cable", ("Cables & Adapters", "Network Cables")),
        ("Tripp Lite Duplex Multimode 50/125 Fiber Patch Cable (LC/LC)", ("Cables & Adapters", "Fiber Optic Cables")),
        ("StarTech.com USB-C to HDMI adapter", ("Cables & Adapters", "Adapters & Connectors")),
        ("StarTech.com DB9 RS232 Serial Null Modem Adapter - M/F", ("Cables & Adapters", "Adapters & Connectors")),
        # Supplies name the printer they are for: the supply wins.
        ("HP 301 ink cartridge Black", INK_TONER),
        ("Xerox Magenta Toner Cartridge for Phaser 6130 Original", INK_TONER),
        ("HP 953XL Original Cyan 1 pc(s)", INK_TONER),  # a pack size, not a PC
        ("OKI Yellow image drum for C5650/5750 Original", ("Printers & Scanners", "Printer Parts & Accessories")),
        ("HP LaserJet Pro M404dn printer", ("Printers & Scanners", "Printers")),
        ("HP Advanced Glossy photo paper White Gloss A3+", ("Office Supplies", "Paper & Media")),
        ("DYMO D1 Standard - Black on White - 12mm label-making tape", ("Office Supplies", "Labels & Label Tape")),
        # Devices.
        (
            'Lenovo ThinkBook 15 Notebook Gray 39.6 cm (15.6") Intel Core i7 16 GB DDR4-SDRAM 512 GB SSD',
            ("Computers", "Laptops"),
        ),
        ("Leitz WOW Notebook A4 squared, wirebound with PP cover", ("Office Supplies", "Notebooks & Pads")),
        (
            "DELL PowerEdge R440 server Intel Xeon Silver 2.1 GHz 16 GB DDR4-SDRAM Rack (1U) 550 W",
            ("Computers", "Servers"),
        ),
        ('Samsung 27" monitor', ("Computers", "Monitors")),
        ("Intel Xeon E5320 processor 1.86 GHz Box 8 MB L2", ("Computer Components", "Processors")),
        ("Kingston 16GB DDR4 memory module", ("Computer Components", "Memory")),
        ("Origin Storage 1TB Desktop 3.5in SATA HD kit Data cable/No Rails", ("Storage", "Internal Hard Drives")),
        ("SanDisk Ultra 64GB USB flash drive", ("Storage", "USB Flash Drives")),
        ("TP-Link Archer C6 wireless router", ("Networking", "Routers & Modems")),
        ("Netgear GS105 Unmanaged", ("Networking", "Switches")),
        ("APC Back-UPS 700VA uninterruptible power supply (UPS)", ("Power", "UPS")),
        ('Samsung Series 7 58TU7000 146.1 cm (57.5") 4K Ultra HD Smart TV Wi-Fi', ("TV & Home Theater", "TVs")),
        ("Canon EF 70-200mm f/2.8L USM SLR Telephoto lens White", ("Cameras", "Lenses")),
        ("Sony WH-1000XM4 headphones", ("Audio", "Headphones")),
        ("Philips Notebook headset SHM3100U/10", ("Audio", "Headphones")),
        ("Samsung Galaxy S21 smartphone", ("Phones & Accessories", "Cell Phones")),
        ("Philips Sonicare HealthyWhite Rechargeable sonic toothbrush", ("Personal Care", "Oral Care")),
        ("BABY born 828311 doll accessory Doll shoes", ("Toys & Games", "Dolls & Accessories")),
        ("Sylvanian Families Marshmallow Mouse Triplets", ("Toys & Games", "Toys & Playsets")),
        ("Senseo HD7820/60 coffee maker Pod coffee machine 1.2 L", ("Home & Kitchen", "Coffee & Espresso")),
    ],
)
def test_titles_are_placed_by_the_kind_of_product_they_name(title, expected):
    assert place_in_category(title, {}) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Newstar notebook desk mount", ("Computers", "Monitor Mounts & Arms")),
        ("StarTech.com 6 ft 2-in-1 Ultra Thin USB KVM Cable", ("Cables & Adapters", "Other Cables")),
        ("Philips Wireless notebook mouse SPM7800/10", ("Computers", "Keyboards & Mice")),
        ("HP 3y Pickup Rtn Pavilion Notebook SVC", ("Software & Services", "Warranties & Support")),
        ('CHERRY 19" compact PC G80-1800 FR keyboard USB', ("Computers", "Keyboards & Mice")),
        ("Targus ASF201WUSZ notebook accessory", ("Computers", "Computer Accessories")),
        ("HP Notebook QuickDock", ("Computers", "Computer Accessories")),
    ],
)
def test_a_device_named_before_another_kind_is_what_the_thing_fits(title, expected):
    assert place_in_category(title, {}) == expected


def test_a_device_is_placed_by_its_own_kind_whatever_its_title_names_after_it():
    assert place_in_category("HP Compaq 6820s Notebook PC", {}) == ("Computers", "Laptops")
    assert place_in_category("Philips Notebook headset SHM3100U/10", {}) == ("Audio", "Headphones")
    with_os = {"attr_t_operating_system_installed": "Windows 10 Home"}
    assert place_in_category("Lenovo IdeaPad Flex 14 Hybrid (2-in-1) Black 8 GB 256 GB SSD", with_os) == (
        "Computers",
        "Laptops",
    )


def test_a_title_that_names_no_known_kind_is_not_placed():
    assert place_in_category("Xyz Q-3000", {}) is None
    assert place_in_category("", {}) is None


def test_the_product_type_spec_decides_when_the_title_names_no_kind():
    assert place_in_category("Philips SHP2000", {"attr_t_product_type": "Headphones"}) == ("Audio", "Headphones")


def test_the_title_outranks_a_product_type_that_is_only_a_sub_kind():
    placed = place_in_category("Chief PSBUB flat panel mount accessory", {"attr_t_product_type": "Bracket"})
    assert placed == ("TV & Home Theater", "TV Mounts & Accessories")


def test_a_complete_computer_is_placed_as_a_device_despite_its_component_words():
    title = "HP Compaq dc7900 Intel Core2 Duo E8400 2 GB DDR2-SDRAM 160 GB HDD SFF Black PC Windows Vista Business"
    with_os = {"attr_t_operating_system_installed": "Windows Vista Business"}
    assert place_in_category(title, with_os) == ("Computers", "Desktops")
    assert place_in_category("Lenovo ThinkStation 450GB SAS HDD", {}) == ("Storage", "Internal Hard Drives")


def test_a_computer_with_a_display_and_a_battery_is_a_laptop():
    specs = {
        "attr_t_operating_system_installed": "Windows Vista",
        "attr_n_display_diagonal": 15.4,
        "attr_t_number_of_battery_cells": "6",
    }
    assert place_in_category('HP 550 39.1 cm (15.4") Intel Celeron M', specs) == ("Computers", "Laptops")


def test_a_small_screen_with_a_talk_time_is_a_phone_not_a_monitor():
    specs = {"attr_n_display_diagonal": 3.0, "attr_t_display_resolution": "240 x 400", "attr_n_talk_time__2g_": 3.5}
    assert place_in_category('LG KF900 Prada II 7.62 cm (3") 130 g Black', specs) == (
        "Phones & Accessories",
        "Cell Phones",
    )
    monitor = {"attr_n_display_diagonal": 21.5, "attr_t_display_resolution": "1920 x 1080"}
    assert place_in_category("LG E2240T Black", monitor) == ("Computers", "Monitors")


def test_spec_fields_only_one_kind_of_product_has_are_the_last_resort():
    assert place_in_category("Canon BCI-6Y", {"attr_n_black_toner_page_yield": 2500}) == INK_TONER
    assert place_in_category("Canon BCI-6Y", {"ink_type": "Pigment-based ink"}) == INK_TONER  # readable names too


def test_phrases_match_whole_words_and_plurals():
    assert place_in_category("Verbatim CD-R 52X 100 pc(s)", {}) == ("Storage", "Blank Media")
    assert place_in_category("C2G 6in Cable Ties - Black 100pk", {}) == ("Cables & Adapters", "Cable Management")
    assert place_in_category("Brandon Smith", {}) is None  # "brand" and "and" are not phrases; "pc" is not in "pcs"


def test_spec_names_are_made_readable():
    assert readable_spec_name("attr_t_dimensions__wxdxh_") == "dimensions_wxdxh"
    assert readable_spec_name("attr_b_rohs_compliance") == "rohs_compliance"
    assert readable_spec_name("product_colour") == "product_colour"


def test_every_rule_places_in_a_tree_two_or_three_levels_deep():
    paths = {rule.path for rule in (*CATEGORY_RULES, *HINT_RULES)} | {rule.path for rule in SPEC_RULES}
    assert all(2 <= len(path) <= 3 and all(path) for path in paths)
    assert len({path[0] for path in paths}) >= 15
    assert len(paths) >= 80


def test_every_phrase_is_lowercase_so_that_it_can_match():
    phrases = [phrase for rule in (*CATEGORY_RULES, *HINT_RULES) for phrase in (*rule.phrases, *rule.unless)]
    assert [phrase for phrase in phrases if phrase != phrase.lower().strip()] == []


def test_a_word_that_names_a_device_only_in_a_device_s_title_places_only_complete_devices():
    tablet_specs = {"attr_t_operating_system_installed": "Android 9.0"}
    assert place_in_category("Lenovo Tab M8 20.3 cm (8in) 2 GB 32 GB Gray", tablet_specs) == ("Computers", "Tablets")
    assert place_in_category("Leitz 16520030 tab index Numeric tab index Cardboard Blue, Gray", {}) is None
    assert place_in_category("HERMA CD-PostPack mailing envelope with insert tab closure", {}) is None


def test_a_folio_is_a_tablet_case_whatever_it_fits():
    assert place_in_category("Logitech Slim Folio For iPad Air (3rd gen)", {}) == (
        "Bags & Cases",
        "Tablet Cases & Stands",
    )
