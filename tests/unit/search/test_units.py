"""A number and its unit as one word, however either is written (units.py)."""

from __future__ import annotations

import pytest

from aisle.domain.search.compounds import is_split_code
from aisle.domain.search.document import model_codes
from aisle.domain.search.text import normalize
from aisle.domain.search.units import (
    indexed_unit_codes,
    is_capacity,
    unit_codes,
    with_screen_sizes,
    with_unit_codes,
)


@pytest.mark.parametrize(
    "written",
    [
        *("55 inch", "55 inches", "55 in", '55"', "55-inch", "55in", "55\u2033", "55\u201d", "55 - Inch"),
        *("55 pouces", "55 pulgadas", "55 Zoll"),  # as French, Spanish and German shoppers write it
    ],
)
def test_every_spelling_of_inches_is_one_word(written):
    assert unit_codes(normalize(f"Smart TV, {written}")) == ("55inch",)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("5.5-inch display", "5p5inch"),  # not 55inch: the decimal point stays
        ("6' Lightning Cable", "6ft"),
        ("6 ft cable", "6ft"),
        ("10 foot cable", "10ft"),
        ("32 GB", "32gb"),
        ("10,000 mAh power bank", "10000mah"),
        ("2 TB drive", "2tb"),
        ("Cat6 patch cable 5 m", "5m"),
        ("networking cable 5.00 m", "5m"),  # trailing zeros say nothing
        ("C2G 2.0m HDMI cable", "2m"),
        ("HDMI cable, 3 meters", "3m"),
        ("Patch Cable, 7.5m", "7p5m"),
        ("Patch Cable, 0.50 m", "0p5m"),
        ("Tripod 1.50 metres", "1p5m"),
    ],
)
def test_units_have_one_canonical_word(text, code):
    assert unit_codes(normalize(text))[0] == code


@pytest.mark.parametrize(
    "query", ["2 in 1 laptop", "under 50 in black", "50 in stock", "galaxy s7 in blue", "version 1.5.2 in red"]
)
def test_in_is_a_unit_only_right_after_a_number_that_is_no_price(query):
    assert with_unit_codes(query) == query


def test_a_quote_closing_a_quotation_is_no_inch_mark():
    assert with_unit_codes('"iphone 7" case') == '"iphone 7" case'
    assert with_unit_codes('"galaxy" 55" tv') == '"galaxy" 55inch tv'


def test_a_query_reads_its_measures_as_the_index_writes_them():
    assert with_unit_codes("tv 55 inch") == "tv 55inch"
    assert with_unit_codes("cat 6 cable 5 m") == "cat 6 cable 5m"
    assert with_unit_codes("hdmi cable 2 meter") == "hdmi cable 2m"
    assert with_unit_codes('55" tv under $500') == "55inch tv under $500"


def test_a_size_is_no_model_code():
    assert "55inch" not in model_codes("Phone with 5.5-inch Display SP-2")
    assert "sp2" in model_codes("Phone with 5.5-inch Display SP-2")


def test_a_capacity_is_also_written_in_the_next_unit_up_or_down():
    assert unit_codes(normalize("SSD 1000 GB")) == ("1000gb", "1tb")  # found by "1tb"
    assert unit_codes(normalize("2 TB drive")) == ("2tb", "2000gb")  # found by "2000gb"
    assert unit_codes(normalize("512 GB")) == ("512gb",)  # no whole number of terabytes
    assert unit_codes(normalize("6 ft cable")) == ("6ft",)


@pytest.mark.parametrize(
    ("title", "codes"),
    [
        ('Notebook 33.8 cm (13.3")', ("33p8cm", "13p3inch", "13inch")),  # "13 inch laptop"
        ('Notebook 39.6 cm (15.6")', ("39p6cm", "15p6inch", "15inch", "16inch")),  # "15 inch" and "16 inch"
        ("23.8-inch monitor", ("23p8inch", "23inch", "24inch")),  # sold as a 24-inch monitor
        ("27 inch monitor", ("27inch",)),
        ("2.5 inch hard drive", ("2p5inch",)),  # no 3-inch drive
        ("5.5 inch phone", ("5p5inch",)),
    ],
)
def test_a_screens_diagonal_is_also_indexed_in_the_whole_inches_shoppers_name_it_by(title, codes):
    assert indexed_unit_codes(normalize(title)) == codes


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("tv 55", "tv 55inch"),
        ("65 tv", "65inch tv"),
        ("samsung 43 televisions", "samsung 43inch televisions"),
        ("monitor 24", "monitor 24inch"),
        ("tv under 50", "tv under 50"),  # a price
        ("tv between 40 and 60", "tv between 40 and 60"),
        ("tv around 55", "tv around 55inch"),  # no $55 television: a 55-inch one
        ("tv around $300", "tv around $300"),
        ("tv 4", "tv 4"),  # no screen is sold that small
        ("55.5 tv", "55.5 tv"),
        ("iphone 55", "iphone 55"),  # no screen word
    ],
)
def test_a_bare_number_beside_a_screen_word_is_its_size_in_inches(typed, read):
    assert with_screen_sizes(with_unit_codes(normalize(typed))) == read


def test_a_size_is_no_model_codes_number():
    assert not is_split_code("tv", "55inch")
    assert is_split_code("ps", "4") and is_split_code("mdr", "570")


@pytest.mark.parametrize(
    ("title", "tail"),
    [
        ('LG 55LE8500 TV 139.7 cm (55") Full HD', "le8500"),  # the series without the size
        ("Samsung Series 8 UN55TU8000 139.7 cm", "tu8000"),  # nor the region
        ("TP-Link TL-WR740N router", "740n"),
        ('Philips 22PFL3504D 22" class digital TV', "pfl3504d"),
    ],
)
def test_a_model_code_is_also_found_by_its_series_without_a_size_or_region_prefix(title, tail):
    assert tail in model_codes(title)


def test_a_codes_end_is_never_a_bare_number_a_size_or_a_short_piece():
    codes = model_codes("Samsung UN55TU8000 HP 1000GB SATA 7200rpm Galaxy S7 4K")
    assert "8000" not in codes and "1000gb" not in codes and "s7" not in codes and "7200rpm" not in codes


@pytest.mark.parametrize(("word", "capacity"), [("16gb", True), ("1p5tb", True), ("512mb", True), ("55inch", False)])
def test_a_capacity_is_a_number_of_bytes(word, capacity):
    assert is_capacity(word) is capacity
