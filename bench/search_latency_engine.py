"""In-process measurements for bench/search_latency.py: bulk indexing into a fresh TantivyEngine, the query mix
against the engine alone, the same mix through the whole SearchService (query understanding, facets, re-rank,
hydration from the database), and a cProfile of the service that names where the time goes.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from aisle.adapters.search import tantivy_engine
from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.domain.search.document import SearchDocument
from aisle.services.clock import utc_now
from aisle.services.search.params import SearchParams

UPSERT_BATCH = 10_000


def index_documents(documents: Sequence[SearchDocument], path: Path, threads: int, heap_mib: int) -> dict[str, Any]:
    """Indexes `documents` into a fresh index at `path` through the engine's own upsert/refresh/close."""
    # The engine reads its writer heap from a module constant; the bench raises it for a bulk build.
    tantivy_engine.WRITER_HEAP_BYTES = heap_mib * 1024 * 1024
    engine = TantivyEngine(path, utc_now, writer_threads=threads)
    started = time.perf_counter()
    for start in range(0, len(documents), UPSERT_BATCH):
        engine.upsert(documents[start : start + UPSERT_BATCH])
    upserted = time.perf_counter()
    engine.refresh()  # commit: the writer threads finish their segments
    committed = time.perf_counter()
    engine.close()  # waits for the merges a commit starts
    closed = time.perf_counter()
    return {
        "documents": len(documents),
        "upsert_seconds": upserted - started,
        "commit_seconds": committed - upserted,
        "merge_wait_seconds": closed - committed,
        "total_seconds": closed - started,
        "writer_threads": threads,
        "writer_heap_mib": heap_mib,
    }


def open_engine(path: Path) -> TantivyEngine:
    engine = TantivyEngine(path, utc_now)
    engine.refresh()
    return engine


def segments(engine: TantivyEngine) -> int:
    return engine._index.searcher().num_segments  # a bench-only peek: the engine has no public accessor


def time_calls(
    queries: Sequence[dict[str, Any]], call: Callable[[dict[str, Any]], Any], warmup: Sequence[dict[str, Any]]
) -> tuple[dict[str, list[float]], float, list[int]]:
    """Runs `call` on the warm-up queries, then on every query one at a time; returns milliseconds per class
    ("all" too), the wall time of the timed part, and what each call returned when it was a result count. The
    warm-up queries are another stream, so the timed ones find in caches only what real traffic would."""
    for query in warmup:
        call(query)
    gc.collect()
    timings: dict[str, list[float]] = defaultdict(list)
    totals: list[int] = []
    started = time.perf_counter()
    for query in queries:
        before = time.perf_counter()
        result = call(query)
        elapsed = (time.perf_counter() - before) * 1000
        timings[query["cls"]].append(elapsed)
        timings["all"].append(elapsed)
        totals.append(result if isinstance(result, int) else -1)
    return dict(timings), time.perf_counter() - started, totals


def engine_call(engine: Any, to_engine_query: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], int]:
    def call(query: dict[str, Any]) -> int:
        return engine.search(to_engine_query(query)).total

    return call


def service_call(container: Any) -> Callable[[dict[str, Any]], int]:
    def call(query: dict[str, Any]) -> int:
        return container.search.search(search_params(query)).total

    return call


def search_params(query: dict[str, Any]) -> SearchParams:
    def money(key: str) -> Decimal | None:
        return Decimal(query[key]) if key in query else None

    return SearchParams(
        q=query.get("q", ""),
        category=query.get("category"),
        price_min=money("price_min"),
        price_max=money("price_max"),
        brands=(query["brand"],) if "brand" in query else (),
        rating_min=query.get("rating_min"),
        sort=query.get("sort"),
    )


# -- where the time goes ----------------------------------------------------------------------------------------

# (label, (file suffix, function name)): the pipeline's steps as they appear in a cProfile.
PIPELINE_STEPS = (
    ("whole search (SearchService.search)", ("services/search/service.py", "search")),
    ("query understanding (QueryUnderstanding.parse)", ("services/search/understanding.py", "parse")),
    ("engine: hits + facets (TantivyEngine.search)", ("adapters/search/tantivy_engine.py", "search")),
    ("  engine: facet aggregations (TantivyEngine._facets)", ("adapters/search/tantivy_engine.py", "_facets")),
    ("  engine: hits (TantivyEngine._hits)", ("adapters/search/tantivy_engine.py", "_hits")),
    ("relaxation when nothing matched (relax_once)", ("services/search/planning.py", "relax_once")),
    ("re-rank (SearchService._page)", ("services/search/service.py", "_page")),
    ("hydration: product cards (ProductCards.cards)", ("services/search/cards.py", "cards")),
    ("  cards: products from the DB (get_many)", ("adapters/sql/products.py", "get_many")),
    ("  cards: live prices (PricingService.final_prices)", ("services/pricing.py", "final_prices")),
    ("  cards: review summaries (summaries)", ("adapters/sql/reviews.py", "summaries")),
    ("  cards: stock levels (levels)", ("adapters/sql/inventory.py", "levels")),
    ("  cards: result_view", ("services/search/presenting.py", "result_view")),
    ("facets view (facets_view)", ("services/search/presenting.py", "facets_view")),
    ("SQLAlchemy execute (all statements)", ("sqlalchemy/engine/base.py", "execute")),
)


def profile(call: Callable[[dict[str, Any]], Any], queries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """cProfile over the queries: each pipeline step's share of the time, and the functions costing most on their
    own. cProfile slows Python code more than native code, so the Python steps' shares come out a little high."""
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        call(query)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]

    def cumulative(suffix: str, name: str) -> float:
        return sum(ct for (file, _l, fn), (_c, _n, _t, ct, _cl) in raw.items() if file.endswith(suffix) and fn == name)

    whole = cumulative(*PIPELINE_STEPS[0][1])  # the searches themselves: 100%
    steps = [
        (label, cumulative(*where) / len(queries) * 1000, 100 * cumulative(*where) / whole)
        for label, where in PIPELINE_STEPS
    ]
    own = sorted(((tt, f"{_short(file)}:{fn}") for (file, _l, fn), (_c, _n, tt, _ct, _cl) in raw.items()), reverse=True)
    return {
        "queries": len(queries),
        "profiled_ms_per_query": whole / len(queries) * 1000,
        "steps": steps,
        "top_own": [(name, tt / len(queries) * 1000, 100 * tt / whole) for tt, name in own[:12]],
    }


def _short(file: str) -> str:
    for marker in ("site-packages/", "src/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
