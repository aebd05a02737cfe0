"""The search benchmark's data: the generated catalog turned into search documents (no database), and a query mix
drawn from the catalog's own vocabulary. Part of bench/search_latency.py.

Documents go through the domain exactly as the index builder sends them: a `Product` from
`aisle.domain.catalog` and `build_document`. Ratings come from the catalog's generated reviews; the things the
database would add (stock, recency) are drawn here: 90% in stock, listed over the last two years.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from itertools import accumulate
from typing import Any

from aisle.adapters.importers.records import ProductRecord
from aisle.adapters.importers.synthetic import generate_catalog
from aisle.domain.catalog import Product, ProductContent, ProductStatus, Variant
from aisle.domain.categories import Category
from aisle.domain.ids import SnowflakeIds
from aisle.domain.reviews import ReviewSummary
from aisle.domain.search.document import SearchDocument, build_document
from aisle.domain.search.stopwords import STOP_WORDS
from aisle.services.search.engine import PRICE_LADDER

CATALOG_SEED = 7  # generate_catalog's default: the importer in phase 2 sees the very same products
QUERY_SEED = 11
CLASS_SHARES = {"keyword": 0.35, "filtered": 0.25, "faceted": 0.20, "sorted": 0.20}
ENGINE_SORTS = ("price_asc", "price_desc", "rating", "newest")
WORD = re.compile(r"^[a-z]{3,}$")


@dataclass(frozen=True)
class Seed:
    """What a query is built around: one product's searchable facts."""

    words: tuple[str, ...]  # title words a shopper would type (no brand, code, number or stop word)
    brand: str
    price: float
    path: tuple[str, ...]
    rating: float | None


class CategoryIds:
    """Ids for the catalog's category paths (root first), as the database would number them."""

    def __init__(self) -> None:
        self._by_path: dict[tuple[str, ...], Category] = {}

    def chain(self, path: tuple[str, ...]) -> list[Category]:
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in self._by_path:
                parent = self._by_path[prefix[:-1]].category_id if depth > 1 else None
                self._by_path[prefix] = Category(1000 + len(self._by_path), prefix[-1], parent, " > ".join(prefix))
        return [self._by_path[path[:d]] for d in range(1, len(path) + 1)]

    def id_of(self, path_text: str) -> int:
        return self._by_path[tuple(path_text.split(" > "))].category_id

    def as_json(self) -> list[list[str]]:
        return [list(path) for path in self._by_path]

    @classmethod
    def from_json(cls, paths: list[list[str]]) -> CategoryIds:
        ids = cls()
        for path in paths:
            ids.chain(tuple(path))
        return ids


def catalog(count: int, keep_seeds_below: int, categories: CategoryIds) -> Iterator[tuple[SearchDocument, Seed | None]]:
    """Every generated product as a search document, with a Seed for the first `keep_seeds_below` of them."""
    rng, ids = random.Random(CATALOG_SEED), SnowflakeIds(1)
    now = datetime.now(UTC)
    for record in generate_catalog(count, seed=CATALOG_SEED, with_reviews=True):
        product = _product(record, ids.next_id, now - timedelta(days=730 * rng.random()))
        reviews = ReviewSummary()
        for review in record.reviews:
            reviews.add(review.rating)
        path = tuple(record.data["category_path"])
        document = build_document(
            product,
            categories.chain(path),
            reviews,
            seller_rating=None,
            in_stock=rng.random() < 0.9,
            sales_velocity=None,  # the catalog's popularity stands in, as in the index builder
        )
        seed = _seed(record, document, path, reviews.average) if record.line <= keep_seeds_below else None
        yield document, seed


def _product(record: ProductRecord, new_id: Callable[[], int], created: datetime) -> Product:
    data = record.data
    variants = tuple(
        Variant(v["sku"], v["price"], v["compare_price"], v["attributes"], v["weight_grams"]) for v in data["variants"]
    )
    content = ProductContent(
        title=data["title"],
        variants=variants,
        description=data["description"],
        brand=data["brand"],
        images=tuple(data["images"]),
        status=ProductStatus.ACTIVE,
        attributes=data["attributes"],
        gtin=data["gtin"],
        popularity=data["popularity"],
    )
    return Product.create(new_id(), 1, content, created, new_id)


def _seed(record: ProductRecord, doc: SearchDocument, path: tuple[str, ...], rating: float | None) -> Seed:
    brand_words = {w.lower() for w in (doc.brand or "").split()}
    words = tuple(w for w in (t.lower().strip(",") for t in doc.title.split()) if WORD.match(w) and w not in STOP_WORDS)
    return Seed(tuple(w for w in words if w not in brand_words), doc.brand or "", float(doc.price), path, rating)


# -- the query mix ------------------------------------------------------------------------------------------------


def seeds_of(count: int) -> list[Seed]:
    """The query seeds of the synthetic catalog's first ``count`` products (what ``aisle import`` loads)."""
    return [seed for _doc, seed in catalog(count, count, CategoryIds()) if seed is not None]


def engine_queries(categories: Iterable[Category]) -> Callable[[dict[str, Any]], Any]:
    """Turns the mix's queries into EngineQuery objects, their category paths read in ``categories``."""
    by_path = {c.path: c.category_id for c in categories}
    return partial(engine_query, category_id=by_path.__getitem__)


def query_mix(seeds: list[Seed], count: int, seed: int = QUERY_SEED) -> list[dict[str, Any]]:
    """`count` queries in four classes; keywords start from a title word picked with Zipf-like frequency (1/rank)
    and grow to 1-3 neighbouring words of a product that has it, so most queries find something. Popular queries
    come back now and then, as in real traffic; another `seed` gives another stream from the same distribution."""
    rng = random.Random(seed)
    by_word: dict[str, list[int]] = defaultdict(list)
    for position, seed in enumerate(seeds):
        for word in set(seed.words):
            by_word[word].append(position)
    ranked = [w for w, _n in Counter({w: len(p) for w, p in by_word.items()}).most_common()]
    cumulative = list(accumulate(1 / rank for rank in range(1, len(ranked) + 1)))
    classes = rng.choices(list(CLASS_SHARES), weights=list(CLASS_SHARES.values()), k=count)

    def keywords() -> tuple[str, Seed]:
        word = rng.choices(ranked, cum_weights=cumulative)[0]
        seed = seeds[rng.choice(by_word[word])]
        size = rng.choices((1, 2, 3), weights=(0.4, 0.4, 0.2))[0]
        start = max(0, min(seed.words.index(word) - rng.randrange(size), len(seed.words) - size))
        return " ".join(dict.fromkeys(seed.words[start : start + size])), seed

    return [_query(cls, rng, keywords, seeds) for cls in classes]


def _query(cls: str, rng: random.Random, keywords: Callable[[], tuple[str, Seed]], seeds: list[Seed]) -> dict:
    if cls == "keyword":
        return {"cls": cls, "q": keywords()[0]}
    if cls == "filtered":
        q, seed = keywords()
        query = {"cls": cls, "q": q, **_one_filter(rng, seed)}
        if seed.rating is not None and seed.rating >= 4 and rng.random() < 0.15:
            query["rating_min"] = 4
        return query
    if cls == "faceted":  # browsing a category with the facets clicked
        seed = rng.choice(seeds)
        query = {"cls": cls, "category": _category(rng, seed)}
        if rng.random() < 0.5:
            query["brand"] = seed.brand
        if rng.random() < 0.3:
            query.update(_price_range(seed.price))
        return query
    q, seed = keywords()
    where = {"q": q} if rng.random() < 0.7 else {"category": _category(rng, seed)}
    return {"cls": cls, **where, "sort": rng.choice(ENGINE_SORTS)}


def _one_filter(rng: random.Random, seed: Seed) -> dict[str, Any]:
    pick = rng.random()
    if pick < 0.4:
        return {"brand": seed.brand}
    if pick < 0.7:
        return _price_range(seed.price)
    return {"category": _category(rng, seed)}


def _category(rng: random.Random, seed: Seed) -> str:
    return " > ".join(seed.path[: rng.randint(1, len(seed.path))])


def _price_range(price: float) -> dict[str, float]:
    low = max((edge for edge in PRICE_LADDER if edge <= price), default=0)
    high = min((edge for edge in PRICE_LADDER if edge > price), default=None)
    return {"price_min": low} if high is None else {"price_min": low, "price_max": high}


def repeat_share(queries: list[dict[str, Any]]) -> float:
    """The share of queries whose words and filters came earlier in the stream (sort aside): what a cache of
    facet counts could answer at best."""
    seen: set[tuple] = set()
    repeats = 0
    for query in queries:
        key = tuple(sorted((k, v) for k, v in query.items() if k not in ("cls", "sort")))
        repeats += key in seen
        seen.add(key)
    return repeats / len(queries) if queries else 0.0


def http_params(query: dict[str, Any]) -> dict[str, Any]:
    """The query as GET /api/v1/products/search parameters."""
    return {k: v for k, v in query.items() if k != "cls"}


def engine_query(query: dict[str, Any], category_id: Callable[[str], int]) -> Any:
    """The query as the search service would hand it to the engine (one keyword group per word, no synonyms)."""
    from aisle.services.search.engine import EngineQuery, Filters, KeywordGroup
    from aisle.services.search.service import RERANK_DEPTH

    words = tuple(KeywordGroup(w) for w in query.get("q", "").split())
    filters = Filters(
        brands=(query["brand"],) if "brand" in query else (),
        category_id=category_id(query["category"]) if "category" in query else None,
        price_min=Decimal(query["price_min"]) if "price_min" in query else None,
        price_max=Decimal(query["price_max"]) if "price_max" in query else None,
        rating_min=query.get("rating_min"),
    )
    sort = query.get("sort", "relevance")
    reranked = sort == "relevance" and bool(words)
    return EngineQuery(words, filters, sort, 0, RERANK_DEPTH if reranked else 20)
