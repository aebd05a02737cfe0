"""A result card shows the picture of the variant the shopper's attribute filters chose."""

from __future__ import annotations

from dataclasses import asdict, replace

from aisle.services.cache_codec import CacheCodec
from aisle.services.search.cards import showing_chosen
from aisle.services.search.results import PicturedVariant, ProductCard
from tests.unit.test_cache_codec import CARD, through_json_cache


def picture(name: str) -> dict:
    return {"image_id": name, "urls": {"300": f"/media/{name}/300.webp", "original": f"/media/{name}.png"}}


RED = PicturedVariant((("color", "Red"), ("size", "M")), picture("red"))
BLUE = PicturedVariant((("color", "Blue"), ("size", "M")), picture("blue"))
SCARF = replace(CARD, thumbnail_url="/media/red/300.webp", image=picture("red"), pictured_variants=(RED, BLUE))


def test_the_chosen_colour_picks_the_picture_whatever_its_case():
    shown = showing_chosen(SCARF, [("Color", "BLUE")])
    assert shown.image == picture("blue") and shown.thumbnail_url == "/media/blue/300.webp"
    assert showing_chosen(SCARF, [("color", "blue"), ("size", "m")]).image == picture("blue")


def test_attributes_the_variants_do_not_carry_are_not_asked_of_the_picture():
    assert showing_chosen(SCARF, [("color", "Blue"), ("material", "wool")]).image == picture("blue")


def test_nothing_to_match_keeps_the_first_picture():
    for chosen in ([("color", "Green")], [("material", "wool")], [("color", "Blue"), ("size", "L")], []):
        assert showing_chosen(SCARF, chosen) == SCARF
    assert showing_chosen(CARD, [("color", "Blue")]) == CARD  # no picture belongs to a variant


def test_a_card_with_its_pictured_variants_survives_a_json_cache():
    codec = CacheCodec(ProductCard)
    assert codec.load(through_json_cache(asdict(SCARF))) == SCARF
    older = {k: v for k, v in asdict(CARD).items() if k != "pictured_variants"}  # cached by the last release
    assert codec.load(through_json_cache(older)) == CARD


def test_with_no_filter_the_words_that_spell_a_value_pick_its_picture():
    assert showing_chosen(SCARF, [], ["wool", "blue", "scarf"]).image == picture("blue")
    assert showing_chosen(SCARF, [], ["BLUE"]).image == picture("blue")
    navy = PicturedVariant((("color", "Navy Blue"),), picture("navy"))
    two_words = replace(SCARF, pictured_variants=(navy, BLUE))
    assert showing_chosen(two_words, [], ["blue", "scarf"]).image == picture("blue")  # "navy" was not said
    assert showing_chosen(two_words, [], ["navy", "blue"]).image == picture("navy")


def test_sizes_and_short_values_are_not_picked_by_words_and_a_filter_wins_over_them():
    sized = replace(SCARF, pictured_variants=(PicturedVariant((("size", "M"),), picture("m")),))
    assert showing_chosen(sized, [], ["m", "scarf"]) == sized
    assert showing_chosen(SCARF, [("color", "Green")], ["blue"]) == SCARF  # the filter chose: no guessing
