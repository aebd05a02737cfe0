"""What search answers, typed: the entrypoints turn these into the HTTP and HTML shapes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aisle.domain.categories import Category
from aisle.domain.pricing import FinalPrice
from aisle.domain.search.query import ParsedQuery
from aisle.services.search.engine import Facets, Filters


@dataclass(frozen=True)
class PicturedVariant:
    """An uploaded picture of one variant, with that variant's attributes (what a colour filter is matched on)."""

    attributes: tuple[tuple[str, str], ...]
    image: dict[str, Any]


@dataclass(frozen=True)
class PricedVariant:
    """One variant's attributes, the price it sells for now and its stock: what a card shows when an attribute is
    chosen."""

    variant_id: int
    attributes: tuple[tuple[str, str], ...]
    price: FinalPrice
    in_stock: bool = True


@dataclass(frozen=True)
class ProductCard:
    """One product in a result list, at the lowest price any of its variants sells for now (deals applied)."""

    product_id: int
    title: str
    brand: str | None
    price: FinalPrice
    rating_average: float | None
    rating_count: int
    thumbnail_url: str | None
    image: dict[str, Any] | None  # the gallery's first image, as services.media describes it
    badges: tuple[str, ...]
    in_stock: bool
    variant_count: int
    pictured_variants: tuple[PicturedVariant, ...] = ()
    priced_variants: tuple[PricedVariant, ...] = ()  # when variants with attributes differ in price or stock
    price_varies: bool = False  # the variants it shows the price of sell at several prices: the price is "from"
    variant_id: int | None = None  # the variant whose price the card shows, when an attribute filter chose it


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    count: int
    selected: bool = False  # the category the search is narrowed to


@dataclass(frozen=True)
class PriceDropped:
    min: Decimal | None
    max: Decimal | None


RelaxedValue = float | bool | str | tuple[str, ...] | PriceDropped


@dataclass(frozen=True)
class RelaxStep:
    """One thing let go of because the query as given matched nothing: a filter (by name) or a keyword."""

    dropped: str  # rating_min, in_stock, price, attribute, keyword or brand: what the text implied, never a parameter
    value: RelaxedValue


@dataclass(frozen=True)
class Relaxation:
    steps: tuple[RelaxStep, ...]
    spelling_suggestion: str | None
    related_categories: tuple[CategoryCount, ...]


@dataclass(frozen=True)
class Degraded:
    """Who answered instead of the search engine, and what that answer cannot do."""

    reason: str
    served_by: str
    limits: str


@dataclass(frozen=True)
class SearchResult:
    query: ParsedQuery
    predicted_category: Category | None  # where a clear majority of the best matches sit
    cards: tuple[ProductCard, ...]
    facets: Facets
    facet_categories: tuple[CategoryCount, ...]  # the chosen category (selected), then its children (or the roots)
    filters: Filters  # as applied, after relaxation: what the facets show as selected
    total: int
    page: int
    page_size: int
    sort: str
    relaxed: Relaxation | None
    degraded: Degraded | None = None
    took_ms: float = 0.0
    near_matches: int = 0  # of total, those that only nearly match (a word short, the brand read as a word)
    near_on_page: frozenset[int] = frozenset()  # the products of this page that only nearly match
    described_only: int = 0  # sorted: the matches left out because only their descriptions hold a word
