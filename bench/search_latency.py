"""Search latency at scale: index time, index size, and p50/p99 latency and throughput of a realistic query mix.

Phase 1 (engine, in-process): N generated products (default 1,000,000; brands, words and prices follow the
synthetic catalog's Zipf-like and log-normal distributions, ratings come from its generated reviews) become search
documents through the domain (no database) and are bulk-indexed into a fresh TantivyEngine (2 writer threads, a
bigger writer heap). Then a query mix - keyword, filtered, faceted (category browsing with filters) and sorted,
keywords of 1-3 title words picked with Zipf-like frequency, facets always on - runs one query at a time.

Phase 2 (full pipeline): the same catalog (or its first --http-products) is imported into a real embedded data dir
through the catalog importer (reviews included) and indexed the way `aisle reindex` does it. The same mix runs
(a) in-process against that index and through SearchService, profiled with cProfile, and (b) over HTTP against
`aisle serve` with 1 and then --clients concurrent keep-alive clients for --duration seconds.

Rerun:  .venv/bin/python bench/search_latency.py --products 1000000 --reuse
        (~35 min the first time on this 2-core machine, ~5 min with --reuse once the data is built;
        --http-products 500000 saves ~10 min of the first run)
Report: bench/reports/search_latency.md. The machine is shared: compare ratios within one run; nothing here
asserts on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import shutil
import time
from functools import partial
from pathlib import Path
from typing import Any

import search_latency_data as data
import search_latency_engine as inproc
from common import dir_size_bytes, prepare_catalog_dir
from search_latency_http import run_http_phase
from search_latency_report import write_report

REPORT = Path(__file__).parent / "reports" / "search_latency.md"
ENGINE_MARKER = "engine-build.json"
SEED_PRODUCTS = 100_000  # queries are built around the first this many products (in both phases' catalogs)
STREAM = 20_000  # queries in each HTTP stream: more than a run sends, so no client wraps around


def main() -> None:
    args = _arguments()
    args.workdir.mkdir(parents=True, exist_ok=True)
    http_products = min(args.http_products, args.products)
    results: dict[str, Any] = {"args": vars(args), "http_products": http_products, "started": time.time()}
    results["load_at_start"] = os.getloadavg()
    results["engine"] = engine_phase(args, min(http_products, SEED_PRODUCTS))
    gc.collect()
    results["pipeline"] = pipeline_phase(args, http_products, results["engine"]["streams"])
    results["finished"] = time.time()
    print(f"report: {write_report(REPORT, results)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Search latency benchmark: engine in-process at N products, then the full pipeline over HTTP.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--products", type=int, default=1_000_000, help="products in the engine phase")
    parser.add_argument(
        "--http-products",
        type=int,
        default=1_000_000,
        help="products imported into the database for the HTTP phase (at most --products); at ~1,700 products/s "
        "plus the rebuild, 1M takes ~20 min to prepare the first time, 500k about half",
    )
    parser.add_argument("--queries", type=int, default=2000, help="queries in the mix")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load with --clients clients")
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/aisle-bench"), help="where data is built")
    parser.add_argument("--reuse", action="store_true", help="keep an index or data dir built for the same N")
    parser.add_argument("--writer-threads", type=int, default=2, help="Tantivy writer threads for the bulk build")
    parser.add_argument("--writer-heap-mib", type=int, default=1024, help="Tantivy writer heap for the bulk build")
    parser.add_argument("--profile-queries", type=int, default=300, help="queries profiled with cProfile")
    return parser.parse_args()


# -- phase 1 ------------------------------------------------------------------------------------------------------


def engine_phase(args: argparse.Namespace, seed_products: int) -> dict[str, Any]:
    path = args.workdir / f"engine-{args.products}"
    marker = path / ENGINE_MARKER
    if args.reuse and marker.exists() and json.loads(marker.read_text())["documents"] == args.products:
        built = {**json.loads(marker.read_text()), "reused": True}
        categories = data.CategoryIds.from_json(built.pop("categories"))
        print(f"phase 1: reusing the index at {path} (built {built['built_at']})")
        seeds = data.seeds_of(seed_products)
    else:
        built, categories, seeds = _build_engine_index(args, path, seed_products)
    streams = _streams(seeds, args)
    queries, warmup = streams["measured"], streams["warmup"]
    engine = inproc.open_engine(path)
    to_query = partial(data.engine_query, category_id=categories.id_of)
    print(f"phase 1: {len(queries)} queries, one at a time, against {engine.count():,} documents")
    facets_on = inproc.time_calls(queries, inproc.engine_call(engine, to_query), warmup)
    facets_off = inproc.time_calls(queries, inproc.engine_call(engine, partial(_without_facets, to_query)), warmup)
    segments = inproc.segments(engine)
    engine.close()
    return {**built, "segments": segments, "streams": streams, "facets_on": facets_on, "facets_off": facets_off}


def _streams(seeds: list[data.Seed], args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Separate query streams from one distribution: a warm-up never pre-fills the caches for the timed queries
    beyond what the popular queries of real traffic would."""
    sizes = {"measured": args.queries, "warmup": 300, "profile": args.profile_queries}
    sizes.update({"http warm-up": STREAM, "http 1 client": STREAM, "http loaded": STREAM})
    return {name: data.query_mix(seeds, size, seed=data.QUERY_SEED + i) for i, (name, size) in enumerate(sizes.items())}


def _without_facets(to_query: Any, query: dict[str, Any]) -> Any:
    return dataclasses.replace(to_query(query), with_facets=False)


def _build_engine_index(args: argparse.Namespace, path: Path, seed_products: int) -> tuple[dict, Any, list]:
    shutil.rmtree(path, ignore_errors=True)
    categories, documents, seeds = data.CategoryIds(), [], []
    print(f"phase 1: generating {args.products:,} products as search documents")
    started = time.perf_counter()
    for document, seed in data.catalog(args.products, seed_products, categories):
        documents.append(document)
        if seed is not None:
            seeds.append(seed)
    generate_seconds = time.perf_counter() - started
    print(f"phase 1: generated in {generate_seconds:.0f} s; indexing")
    built = inproc.index_documents(documents, path, args.writer_threads, args.writer_heap_mib)
    del documents
    built.update(generate_seconds=generate_seconds, index_bytes=dir_size_bytes(path), built_at=time.ctime())
    print(f"phase 1: indexed in {built['total_seconds']:.0f} s, {built['index_bytes'] / 2**20:,.0f} MiB on disk")
    marker = {**built, "categories": categories.as_json()}
    (path / ENGINE_MARKER).write_text(json.dumps(marker, indent=2))
    return {**built, "reused": False}, categories, seeds


# -- phase 2 ------------------------------------------------------------------------------------------------------


def pipeline_phase(args: argparse.Namespace, products: int, streams: dict[str, list[dict]]) -> dict[str, Any]:
    data_dir = args.workdir / f"http-{products}"
    print(f"phase 2: preparing {data_dir} with {products:,} imported products")
    prepared = prepare_catalog_dir(data_dir, products, reviews=True, reuse=args.reuse)
    in_process = _in_process(data_dir, streams)
    print(f"phase 2: HTTP, 1 client then {args.clients} clients for {args.duration:.0f} s")
    http = run_http_phase(data_dir, streams, args.clients, args.duration, args.workdir / "serve.log")
    return {"prepared": prepared, **in_process, "http": http, "index_bytes": dir_size_bytes(data_dir / "search")}


def _in_process(data_dir: Path, streams: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    from aisle.bootstrap import bootstrap
    from aisle.settings import Settings

    container = bootstrap(Settings(data_dir=data_dir, run_background_workers=False))
    try:
        engine = container.search_engine  # as the service sees it: behind the circuit breaker
        to_query = data.engine_queries(container.categories().values())
        queries, warmup = streams["measured"], streams["warmup"]
        print(f"phase 2: {len(queries)} queries in-process: engine, then the whole search service")
        engine_only = inproc.time_calls(queries, inproc.engine_call(engine, to_query), warmup)
        service = inproc.time_calls(queries, inproc.service_call(container), warmup)
        profile = inproc.profile(inproc.service_call(container), streams["profile"])
    finally:
        container.stop()
    return {"engine_only": engine_only, "service": service, "profile": profile}


if __name__ == "__main__":
    main()
