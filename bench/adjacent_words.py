"""What the title phrase for words typed together (``ADJACENT_WORDS_BOOST``) costs the engine, on an existing data
dir: the search_latency mix run through the Tantivy engine with and without it, interleaved query by query (the
order alternating) so that the machine's drift hits both alike. CPU is `time.process_time` of this process.

Rerun:  .venv/bin/python bench/adjacent_words.py --data-dir /var/tmp/syn-300k
        (make one with: AISLE_DATA_DIR=/var/tmp/syn-300k aisle import --format synthetic --count 300000)
Report: bench/reports/adjacent_words.md
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import search_latency_data as data
from common import Report, summarize

REPORT = Path(__file__).parent / "reports" / "adjacent_words.md"
SEED_PRODUCTS = 100_000
WARM_UP = 100


def main() -> None:
    args = _arguments()
    from aisle.adapters.search import tantivy_queries
    from aisle.adapters.search.tantivy_schema import stemmed_analyzer
    from aisle.bootstrap import bootstrap
    from aisle.settings import Settings

    started = time.time()
    queries = data.query_mix(data.seeds_of(SEED_PRODUCTS), args.queries + WARM_UP, seed=data.QUERY_SEED + 50)
    container = bootstrap(Settings(data_dir=args.data_dir, run_background_workers=False))
    pairs = tantivy_queries.adjacent_words
    variants = {"with the title phrase": pairs, "without": lambda groups, tokens: []}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    try:
        to_query = data.engine_queries(container.categories().values())
        engine = container.search_engine
        documents = engine.count()
        tokens = stemmed_analyzer().analyze
        phrased = sum(1 for q in queries if pairs(to_query(q).keywords, tokens))
        for i, query in enumerate(queries):
            for name in list(variants) if i % 2 == 0 else list(reversed(variants)):
                tantivy_queries.adjacent_words = variants[name]  # what the query builder calls
                before = time.process_time()
                engine.search(to_query(query))
                if i >= WARM_UP:
                    cpu[name].append((time.process_time() - before) * 1000)
    finally:
        tantivy_queries.adjacent_words = pairs
        container.stop()
    report = Report("What the title phrase for words typed together costs the engine")
    report.run_and_machine((time.time() - started) / 60)
    catalog = f"{documents:,} products in {args.data_dir}"
    mix = f"{args.queries} timed of the search_latency mix, {phrased} of {len(queries)} with two words typed together"
    report.facts("Setup", {"catalog": catalog, "queries": mix})
    rows = [(name, *(f"{summarize(v)[k]:.2f}" for k in ("mean", "p50", "p99"))) for name, v in cpu.items()]
    report.table("Engine CPU per search (hits and facets), ms", ["variant", "mean", "p50", "p99"], rows)
    print(report.write(args.report).read_text())


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded data dir (SQLite + Tantivy)")
    parser.add_argument("--queries", type=int, default=1000, help="timed queries (after 100 to warm up)")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the report")
    return parser.parse_args()


if __name__ == "__main__":
    main()
