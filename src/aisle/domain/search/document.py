"""The search document: one per ACTIVE product, denormalized from catalog, reviews, seller, stock and sales."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from aisle.domain.catalog import Product, Variant, attribute_name, folded, gtin_forms
from aisle.domain.categories import Category
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.domain.search.text import has_digit, normalize, tokenize
from aisle.domain.search.units import indexed_unit_codes, is_measure
from aisle.domain.search.variant_offers import VariantOffer

T = TypeVar("T")

MAX_INDEXED_DESCRIPTION = 2_000
CATEGORY_LEVELS_MATCHED = 2  # a product's own category and its parent: "cell phones" must not match every accessory
MODEL_CODE = re.compile(r"\b[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)+\b")
MIN_CODE_TAIL = 4  # "740n": shorter ends of codes ("5x", "n1") would name too many products
_CODE_CORE = re.compile(r"([a-z]+[a-z0-9]*\d)[a-z]+")  # letters, a number, then a suffix of letters
# specification names that hold the maker's part numbers, spaces and dashes as underscores
PART_NUMBER_KEYS = frozenset(
    ("oem_code", "mpn", "part_number", "manufacturer_part_number", "manufacturer_code", "product_code", "model_number")
)
_PART_NUMBER_KEY = re.compile(r"[\s-]+")
_CODE_LIST = re.compile(r"[,;\s]+")  # "C13T07964020, T0796": two codes
_CODE_SEPARATORS = re.compile(r"[-/.]")
_FITS = re.compile(r"\s(?:for|fits|compatible with)\s", re.IGNORECASE)
_COMES_WITH = re.compile(r"\s(?:with|w/|\+|including|incl\.?)\s", re.IGNORECASE)


@dataclass(frozen=True)
class SearchDocument:
    product_id: int
    version: int
    title: str
    description: str
    brand: str | None
    category_ids: tuple[int, ...]  # root first, down to the product's own category
    category_names: tuple[str, ...]
    price: Decimal  # the lowest price of a variant in stock (of any when none is): what its card shows
    was_price: Decimal | None
    rating_avg: float | None
    rating_count: int
    in_stock: bool
    sales_velocity: float  # units a day over the recent window (0 until sales exist; popularity is apart)
    seller_id: int
    seller_rating: float | None
    created_at: datetime
    thumbnail_url: str | None
    codes: tuple[str, ...]  # SKUs and GTIN, so a pasted code finds its product
    popularity: float = 0.0  # the catalog's own popularity score (any scale), ranked against the other matches
    attributes: tuple[tuple[str, str], ...] = ()  # (name, value) over every variant: ("color", "Red")
    seller_rating_count: int = 0  # how many ratings seller_rating averages
    offers: tuple[VariantOffer, ...] = ()  # each variant's attributes, price and stock: what attribute filters match

    @property
    def own_name(self) -> str:
        return own_name(self.title)

    @property
    def matched_description(self) -> str:
        """The description as keywords match it: with the variants' words, so "black jeans" finds the jeans that
        come in black though no title says so."""
        title = self.title.casefold()
        words = variant_words([(n, v) for n, v in self.attributes if v.casefold() not in title])  # not counted twice
        measures = " ".join(indexed_unit_codes(normalize(self.description)))  # "5.5-inch screen" is found by "5.5 inch"
        extra = "\n".join(part for part in (words, measures) if part)
        return f"{self.description}\n{extra}" if extra else self.description

    @property
    def filtered_offers(self) -> tuple[VariantOffer, ...]:
        """What attribute filters match: the variants' offers; a document that does not list them is one variant
        with every attribute, at its price, in stock as the product is."""
        if self.offers or not self.attributes:
            return self.offers
        keys = tuple(attribute_key(name, value) for name, value in self.attributes)
        return (VariantOffer(keys, self.price, self.in_stock),)

    @property
    def category_id(self) -> int | None:
        return self.category_ids[-1] if self.category_ids else None


def build_document(
    product: Product,
    categories: Sequence[Category],
    reviews: ReviewSummary,
    seller_rating: float | None,
    in_stock: bool,
    sales_velocity: float | None,
    prices: Mapping[int, FinalPrice] | None = None,
    seller_rating_count: int = 0,
    stocked: Collection[int] | None = None,
) -> SearchDocument:
    """``prices``: what each variant (by id) sells for now, deals applied; the seller's price where missing.
    ``stocked``: the variants (by id) in stock (None: each as the product, ``in_stock``)."""
    content = product.content
    # one spelling of each accented letter: a title pasted as "Pin\u0303ata" (a letter, then its accent, as macOS
    # writes it) is found by "piñata" as one typed with the accent built in
    title = unicodedata.normalize("NFC", content.title)
    in_stock_now = in_stock if stocked is None else stocked
    price, was = effective_price(content.variants, prices or {}, in_stock_now)
    offers = variant_offers(content.variants, prices or {}, in_stock_now)
    codes = (
        *(v.sku for v in content.variants),
        *(gtin_forms(content.gtin) if content.gtin else ()),
        *model_codes(title),
        *indexed_unit_codes(normalize(title)),  # "TV, 55 in" is found by "55 inch" and '55"' (units.py)
        *part_numbers(content.attributes),
    )
    return SearchDocument(
        product_id=product.product_id,
        version=product.version,
        title=title,
        description=unicodedata.normalize("NFC", content.description[:MAX_INDEXED_DESCRIPTION]),
        brand=content.brand,
        category_ids=tuple(c.category_id for c in categories),
        category_names=tuple(c.name for c in categories[-CATEGORY_LEVELS_MATCHED:]),
        price=price,
        was_price=was,
        rating_avg=reviews.average,
        rating_count=reviews.count,
        in_stock=in_stock,
        # A catalog's popularity is a score on its own scale, not units a day: read as sales it would cap every
        # product at the same velocity. It is ranked by catalog percentile instead (see rerank).
        sales_velocity=sales_velocity or 0.0,
        seller_id=product.seller_id,
        seller_rating=seller_rating,
        seller_rating_count=seller_rating_count,
        created_at=product.created_at,
        thumbnail_url=content.images[0] if content.images else None,
        codes=codes,
        popularity=content.popularity or 0.0,
        attributes=variant_attributes(content.variants),
        offers=offers,
    )


def model_codes(title: str) -> tuple[str, ...]:
    """Model numbers written with separators ("SP-2", "B350-XT") also as shoppers type them: "sp2", "b350xt";
    and a code with a suffix after its number also without it ("MDR570LPL" is found by "mdr570" and "MDR-570")."""
    # a size is no model: "5.5-inch" must not become "55inch", the code of a 55-inch screen
    found = (re.sub(r"[-/.]", "", m.group()).lower() for m in MODEL_CODE.finditer(title) if not is_measure(m.group()))
    joined = [code for code in found if any(ch.isdigit() for ch in code)]
    words = [*joined, *tokenize(title)]
    cores = (core for word in words if (core := _code_core(word)))
    tails = (tail for word in words for tail in _code_tails(word))
    return tuple(dict.fromkeys([*joined, *cores, *tails]))


def part_numbers(attributes: Mapping[str, object]) -> tuple[str, ...]:
    """The maker's part numbers a product's specifications name ("oem_code": "CE285A"), so that the code printed on
    the box finds the product whose title does not say it, as written and joined ("CE-285A": "ce285a")."""
    values = [str(v) for k, v in attributes.items() if _PART_NUMBER_KEY.sub("_", k.casefold()) in PART_NUMBER_KEYS]
    pieces = (_CODE_SEPARATORS.sub("", piece).lower() for value in values for piece in _CODE_LIST.split(value))
    codes = [piece for piece in pieces if has_digit(piece) and piece.isalnum()]  # not "n/a", nor a word of a name
    return tuple(dict.fromkeys(code for piece in codes for code in (piece, *model_codes(piece))))


def _code_tails(word: str) -> list[str]:
    """A code's ends from where its letters turn to digits or back, as a shopper types the series without the
    maker's size or region prefix: "55le8500" is found by "le8500", "un55tu8000" by "tu8000", "tlwr740n" by
    "740n". Each end is a code itself (letters and digits, MIN_CODE_TAIL characters or more), never a size."""
    if not (has_digit(word) and any(ch.isalpha() for ch in word)) or is_measure(word):
        return []
    turns = [i for i in range(1, len(word)) if word[i - 1].isdigit() != word[i].isdigit()]
    tails = (word[i:] for i in turns)
    return [t for t in tails if len(t) >= MIN_CODE_TAIL and has_digit(t) and not t.isdigit() and not is_measure(t)]


def _code_core(word: str) -> str | None:
    """A model code up to the end of its number, when letters follow it: "mdr570lpl" → "mdr570"; None for a
    word that is no such code ("32gb" has no letters before its number, "sp2" nothing after it)."""
    found = _CODE_CORE.fullmatch(word)
    return found.group(1) if found else None


def own_name(title: str) -> str:
    """What the product itself is, without what it fits: "Spigen - Case for Google Nexus 6P - Black" is a
    "Spigen - Case". A query word found here names the product; found only after "for", it names the device the
    product goes with (an accessory)."""
    return _FITS.split(title, maxsplit=1)[0]


def bare_name(title: str) -> str:
    """The own name without what comes with the product: a "KVM Switch Cable w/ Audio & Microphone" is a cable."""
    return _COMES_WITH.split(own_name(title), maxsplit=1)[0]


def effective_price(
    variants: Sequence[Variant], prices: Mapping[int, FinalPrice], stocked: Collection[int] | bool = True
) -> tuple[Decimal, Decimal | None]:
    """The lowest price a variant in stock sells for now (any variant's when none is in stock), and that same
    variant's price to show struck through beside it: a sold-out variant's price and saving cannot be had.
    ``stocked``: the variant ids in stock, or one answer for all."""
    offered = priced_by(variants, lambda v: _is_stocked(v, stocked))
    return min((_price_now(v, prices) for v in offered), key=lambda offer: offer[0])


def priced_by(variants: Sequence[T], in_stock: Callable[[T], bool]) -> list[T]:
    """The variants a product's shown price is the lowest of: those in stock, all of them when none is (the
    index, the search card and the page it opens on agree)."""
    return [v for v in variants if in_stock(v)] or list(variants)


def _is_stocked(variant: Variant, stocked: Collection[int] | bool) -> bool:
    return stocked if isinstance(stocked, bool) else variant.variant_id in stocked


def _price_now(variant: Variant, prices: Mapping[int, FinalPrice]) -> tuple[Decimal, Decimal | None]:
    if variant.variant_id is not None and variant.variant_id in prices:
        return prices[variant.variant_id].amount, prices[variant.variant_id].was
    return variant.price, variant.compare_price


def variant_offers(
    variants: Sequence[Variant], prices: Mapping[int, FinalPrice], stocked: Collection[int] | bool
) -> tuple[VariantOffer, ...]:
    """Each variant with attributes: its attribute keys (as filters match them), the price it sells for now and
    whether it is in stock (``stocked``: the variant ids in stock, or one answer for all)."""
    offers = []
    for variant in variants:
        keys = tuple(attribute_key(name, value) for name, value in variant_attributes([variant]))
        if keys:
            offers.append(VariantOffer(keys, _price_now(variant, prices)[0], _is_stocked(variant, stocked)))
    return tuple(offers)


MAX_ATTRIBUTE_CHARS = 100
COLOUR_NAMES = frozenset({"color", "colour"})
_COLOUR_LIST = re.compile(r"\s*[,/]\s*")


def variant_attributes(variants: Sequence[Variant]) -> tuple[tuple[str, str], ...]:
    """Each distinct (name, value) of the variants' attributes, the name lowercased, spaces collapsed, in order;
    a colour that lists several ("Black,Silver", "Black/Gray") is each of them, so that the colour facet counts
    it under each and a filter on any of them finds it."""
    found: dict[tuple[str, str], None] = {}
    for variant in variants:
        for name, value in variant.attributes.items():
            found.update(dict.fromkeys(attribute_values(name, value)))
    return tuple(found)


def attribute_values(name: object, value: object) -> list[tuple[str, str]]:
    """One attribute as (name, value) pairs as facets show them: one, or one per colour a colour lists; none
    when the name or a value is blank or too long to show."""
    key = attribute_name(str(name))
    values = _COLOUR_LIST.split(str(value)) if key in COLOUR_NAMES else [str(value)]
    shown = [v for v in map(_shown, values) if v and len(v) <= MAX_ATTRIBUTE_CHARS]
    return [(key, v) for v in shown] if key and len(key) <= MAX_ATTRIBUTE_CHARS else []


def attribute_keys(attributes: Iterable[tuple[object, object]]) -> set[str]:
    """What attribute filters match of one variant's (name, value) pairs (a colour list under each colour)."""
    return {attribute_key(key, shown) for name, value in attributes for key, shown in attribute_values(name, value)}


def variant_words(attributes: Sequence[tuple[str, str]]) -> str:
    """The attribute values a shopper types as words ("Black", "Sky Blue", "XL", "128GB"): those with two letters
    or more. A bare size or number ("M", "8") would let a query's number match every product sold in that size."""
    return " ".join(dict.fromkeys(value for _name, value in attributes if sum(ch.isalpha() for ch in value) >= 2))


def _shown(value: str) -> str:
    """One spelling per value in the facet: lowercase words get a capital ("Rose gold" and "rose Gold" are both
    "Rose Gold"); words with capitals of their own ("iPhone", "XL") are left as they are."""
    value = unicodedata.normalize("NFC", value)
    return " ".join(word[:1].upper() + word[1:] if word.islower() else word for word in value.split())


def attribute_key(name: str, value: str) -> str:
    """What an attribute filter matches: case and spacing do not matter ("Color: red" finds "Red")."""
    return attribute_name(name) + "=" + folded(value)


ATTRIBUTE_SEPARATOR = "\u001f"  # between name and value in the facet field: neither ever holds it


def attribute_facet_value(name: str, value: str) -> str:
    return name + ATTRIBUTE_SEPARATOR + value
