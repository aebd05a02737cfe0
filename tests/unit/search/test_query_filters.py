"""Filters in words: prices, ratings, order and stock, in the many ways shoppers type them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aisle.domain.search.query import QueryParser


def d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@pytest.mark.parametrize(
    ("q", "price_min", "price_max"),
    [
        ("headphones under $200", None, "200"),
        ("headphones under 200 dollars", None, "200"),
        ("headphones below 50 dollars", None, "50"),
        ("headphones less than $30", None, "30"),
        ("headphones <$30", None, "30"),
        ("headphones < 30", None, "30"),
        ("headphones <= $30", None, "30"),
        ("headphones $20 or less", None, "20"),
        ("headphones $20 and under", None, "20"),
        ("headphones up to $99.99", None, "99.99"),
        ("headphones max $50", None, "50"),
        ("headphones $50 max", None, "50"),
        ("headphones at most $50", None, "50"),
        ("headphones no more than $50", None, "50"),
        ("headphones cheaper than $50", None, "50"),
        ("headphones within a budget of $80", None, "80"),
        ("headphones over $100", "100", None),
        ("headphones above 100", "100", None),
        ("headphones more than $1,000", "1000", None),
        ("headphones $100+", "100", None),
        ("headphones $100 and up", "100", None),
        ("headphones $100 or more", "100", None),
        ("headphones from $20", "20", None),
        ("headphones starting at $20", "20", None),
        ("headphones at least $10", "10", None),
        ("headphones > $10", "10", None),
        ("headphones between $10 and $30", "10", "30"),
        ("headphones between 10 and 30", "10", "30"),
        ("headphones between $30 and $10", "10", "30"),
        ("headphones $10-$30", "10", "30"),
        ("headphones $10 - $30", "10", "30"),
        ("headphones $10 to $30", "10", "30"),
        ("headphones $10-30", "10", "30"),
        ("headphones 10 - 30 dollars", "10", "30"),
        ("headphones 10 to 30 dollars", "10", "30"),
        ("headphones from $10 to $30", "10", "30"),
        ("headphones from 10 to 30", "10", "30"),
        ("headphones priced 10 to 30", "10", "30"),
        ("headphones around $50", "40", "60"),
        ("headphones about 50 dollars", "40", "60"),
        ("headphones ~$50", "40", "60"),
        ("headphones around 50", "40", "60"),  # "around" and "about" are cue enough without the currency
        ("headphones for about 50", "40", "60"),
        ("headphones under $1.5k", None, "1500"),
        ("headphones under 2k", None, "2000"),
        ("headphones under €200", None, "200"),
        ("headphones over $100 under $50", "50", "100"),  # read as a range, not as nothing
        ("headphones UNDER $200", None, "200"),
    ],
)
def test_prices(parser: QueryParser, q: str, price_min: str | None, price_max: str | None) -> None:
    parsed = parser.parse(q)
    assert (parsed.price_min, parsed.price_max) == (d(price_min), d(price_max))
    assert parsed.keywords == ("headphones",)


@pytest.mark.parametrize(
    ("q", "keywords"),
    [
        ("iphone 15", ("iphone", "15")),
        ("prepaid card $50", ("prepaid", "card", "50")),  # a lone amount names the product, it is no budget
        ("headphones 200$", ("headphones", "200")),
        ("galaxy s7", ("galaxy", "s7")),
        ("charger 30w", ("charger", "30w")),
        ("65 inch tv", ("65inch", "tv")),  # a number and its unit are one word (units.py)
        ('65" tv', ("65inch", "tv")),
        ("2 pack charging cable", ("2", "pack", "charging", "cable")),
        ("tv under 65 inch", ("tv", "under", "65inch")),  # a size, not a price
        ("charger over 30 w", ("charger", "over", "30w")),
        ("4tb hard drive", ("4tb", "hard", "drive")),
        ("4k tv", ("4k", "tv")),
        ("series 2", ("series", "2")),
        ("kids 8 and up", ("kids", "8", "up")),  # an age: "and up" takes a price only with a currency
        ("10-30 cable", ("10", "30", "cable")),  # a range takes a price only with a currency or a cue
        ("iphone 6 case", ("iphone", "6", "case")),
    ],
)
def test_numbers_that_are_not_prices_stay_keywords(parser: QueryParser, q: str, keywords: tuple[str, ...]) -> None:
    parsed = parser.parse(q)
    assert (parsed.price_min, parsed.price_max) == (None, None)
    assert parsed.keywords == keywords


def test_a_price_out_of_range_is_no_price(parser: QueryParser) -> None:
    parsed = parser.parse("tv under $99999999999")
    assert parsed.price_max is None
    assert "99999999999" in parsed.keywords


@pytest.mark.parametrize(
    ("q", "rating"),
    [
        ("headphones 4+ stars", 4.0),
        ("headphones 4 + stars", 4.0),
        ("headphones 4 stars and up", 4.0),
        ("headphones 4 stars & up", 4.0),
        ("headphones 4 stars or higher", 4.0),
        ("headphones 4 stars or better", 4.0),
        ("headphones at least 4 stars", 4.0),
        ("headphones over 4 stars", 4.0),
        ("headphones 4 star", 4.0),
        ("headphones 4-star", 4.0),
        ("headphones 4 star rating", 4.0),
        ("headphones rated 4 and above", 4.0),
        ("headphones rated 4+", 4.0),
        ("headphones rated at least 4 stars", 4.0),
        ("headphones rating 4 or higher", 4.0),
        ("headphones 4 rating", 4.0),
        ("headphones 4.5+ stars", 4.5),
        ("headphones 4.5 stars", 4.5),
        ("headphones five star", 5.0),
        ("headphones five stars", 5.0),
        ("headphones 5-star", 5.0),
        ("headphones four stars and up", 4.0),
        ("headphones 4 out of 5 stars", 4.0),
        ("headphones between 3 and 5 stars", 3.0),
        ("headphones 4★", 4.0),
        ("headphones 4⭐ and up", 4.0),
    ],
)
def test_ratings(parser: QueryParser, q: str, rating: float) -> None:
    parsed = parser.parse(q)
    assert parsed.rating_min == rating
    assert parsed.keywords == ("headphones",)
    assert (parsed.price_min, parsed.price_max) == (None, None)


@pytest.mark.parametrize("q", ["headphones 7 stars", "headphones 0 stars", "headphones 40 stars"])
def test_impossible_ratings_are_no_filter(parser: QueryParser, q: str) -> None:
    assert parser.parse(q).rating_min is None


@pytest.mark.parametrize(
    ("q", "sort"),
    [
        ("cheapest headphones", "price_asc"),
        ("cheap headphones", "price_asc"),
        ("affordable headphones", "price_asc"),
        ("budget headphones", "price_asc"),
        ("inexpensive headphones", "price_asc"),
        ("headphones lowest price", "price_asc"),
        ("least expensive headphones", "price_asc"),
        ("headphones price low to high", "price_asc"),
        ("headphones sort by price", "price_asc"),
        ("most expensive headphones", "price_desc"),
        ("expensive headphones", "price_desc"),
        ("headphones highest price", "price_desc"),
        ("headphones price high to low", "price_desc"),
        ("headphones sorted by price descending", "price_desc"),
        ("newest headphones", "newest"),
        ("latest headphones", "newest"),
        ("headphones new arrivals", "newest"),
        ("headphones just released", "newest"),
        ("headphones sort by newest", "newest"),
        ("best rated headphones", "rating"),
        ("top rated headphones", "rating"),
        ("top-rated headphones", "rating"),
        ("highly rated headphones", "rating"),
        ("highest rated headphones", "rating"),
        ("headphones sort by rating", "rating"),
    ],
)
def test_sort_orders(parser: QueryParser, q: str, sort: str) -> None:
    parsed = parser.parse(q)
    assert parsed.sort == sort
    assert parsed.keywords == ("headphones",)
    assert parsed.rating_min is None  # "top rated" orders, it does not hide products without reviews


def test_the_first_order_asked_for_wins(parser: QueryParser) -> None:
    assert parser.parse("cheapest newest headphones").sort == "price_asc"


def test_new_alone_is_a_word(parser: QueryParser) -> None:
    parsed = parser.parse("new headphones")
    assert parsed.sort is None
    assert parsed.keywords == ("new", "headphones")


@pytest.mark.parametrize(
    ("q", "in_stock"),
    [
        ("headphones in stock", True),
        ("headphones in-stock", True),
        ("headphones instock", True),
        ("headphones available now", True),
        ("headphones available", True),
        ("headphones currently available", True),
        ("headphones ready to ship", True),
        ("headphones out of stock", False),
        ("headphones", None),
    ],
)
def test_stock(parser: QueryParser, q: str, in_stock: bool | None) -> None:
    parsed = parser.parse(q)
    assert parsed.in_stock is in_stock
    assert parsed.keywords == ("headphones",)


def test_everything_at_once(parser: QueryParser) -> None:
    parsed = parser.parse("cheapest sony wireless headphones between $50 and $150 with 4.5+ stars in stock")
    assert parsed.brands == ("Sony",)
    assert parsed.keywords == ("wireless", "headphones")
    assert (parsed.price_min, parsed.price_max) == (Decimal("50"), Decimal("150"))
    assert parsed.rating_min == 4.5
    assert parsed.in_stock is True
    assert parsed.sort == "price_asc"


@pytest.mark.parametrize(
    ("q", "sizes", "keywords"),
    [
        ("running shoes size 10", ("10",), ("running", "shoes")),
        ("shoes size 8.5", ("8.5",), ("shoes",)),
        ("hoodie size xl", ("xl", "x large", "extra large", "1xl"), ("hoodie",)),
        ("dress size medium", ("m", "medium"), ("dress",)),
        ("king size bed", (), ("king", "size", "bed")),  # "size" before a word that is no size stays a word
    ],
)
def test_size_and_a_value_ask_for_that_size(parser: QueryParser, q: str, sizes: tuple[str, ...], keywords) -> None:
    parsed = parser.parse(q)
    assert parsed.attributes == tuple(("size", size) for size in sizes)
    assert parsed.keywords == keywords
