"""A result card shows the picture and the price of the variant the shopper's attribute filters chose."""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal

from aisle.domain.pricing import FinalPrice
from aisle.domain.search.filters import Filters
from aisle.services.cache_codec import CacheCodec
from aisle.services.search.cards import showing_chosen
from aisle.services.search.results import PicturedVariant, PricedVariant, ProductCard
from tests.unit.test_cache_codec import CARD, through_json_cache


def showing(card: ProductCard, chosen: list[tuple[str, str]], words: list[str] | tuple[str, ...] = ()) -> ProductCard:
    return showing_chosen(card, Filters(attributes=tuple(chosen)), words)


def picture(name: str) -> dict:
    return {"image_id": name, "urls": {"300": f"/media/{name}/300.webp", "original": f"/media/{name}.png"}}


RED = PicturedVariant((("color", "Red"), ("size", "M")), picture("red"))
BLUE = PicturedVariant((("color", "Blue"), ("size", "M")), picture("blue"))
SCARF = replace(CARD, thumbnail_url="/media/red/300.webp", image=picture("red"), pictured_variants=(RED, BLUE))


def test_the_chosen_colour_picks_the_picture_whatever_its_case():
    shown = showing(SCARF, [("Color", "BLUE")])
    assert shown.image == picture("blue") and shown.thumbnail_url == "/media/blue/300.webp"
    assert showing(SCARF, [("color", "blue"), ("size", "m")]).image == picture("blue")


def test_attributes_the_variants_do_not_carry_are_not_asked_of_the_picture():
    assert showing(SCARF, [("color", "Blue"), ("material", "wool")]).image == picture("blue")


def test_nothing_to_match_keeps_the_first_picture():
    for chosen in ([("color", "Green")], [("material", "wool")], [("color", "Blue"), ("size", "L")], []):
        assert showing(SCARF, chosen) == SCARF
    assert showing(CARD, [("color", "Blue")]) == CARD  # no picture belongs to a variant


def test_a_card_with_its_pictured_variants_survives_a_json_cache():
    codec = CacheCodec(ProductCard)
    assert codec.load(through_json_cache(asdict(SCARF))) == SCARF
    older = {k: v for k, v in asdict(CARD).items() if k != "pictured_variants"}  # cached by the last release
    assert codec.load(through_json_cache(older)) == CARD


def test_with_no_filter_the_words_that_spell_a_value_pick_its_picture():
    assert showing(SCARF, [], ["wool", "blue", "scarf"]).image == picture("blue")
    assert showing(SCARF, [], ["BLUE"]).image == picture("blue")
    navy = PicturedVariant((("color", "Navy Blue"),), picture("navy"))
    two_words = replace(SCARF, pictured_variants=(navy, BLUE))
    assert showing(two_words, [], ["blue", "scarf"]).image == picture("blue")  # "navy" was not said
    assert showing(two_words, [], ["navy", "blue"]).image == picture("navy")


def test_sizes_and_short_values_are_not_picked_by_words_and_a_filter_wins_over_them():
    sized = replace(SCARF, pictured_variants=(PicturedVariant((("size", "M"),), picture("m")),))
    assert showing(sized, [], ["m", "scarf"]) == sized
    assert showing(SCARF, [("color", "Green")], ["blue"]) == SCARF  # the filter chose: no guessing


def priced(amount: str, was: str | None = None) -> FinalPrice:
    return FinalPrice(Decimal(amount), was and Decimal(was), None)


TRIO = replace(
    CARD,
    price=priced("50.00"),
    badges=("Top rated",),
    priced_variants=(
        PricedVariant(31, (("color", "Blue"), ("size", "M")), priced("50.00")),
        PricedVariant(32, (("color", "Red"), ("size", "S")), priced("80.00", was="100.00")),
        PricedVariant(33, (("Color", "red"), ("size", "M")), priced("95.00")),
    ),
)


def test_a_chosen_attribute_shows_the_cheapest_price_of_the_variants_that_have_it():
    red = showing_chosen(TRIO, Filters(attributes=(("color", "RED"),)))
    assert red.price == priced("80.00", was="100.00") and red.badges == ("Save 20%", "Top rated")
    assert red.variant_id == 32 and TRIO.variant_id is None  # the product page opens on it
    assert showing_chosen(TRIO, Filters(attributes=(("color", "red"), ("size", "M")))).price == priced("95.00")
    either = Filters(attributes=(("color", "Red"), ("color", "Blue"), ("size", "M")))
    assert showing_chosen(TRIO, either).price == priced("50.00")
    in_range = Filters(attributes=(("color", "Red"),), price_min=Decimal("90"))
    assert showing_chosen(TRIO, in_range).price == priced("95.00")


def test_the_lowest_price_stays_where_no_variant_has_every_chosen_attribute_or_none_is_chosen():
    assert showing_chosen(TRIO, Filters(attributes=(("color", "Blue"), ("size", "S")))) == TRIO
    assert showing_chosen(TRIO, Filters(price_max=Decimal("60"))) == TRIO
    assert showing_chosen(TRIO, Filters(attributes=(("color", "Red"),), price_max=Decimal("60")), ()) == TRIO


def test_a_card_priced_by_variant_reads_back_from_a_shared_cache():
    assert CacheCodec(ProductCard).load(through_json_cache(asdict(TRIO))) == TRIO


def test_a_card_keeps_its_variants_prices_when_only_an_unattributed_variant_is_cheaper():
    from datetime import UTC, datetime

    from aisle.domain.reviews import ReviewSummary
    from aisle.services.ports import CardFacts, CardVariant
    from aisle.services.search.cards import card_of

    variants = (CardVariant(1, Decimal("10.00"), None), CardVariant(2, Decimal("20.00"), None, (("color", "Red"),)))
    facts = CardFacts(5, 1, "Mug", None, None, (), datetime(2026, 1, 1, tzinfo=UTC), variants)
    prices = {1: priced("10.00"), 2: priced("20.00")}
    card = card_of(facts, ReviewSummary(), prices, {1, 2}, datetime(2026, 6, 1, tzinfo=UTC), [])
    assert card.price == priced("10.00")
    assert showing_chosen(card, Filters(attributes=(("color", "red"),))).price == priced("20.00")
    same = {1: priced("20.00"), 2: priced("20.00")}
    assert card_of(facts, ReviewSummary(), same, {1, 2}, datetime.now(UTC), []).priced_variants == ()  # no choice
    red_sold_out = card_of(facts, ReviewSummary(), same, {1}, datetime.now(UTC), [])
    assert red_sold_out.in_stock and red_sold_out.priced_variants  # the product is in stock, its red is not
    shown = showing_chosen(red_sold_out, Filters(attributes=(("color", "red"),)))
    assert not shown.in_stock and shown.variant_id == 2


def test_a_chosen_attribute_shows_a_variant_in_stock_before_a_cheaper_one_sold_out():
    sizes = replace(
        TRIO,
        priced_variants=(
            PricedVariant(41, (("color", "Red"), ("size", "S")), priced("60.00"), in_stock=False),
            PricedVariant(42, (("color", "Red"), ("size", "M")), priced("70.00")),
        ),
    )
    red = showing_chosen(sizes, Filters(attributes=(("color", "red"),)))
    assert (red.variant_id, red.price, red.in_stock) == (42, priced("70.00"), True)
    all_sold = replace(sizes, priced_variants=tuple(replace(v, in_stock=False) for v in sizes.priced_variants))
    assert showing_chosen(all_sold, Filters(attributes=(("color", "red"),))).variant_id == 41  # the cheapest
    assert showing_chosen(all_sold, Filters(attributes=(("color", "red"),), in_stock=True)) == all_sold


def test_with_nothing_chosen_the_card_pictures_the_variant_it_prices():
    # the seller's first picture is of the red one, sold at more: the card priced by the blue one shows blue, and
    # its link (?pictured=) opens the page on the variant at the price the card said
    from datetime import UTC, datetime

    from aisle.domain.reviews import ReviewSummary
    from aisle.services.ports import CardFacts, CardVariant
    from aisle.services.search.cards import card_of

    red, blue = (("color", "Red"),), (("color", "Blue"),)
    variants = (CardVariant(1, Decimal("80.00"), None, red), CardVariant(2, Decimal("60.00"), None, blue))
    facts = CardFacts(5, 1, "Scarf", None, None, (), datetime(2026, 1, 1, tzinfo=UTC), variants)
    prices = {1: priced("80.00"), 2: priced("60.00")}
    gallery = [{**picture("red"), "variant_id": "1"}, {**picture("blue"), "variant_id": "2"}, picture("both")]

    def shown(stocked: set[int], pictures: list[dict]) -> tuple[Decimal, str | None]:
        card = card_of(facts, ReviewSummary(), prices, stocked, datetime(2026, 6, 1, tzinfo=UTC), pictures)
        return card.price.amount, card.image and card.image["image_id"]

    assert shown({1, 2}, gallery) == (Decimal("60.00"), "blue")
    assert shown({1}, gallery) == (Decimal("80.00"), "red")  # the blue one sold out: the red one's price and picture
    assert shown({1, 2}, gallery[:1] + gallery[2:]) == (Decimal("60.00"), "both")  # no blue picture: the common one
    assert shown({1, 2}, gallery[:1]) == (Decimal("60.00"), "red")  # only another variant's: better than none
    assert shown({1, 2}, []) == (Decimal("60.00"), None)
