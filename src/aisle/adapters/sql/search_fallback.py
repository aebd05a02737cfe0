"""Browsing from the catalog database when the search engine is down: the same filters (variant attributes
included) and sorts, keywords matched as plain substrings of the title, brand facet only. Slower and simpler, but
the shop keeps selling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, Select, String, and_, case, cast, exists, func, or_, select

from aisle.adapters.sql import schema as t
from aisle.domain.catalog import ProductStatus
from aisle.domain.categories import Category, descendants
from aisle.domain.money import to_cents
from aisle.domain.search.document import COLOUR_NAMES
from aisle.services.search.engine import (
    EngineQuery,
    EngineResult,
    Facets,
    Filters,
    Hit,
    KeywordGroup,
    attribute_filter_values,
)

BRAND_FACET_SIZE = 30
MAX_LIKE_TERMS = 8


class DatabaseSearch:
    def __init__(self, engine: Engine, categories: Callable[[], dict[int, Category]]) -> None:
        self._engine = engine
        self._categories = categories

    def search(self, query: EngineQuery) -> EngineResult:
        prices = _lowest_prices()
        ratings = _ratings()
        base = self._matching(query, prices, ratings, t.products.c.product_id, t.products.c.category_id)
        with self._engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(base.subquery())).scalar_one()
            rows = connection.execute(
                _sorted(base, query.sort, prices, ratings).offset(query.offset).limit(query.limit)
            )
            hits = [Hit(r.product_id, 0.0, 0.0, r.category_id) for r in rows]
            facets = Facets(brands=self._brands(connection, query, prices, ratings)) if query.with_facets else Facets()
        return EngineResult(hits, total, facets)

    def _matching(self, query: EngineQuery, prices: Any, ratings: Any, *columns: Any) -> Select:
        bounds = _price_and_rating(query.filters, prices, ratings, by_variant=bool(query.filters.attributes))
        return (
            select(*columns)
            .join(prices, prices.c.product_id == t.products.c.product_id)
            .outerjoin(ratings, ratings.c.product_id == t.products.c.product_id)
            .where(self._condition(query), *bounds)
        )

    def _condition(self, query: EngineQuery) -> Any:
        p = t.products.c
        clauses = [p.status == ProductStatus.ACTIVE.value, *(_matches(g) for g in query.keywords[:MAX_LIKE_TERMS])]
        f = query.filters
        if f.brands:
            clauses.append(func.lower(p.brand).in_([b.casefold() for b in f.brands]))
        if f.category_id is not None:
            clauses.append(p.category_id.in_(descendants(self._categories(), f.category_id)))
        if f.in_categories:
            below = {leaf for c in f.in_categories for leaf in descendants(self._categories(), c)}
            clauses.append(p.category_id.in_(sorted(below)))
        if f.attributes:
            clauses.append(self._has_variant(f))
        title = func.lower(p.title)
        clauses += [title.like(f"%{_escape(words)}%", escape="\\") for words in f.title_words]
        if f.excluded_words:
            named = func.lower(p.title + " " + func.coalesce(p.brand, ""))
            clauses.append(~or_(*(named.like(f"%{_escape(w)}%", escape="\\") for w in f.excluded_words)))
        if f.excluded_makers:
            clauses.append(func.lower(func.coalesce(p.brand, "")).not_in([b.casefold() for b in f.excluded_makers]))
        if f.in_stock is not None:
            stocked = select(t.stock.c.variant_id).where(t.stock.c.available > 0)
            in_stock = select(t.variants.c.product_id).where(t.variants.c.variant_id.in_(stocked))
            clauses.append(p.product_id.in_(in_stock) if f.in_stock else p.product_id.not_in(in_stock))
        return and_(*clauses)

    def _has_variant(self, f: Filters) -> Any:
        """Some variant has every chosen attribute (any case; values of one attribute OR'ed, attributes AND'ed),
        sells within the price range at its own price and, asked "in stock", is: as the index reads them
        (variant_offers.py)."""
        v = t.variants.c
        offered = [v.price_cents >= to_cents(f.price_min)] if f.price_min is not None else []
        offered += [v.price_cents <= to_cents(f.price_max)] if f.price_max is not None else []
        if f.in_stock is True:
            offered.append(v.variant_id.in_(select(t.stock.c.variant_id).where(t.stock.c.available > 0)))
        each = "jsonb_each_text" if self._engine.dialect.name == "postgresql" else "json_each"
        has = []
        for n, (name, values) in enumerate(attribute_filter_values(f)):
            pairs = getattr(func, each)(v.attributes).table_valued("key", "value").alias(f"pair{n}")
            named = func.lower(pairs.c.key) == name
            value = func.lower(cast(pairs.c.value, String))
            listing = _in_colour_list(value, values) if name in COLOUR_NAMES else []
            found = or_(value.in_(values), *listing)
            has.append(exists(select(pairs.c.key).where(named, found)))
        return t.products.c.product_id.in_(select(v.product_id).where(*has, *offered))

    def _brands(self, connection: Any, query: EngineQuery, prices: Any, ratings: Any) -> list[tuple[str, int]]:
        """Counted with every filter but the brand's own, as the index counts them, and one entry per brand
        however its sellers capitalise it (the index keeps one spelling: see brand_spellings.py)."""
        brand = t.products.c.brand
        others = replace(query, filters=replace(query.filters, brands=()))
        spelled = func.lower(brand)
        counted = (
            self._matching(others, prices, ratings, func.min(brand), func.count())
            .where(brand.is_not(None))
            .group_by(spelled)
            .order_by(func.count().desc(), spelled)
            .limit(BRAND_FACET_SIZE)
        )
        return [(name, count) for name, count in connection.execute(counted)]


def _in_colour_list(value: Any, colours: list[str]) -> list[Any]:
    """A colour value listing several ("Black, Silver", "black/gray") holding one of ``colours``, as the index
    reads it (document.attribute_values): compared without spaces, between commas."""
    listed = "," + func.replace(func.replace(value, "/", ","), " ", "") + ","
    return [listed.like(f"%,{_escape(colour.replace(' ', ''))},%", escape="\\") for colour in colours]


def _matches(group: KeywordGroup) -> Any:
    """The word or one of its alternatives, anywhere in the title; LIKE wildcards typed by a shopper are literal."""
    options = [group.word, *group.alternatives]
    title = func.lower(t.products.c.title)
    return or_(*(title.like(f"%{_escape(option.casefold())}%", escape="\\") for option in options))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lowest_prices() -> Any:
    """Each product's price as its card shows it: the lowest of its variants in stock, of all when none is."""
    v = t.variants.c
    stocked = v.variant_id.in_(select(t.stock.c.variant_id).where(t.stock.c.available > 0))
    cents = func.coalesce(func.min(case((stocked, v.price_cents))), func.min(v.price_cents))
    return select(v.product_id, cents.label("cents")).group_by(v.product_id).subquery()


def _ratings() -> Any:
    r = t.review_stats.c
    stars = r.stars_1 + 2 * r.stars_2 + 3 * r.stars_3 + 4 * r.stars_4 + 5 * r.stars_5
    count = r.stars_1 + r.stars_2 + r.stars_3 + r.stars_4 + r.stars_5
    average = (stars * 1.0 / func.nullif(count, 0)).label("average")
    return select(r.product_id, average).subquery()


def _price_and_rating(f: Filters, prices: Any, ratings: Any, by_variant: bool) -> list[Any]:
    """``by_variant``: the price range is a chosen variant's (_has_variant), not the lowest price's."""
    clauses = []
    if f.price_min is not None and not by_variant:
        clauses.append(prices.c.cents >= to_cents(f.price_min))
    if f.price_max is not None and not by_variant:
        clauses.append(prices.c.cents <= to_cents(f.price_max))
    if f.rating_min is not None:
        clauses.append(ratings.c.average >= f.rating_min)
    return clauses


def _sorted(query: Select, sort: str, prices: Any, ratings: Any) -> Select:
    p = t.products.c
    orders = {
        "price_asc": [prices.c.cents.asc()],
        "price_desc": [prices.c.cents.desc()],
        "rating": [func.coalesce(ratings.c.average, 0).desc()],
        "newest": [p.created_at.desc()],
        "relevance": [func.coalesce(p.popularity, 0).desc()],
    }
    return query.order_by(*orders[sort], p.product_id.asc())  # equal values in product id order, as the engines
