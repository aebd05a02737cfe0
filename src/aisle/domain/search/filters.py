"""Natural-language filters: the price, rating, stock and order a shopper asks for in words.

The lexemes are written out as one line, a number as "#" and any currency sign as "$", and each rule is a regular
expression over that line ("under (\\$ )?#" and so on), tried in order: ranges before single bounds, ratings before
prices ("at least 4 stars" is a rating), explicit phrases before loose ones. What a rule matches is consumed, so
no word serves two filters and none of them is left as a keyword. The first value found for a filter wins.

Decisions where shoppers are ambiguous:

- A number is a price only with a currency ("$200", "200 dollars") or right after a price cue: "under 30",
  "over 100", "between 10 and 30". "iphone 15", "65 inch tv", "2 pack" and "charger 30w" keep their numbers, and
  a cue followed by a unit is no price ("under 65 inch"). Weaker cues need a currency: "from $20", "$20 or less",
  "$100+", "near $50". A lone "$50" with no cue stays a word: it is often part of a product's name (a "$50
  prepaid card"). Bounds are inclusive.
- "around $50" and "about 50" mean $40 to $60 (±20%).
- A rating is 0 to 5 stars: "4+ stars", "4 star", "4-star", "five stars", "rated 4 and above", "4 rating".
- "top rated", "highly rated", "best rated" sort by rating without filtering: a product with no reviews yet
  is not hidden, only ranked after the ones that have them.
- "cheap", "cheapest", "affordable", "budget" sort by price, lowest first; "expensive", "most expensive" highest
  first. "newest", "latest", "new arrivals" sort by date; "new" alone is a word ("kate spade new york").
- "in stock", "available (now)" keep what is in stock; "out of stock" asks for the opposite.
- "size 10", "size xl", "size medium" ask for variants of that size: the attribute filter size=10 (with the
  letter and word forms of a clothing size: "m" and "medium" are one size). Whether the catalog has that size
  is the search service's question; "size" followed by anything else ("king size bed") stays words.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from typing import Any

from aisle.domain.catalog import attribute_name
from aisle.domain.money import CENT, MAX_PRICE
from aisle.domain.search.lexer import Kind, Lexeme

AROUND = Decimal("0.2")
_NUMBER_WORDS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0}
_CURRENCY_SIGNS = {"$", "€", "£"}
_STAR_SIGNS = {"★", "⭐"}


@dataclass(frozen=True)
class Filters:
    """What a search keeps: found in the shopper's words, clicked in the facets, or both (what was clicked wins).
    The search engine port applies exactly these."""

    brands: tuple[str, ...] = ()
    # the brands also keep products whose title names them: "apple chargers" are chargers made by Apple or for
    # Apple devices (read from the shopper's words when they name a kind of product; a clicked brand is the maker)
    brands_in_title: bool = False
    # the brands were read from the words: part of the query, as its words are, so the brand facet counts under
    # them ("verizon": Verizon's products, not every brand of the catalog); a clicked brand is one value of many
    brands_typed: bool = False
    category_id: int | None = None  # includes the category's descendants
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    rating_min: float | None = None
    in_stock: bool | None = None
    attributes: tuple[tuple[str, str], ...] = ()  # (name, value): values of one name OR'ed, names AND'ed
    excluded_words: tuple[str, ...] = ()  # no product whose title or brand holds one ("case -otterbox")
    excluded_makers: tuple[str, ...] = ()  # no product of these brands ("apple third party")
    # each held by every product's title: a brand typed with a kind of product ("samsung galaxy case") once another
    # brand is clicked (Speck): Speck's cases whose titles name Samsung, as the brand facet counted them
    title_words: tuple[str, ...] = ()
    in_categories: tuple[int, ...] = ()  # in any of these categories (or below one): a search's own look-up

    def completed_by(self, other: Filters) -> Filters:
        """These filters, completed with what ``other`` has that they do not."""
        taken = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(self, **{name: getattr(other, name) for name, mine in taken.items() if _unset(mine)})

    def in_order(self) -> Filters:
        """ "over $100 under $50" is read as $50 to $100, not as nothing."""
        if self.price_min is not None and self.price_max is not None and self.price_min > self.price_max:
            return replace(self, price_min=self.price_max, price_max=self.price_min)
        return self

    def without(self, facet: str) -> Filters:
        """These filters but the one a facet (brands, categories, price_ranges, ratings, attributes) sets: its
        counts show what choosing another value would give. Typed brands stay (see ``brands_typed``)."""
        cleared: dict[str, dict[str, Any]] = {
            "brands": {} if self.brands_typed else {"brands": (), "brands_in_title": False},
            "categories": {"category_id": None},
            "price_ranges": {"price_min": None, "price_max": None},
            "ratings": {"rating_min": None},
            "attributes": {"attributes": ()},
        }
        return replace(self, **cleared[facet])

    def attribute_names(self) -> list[str]:
        """The attributes filtered on, in the index's form (lowercase, spaces collapsed), sorted."""
        return sorted({attribute_name(name) for name, _value in self.attributes})

    def without_attribute(self, name: str) -> Filters:
        """These filters with one attribute's values lifted: what that attribute's facet counts under."""
        return replace(self, attributes=tuple((n, v) for n, v in self.attributes if attribute_name(n) != name))


def _unset(value: object) -> bool:
    return value is None or value == ()


Reading = Filters | str  # what a rule read in the words: a filter, or a sort order


@dataclass(frozen=True)
class Extraction:
    filters: Filters
    sort: str | None  # an order the words asked for ("cheapest"), else None
    rest: tuple[Lexeme, ...]  # what no rule consumed, in order


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    read: Callable[[list[Lexeme]], Reading | None]  # None: the words fit but the value does not (a 7-star rating)


def extract_filters(lexemes: Sequence[Lexeme]) -> Extraction:
    """The first value found for a filter, or for the order, wins."""
    line = _Line(lexemes)
    filters, sort = Filters(), None
    for rule in RULES:
        for reading in line.apply(rule):
            if isinstance(reading, str):
                sort = sort or reading
            else:
                filters = filters.completed_by(reading)
    return Extraction(filters.in_order(), sort, line.rest())


class _Line:
    """The lexemes written out for the rules; a consumed lexeme is overwritten with "~", which no rule matches."""

    def __init__(self, lexemes: Sequence[Lexeme]) -> None:
        self._lexemes = list(lexemes)
        pieces = [_piece(lexeme) for lexeme in self._lexemes]
        self._starts = list(accumulate((len(p) + 1 for p in pieces[:-1]), initial=1)) if pieces else []
        self._text = " " + " ".join(pieces) + " "
        self._consumed = [False] * len(pieces)

    def apply(self, rule: Rule) -> list[Reading]:
        found = []
        for match in rule.pattern.finditer(self._text):
            indices = self._indices(*match.span())
            result = rule.read([self._lexemes[i] for i in indices])
            if result is not None:
                found.append(result)
                self._consume(indices, *match.span())
        return found

    def rest(self) -> tuple[Lexeme, ...]:
        return tuple(lexeme for lexeme, used in zip(self._lexemes, self._consumed, strict=True) if not used)

    def _indices(self, start: int, end: int) -> range:
        return range(bisect_left(self._starts, start), bisect_left(self._starts, end))

    def _consume(self, indices: range, start: int, end: int) -> None:
        for i in indices:
            self._consumed[i] = True
        self._text = self._text[:start] + re.sub(r"\S", "~", self._text[start:end]) + self._text[end:]


def _piece(lexeme: Lexeme) -> str:
    if lexeme.kind is Kind.NUMBER:
        return "#"
    if lexeme.text in _CURRENCY_SIGNS:
        return "$"
    return "star" if lexeme.text in _STAR_SIGNS else lexeme.text


def _rule(pattern: str, read: Callable[[list[Lexeme]], Reading | None]) -> Rule:
    return Rule(re.compile(rf"(?<= )(?:{pattern})(?= )"), read)


# Readers: what a matched run of lexemes says.


def _price_range(lexemes: list[Lexeme]) -> Filters | None:
    amounts = [a for a in _amounts(lexemes) if a is not None]
    if len(amounts) != 2:
        return None
    low, high = sorted(amounts)
    return Filters(price_min=low, price_max=high)


def _price_max(lexemes: list[Lexeme]) -> Filters | None:
    amount = _single_amount(lexemes)
    return None if amount is None else Filters(price_max=amount)


def _price_min(lexemes: list[Lexeme]) -> Filters | None:
    amount = _single_amount(lexemes)
    return None if amount is None else Filters(price_min=amount)


def _price_around(lexemes: list[Lexeme]) -> Filters | None:
    amount = _single_amount(lexemes)
    if amount is None:
        return None
    low, high = (amount * (1 - AROUND)).quantize(CENT), (amount * (1 + AROUND)).quantize(CENT)
    return Filters(price_min=low, price_max=high)


def _rating(lexemes: list[Lexeme]) -> Filters | None:
    stars = next((s for s in map(_stars, lexemes) if s is not None), None)
    return Filters(rating_min=stars) if stars is not None and 0 < stars <= 5 else None


def _size(lexemes: list[Lexeme]) -> Filters:
    value = " ".join(lexeme.text for lexeme in lexemes[1:] if lexeme.text != "-")
    forms = next((forms for forms in _SIZE_FORMS if value in forms), (value,))
    return Filters(attributes=tuple(("size", form) for form in forms))


def _sort(order: str) -> Callable[[list[Lexeme]], Reading]:
    return lambda _lexemes: order


def _stock(in_stock: bool) -> Callable[[list[Lexeme]], Reading]:
    return lambda _lexemes: Filters(in_stock=in_stock)


def _amounts(lexemes: list[Lexeme]) -> list[Decimal | None]:
    return [_amount(lexeme.text) for lexeme in lexemes if lexeme.kind is Kind.NUMBER]


def _single_amount(lexemes: list[Lexeme]) -> Decimal | None:
    amounts = _amounts(lexemes)
    return amounts[0] if len(amounts) == 1 else None


def _amount(text: str) -> Decimal | None:
    """ "1,000" → 1000.00, "1.5k" → 1500.00; None for what no price can be."""
    thousands = text.endswith("k")
    try:
        value = Decimal(text.removesuffix("k").replace(",", "")) * (1000 if thousands else 1)
    except InvalidOperation:
        return None
    return value.quantize(CENT) if 0 <= value <= MAX_PRICE else None


def _stars(lexeme: Lexeme) -> float | None:
    if lexeme.kind is Kind.NUMBER and not lexeme.text.endswith("k"):
        return float(lexeme.text.replace(",", ""))
    return _NUMBER_WORDS.get(lexeme.text)


# The patterns. "#" is a number, "$" a currency sign; a space separates lexemes.

_CURRENCY_WORD = r"(?:dollars?|usd|bucks|euros?|eur|gbp)"
_UNIT = (
    r"(?:- )?(?:stars?|rating|ratings|rated|reviews?|gb|tb|mb|inch|inches|in|ft|feet|foot|w|watts?|mah|v|volts?|"
    r"hz|mhz|ghz|mp|megapixels?|pack|pk|count|ct|pieces?|pcs?|oz|lbs?|kg|g|mm|cm|m|hours?|hrs?|years?|months?|"
    r"days?|quarts?|qt|cups?|people|persons?|players?|ports?|gen|series|x|yards?|liters?|gallons?|cu|percent|"
    r"seats?|slots?|speed|way|bit|core|cores)"
)
# Clothing sizes, each with the forms a catalog may write it in (a general list, not a catalog's).
_SIZE_FORMS = (
    ("xxs", "2xs"),
    ("xs", "x small", "extra small"),
    ("s", "small"),
    ("m", "medium"),
    ("l", "large"),
    ("xl", "x large", "extra large", "1xl"),
    ("xxl", "2xl", "xx large"),
    ("xxxl", "3xl", "xxx large"),
    ("4xl", "xxxxl"),
)
_SIZE_WORDS = "|".join(sorted({form for forms in _SIZE_FORMS for form in forms}, key=len, reverse=True))
_PRICE = rf"(?:\$ #(?: {_CURRENCY_WORD})?|# \$|# {_CURRENCY_WORD})"  # a number with its currency
_MONEY = rf"(?:{_PRICE}|#(?! {_UNIT} ))"  # ... or a bare number that measures nothing else
_STARS = r"(?<!\$ )(?:#|one|two|three|four|five)"
_AND_UP = r"(?:and|&|or) (?:up|above|higher|better|more|over)"
_STAR_WORD = r"(?:- )?(?:stars?|star)"

RULES: tuple[Rule, ...] = (
    _rule(rf"size (?:- )?(?:#|{_SIZE_WORDS})", _size),
    _rule(rf"between {_STARS} (?:and|&|-|to) {_STARS} {_STAR_WORD}", _rating),
    _rule(
        rf"(?:at least|atleast|min|minimum|over|above|more than) {_STARS}(?: \+)? (?:{_STAR_WORD}|rating)"
        rf"(?: {_AND_UP})?",
        _rating,
    ),
    _rule(rf"{_STARS} out of (?:#|five) {_STAR_WORD}", _rating),
    _rule(rf"{_STARS}(?: \+| plus)? {_STAR_WORD}(?: (?:rating|rated|reviews?))?(?: {_AND_UP})?", _rating),
    _rule(rf"{_STARS}(?: \+)? (?:- )?(?:rating|rated)(?: {_AND_UP})?", _rating),
    _rule(
        rf"(?:rated|rating|ratings)(?: of)?(?: at least| over| above)? {_STARS}(?: \+)?(?: {_STAR_WORD})?"
        rf"(?: {_AND_UP})?",
        _rating,
    ),
    _rule(r"(?:best|top|highest|highly|high|well|most) (?:- )?(?:rated|reviewed)", _sort("rating")),
    _rule(rf"(?:between|from|priced|price|prices|costing) {_MONEY} (?:and|to|-|&) {_MONEY}", _price_range),
    _rule(rf"{_PRICE} (?:to|-|and) {_MONEY}", _price_range),
    _rule(rf"#(?! {_UNIT} ) (?:to|-) {_PRICE}", _price_range),
    _rule(
        rf"(?:under|below|beneath|less than|lower than|cheaper than|no more than|not more than|not over|at most|"
        rf"up to|upto|max|maximum|(?:within (?:a |my |the )?)?budget(?: of)?|within|< =|<|= <) {_MONEY}",
        _price_max,
    ),
    _rule(rf"{_PRICE} (?:(?:or|and) (?:less|under|below|lower|cheaper)|max|maximum)", _price_max),
    _rule(
        rf"(?:over|above|more than|greater than|higher than|at least|atleast|min|minimum|no less than|"
        rf"not under|> =|>|= >) {_MONEY}",
        _price_min,
    ),
    _rule(rf"(?:from|starting at|starts at|starting from) {_PRICE}", _price_min),
    _rule(rf"{_PRICE} (?:\+|plus|(?:and|or) (?:up|above|over|more|higher)|min|minimum)", _price_min),
    _rule(rf"(?:around|about|approximately|approx|roughly) {_MONEY}", _price_around),
    _rule(rf"(?:near|close to|~|circa) {_PRICE}", _price_around),
    _rule(
        r"(?:sort|sorted|order|ordered) by (?:highest |high )?price (?:high to low|descending|desc)",
        _sort("price_desc"),
    ),
    _rule(
        r"(?:sort|sorted|order|ordered) by (?:lowest |low )?price(?: (?:low to high|ascending|asc))?",
        _sort("price_asc"),
    ),
    _rule(r"(?:sort|sorted|order|ordered) by (?:rating|ratings|reviews|stars)", _sort("rating")),
    _rule(r"(?:sort|sorted|order|ordered) by (?:newest|latest|date|new|recent|most recent)", _sort("newest")),
    _rule(
        r"cheapest|cheap|cheaper|inexpensive|affordable|budget|bargain|lowest (?:price|priced|cost)|"
        r"low (?:price|priced|cost)|(?:least|less|not) expensive|(?:price )?low to high",
        _sort("price_asc"),
    ),
    _rule(r"(?:most |more )?expensive|priciest|highest (?:price|priced)|(?:price )?high to low", _sort("price_desc")),
    _rule(
        r"newest|latest|new arrivals?|newly (?:added|released|listed|arrived)|just (?:arrived|added|released)|"
        r"new releases?|most recent|recently (?:added|released)",
        _sort("newest"),
    ),
    _rule(r"out of stock|sold out", _stock(False)),
    _rule(
        r"in (?:- )?stock|instock|(?:currently )?available(?: (?:now|today|to buy|online))?|ready to ship|"
        r"ships? (?:today|now|fast|immediately)",
        _stock(True),
    ),
)
