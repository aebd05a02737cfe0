"""Facet cost in the search engine: hits alone, hits + exact facet aggregations (what search does), hits + facets
counted over the top K hits only (one aggregation over a term set of their ids; Tantivy only), and a facet cache hit.

In-process, one query at a time, over --products generated documents in a fresh index (Tantivy in memory, or with
--opensearch a throwaway index on that server, deleted afterwards) and the search_latency query mix. On OpenSearch
each time is the client's: the request, OpenSearch's work and reading the answer. Nothing asserts on time; the
machine is shared: compare the strategies within one run.

Rerun:  .venv/bin/python bench/facets.py --products 20000 --queries 400
        .venv/bin/python bench/facets.py --products 200000 --opensearch http://127.0.0.1:9200
Report: bench/reports/facets.md (facets-opensearch.md with --opensearch)
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import search_latency_data as data
import tantivy
from common import Report, command_line, drop_opensearch_engine, machine, ms, now_utc, summarize

from aisle.adapters.search.tantivy_engine import TantivyEngine
from aisle.services.clock import utc_now
from aisle.services.search.engine import Facets, facets_from_dict, facets_to_dict

REPORTS = Path(__file__).parent / "reports"
INDEXED_PER_REQUEST = 2_000
ALL_GROUPS = ("brands", "categories", "price_ranges", "ratings")


def main() -> None:
    args = _arguments()
    started = time.time()
    categories = data.CategoryIds()
    documents, seeds = [], []
    for document, seed in data.catalog(args.products, args.products, categories):
        documents.append(document)
        seeds.append(seed)
    queries = [data.engine_query(q, categories.id_of) for q in data.query_mix(seeds, args.queries)]
    if args.opensearch:
        with _opensearch_engine(args.opensearch, documents) as engine:
            results = _time_interleaved(_strategies(engine, None), queries)
    else:
        engine = TantivyEngine(None, utc_now)
        engine.upsert(documents)
        engine.refresh()
        results = _time_interleaved(_strategies(engine, args.top_k), queries)
    _report(args, results, started, len(documents))


def _strategies(engine: Any, top_k: int | None) -> dict[str, Callable[[Any], Any]]:
    strategies: dict[str, Callable[[Any], Any]] = {
        "hits only": lambda q: engine.search(_without_facets(q)),
        "hits + exact facets (today)": engine.search,
    }
    if top_k is not None:
        strategies[f"hits + facets of the top {top_k}"] = lambda q: _top_k(engine, q, top_k)
    strategies["hits + facets from a cache hit"] = _cached(engine)
    return strategies


@contextmanager
def _opensearch_engine(url: str, documents: list[Any]) -> Iterator[Any]:
    """A fresh index under a throwaway alias, deleted afterwards whatever happens."""
    from aisle.adapters.search.opensearch_engine import OpenSearchEngine

    engine = OpenSearchEngine(url, f"aisle-facets-bench-{os.getpid()}-{int(time.time())}", utc_now)
    try:
        for start in range(0, len(documents), INDEXED_PER_REQUEST):
            engine.upsert(documents[start : start + INDEXED_PER_REQUEST])
        engine.refresh()
        yield engine
    finally:
        drop_opensearch_engine(engine, url)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--top-k", type=int, default=1000)
    parser.add_argument("--opensearch", metavar="URL", help="measure OpenSearch at URL instead of Tantivy")
    return parser.parse_args()


def _without_facets(query: Any) -> Any:
    from dataclasses import replace

    return replace(query, with_facets=False)


def _top_k(engine: TantivyEngine, query: Any, k: int) -> tuple[Any, Facets]:
    """Facets of the K best hits only: one search for their ids, one aggregation over exactly those documents."""
    hits = engine.search(_without_facets(query))
    searcher = engine._index.searcher()
    top = engine.search(_without_facets(_limit(query, k)))
    ids = [h.product_id for h in top.hits]
    if not ids:
        return hits, Facets()
    only = tantivy.Query.term_set_query(engine._schema, "product_id", ids)
    facets = Facets()
    engine._facet_counter._count(searcher, only, list(ALL_GROUPS), facets)
    return hits, facets


def _limit(query: Any, k: int) -> Any:
    from dataclasses import replace

    return replace(query, limit=k, offset=0)


def _cached(engine: Any) -> Callable[[Any], Any]:
    cache: dict[str, Any] = {}

    def run(query: Any) -> Any:
        hits = engine.search(_without_facets(query))
        key = repr((query.keywords, query.filters))
        if key not in cache:  # warmed below, before timing: this measures the hit
            cache[key] = facets_to_dict(engine.search(_limit(query, 1)).facets)
        return hits, facets_from_dict(cache[key])

    return run


def _time_interleaved(strategies: dict[str, Callable[[Any], Any]], queries: list[Any]) -> dict[str, dict[str, float]]:
    """Every query through every strategy in turn, so that the shared machine's drifting load hits them alike."""
    for query in queries[:50]:
        for run in strategies.values():
            run(query)
    cached = next(run for name, run in strategies.items() if "cache" in name)
    for query in queries:  # the cache strategy measures hits: every query's facets are in it before timing
        cached(query)
    took: dict[str, list[float]] = {name: [] for name in strategies}
    for query in queries:
        for name, run in strategies.items():
            before = time.perf_counter()
            run(query)
            took[name].append((time.perf_counter() - before) * 1000)
    return {name: summarize(values) for name, values in took.items()}


def _report(args: argparse.Namespace, results: dict[str, dict[str, float]], started: float, docs: int) -> None:
    engine = "OpenSearch" if args.opensearch else "Tantivy"
    report = Report(f"Facet cost in the {engine} engine")
    report.facts(
        "Run",
        {"date": now_utc(), "command": f"`{command_line()}`", "wall time": f"{(time.time() - started) / 60:.1f} min"},
    )
    report.facts("Machine", {**machine(), "load average at the end": " / ".join(f"{x:.1f}" for x in os.getloadavg())})
    report.facts(
        "Setup",
        {
            "index": f"{docs:,} generated documents, "
            + (f"a fresh index on {args.opensearch} (one node on this machine)" if args.opensearch else "in memory"),
            "queries": f"{args.queries} of the search_latency mix, one at a time, each through every strategy in turn "
            "(drift in the machine's load hits all alike), after 50 warm-up queries",
            "shared machine": "other work may share this 2-core box: the load averages above say how busy it was",
        },
    )
    base = results["hits only"]["p50"]
    rows = [[name, ms(r["p50"]), ms(r["p99"]), f"{r['p50'] / base:.1f}x"] for name, r in results.items()]
    report.table("Per query (ms)", ["strategy", "p50", "p99", "p50 / hits only"], rows)
    for name, r in results.items():
        print(f"{name:>36}: p50 {ms(r['p50'])} p99 {ms(r['p99'])}")
    print(f"report: {report.write(REPORTS / ('facets-opensearch.md' if args.opensearch else 'facets.md'))}")


if __name__ == "__main__":
    main()
