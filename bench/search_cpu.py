"""Where a search's CPU goes on an existing data dir: the engine's hits, its facet counting, and the whole search
service (query understanding, engine, re-rank, cards from the database, facets), per query class, in-process.

CPU is `time.process_time` of this process, one query at a time, so the load other work puts on the machine changes
the wall time but hardly the CPU figures. The queries are the search_latency mix around the first 100,000 products of
the synthetic catalog (seed 7), which is what `aisle import --format synthetic` loads.

Rerun:  .venv/bin/python bench/search_cpu.py --data-dir /var/tmp/aisle-1m/data
        (make one with: AISLE_DATA_DIR=/var/tmp/aisle-1m/data aisle import --format synthetic --count 1000000)
Report: bench/reports/search_cpu.md
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import search_latency_data as data
import search_latency_engine as inproc
from common import Report, command_line, machine, now_utc

REPORT = Path(__file__).parent / "reports" / "search_cpu.md"
SEED_PRODUCTS = 100_000
WARM_UP = 100


def main() -> None:
    args = _arguments()
    from aisle.adapters.search import tantivy_engine
    from aisle.bootstrap import bootstrap
    from aisle.settings import Settings

    started = time.time()
    queries = data.query_mix(data.seeds_of(SEED_PRODUCTS), args.queries + WARM_UP, seed=data.QUERY_SEED + 50)
    container = bootstrap(Settings(data_dir=args.data_dir, run_background_workers=False))
    try:
        to_query = data.engine_queries(container.categories().values())
        engine = container.search_engine
        documents = engine.count()
        parts = _Parts(tantivy_engine.TantivyEngine)
        engine_rows = _per_class(queries, lambda q: engine.search(to_query(q)), parts)
        _forget_titles(parts)
        older = _older_way_rows(queries, lambda q: engine.search(to_query(q)), parts) if args.ab else {}
        per_facet = _per_facet(parts.engine, [to_query(q) for q in queries[WARM_UP:]]) if older else []
        _forget_titles(parts)
        bare = _per_class(queries, lambda q: engine.search(dataclasses.replace(to_query(q), with_facets=False)), None)
        _forget_titles(parts)
        kept_pages, container.search._pages = container.search._pages, None  # every search ranked afresh
        service = _per_class(queries, inproc.service_call(container), None)
        titles = _titles_rows(queries, inproc.service_call(container), parts) if args.ab else {}
        pages = _pages_rows(queries, container, kept_pages, parts) if args.ab and kept_pages else {}
    finally:
        container.stop()
    _report(args, documents, engine_rows, bare, service, started)
    _report_facets(args, older, per_facet, titles, bool(parts.engine and parts.engine.facet_terms), pages)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded data dir (SQLite + Tantivy)")
    parser.add_argument("--queries", type=int, default=700, help="timed queries (after 100 to warm up)")
    parser.add_argument("--report", type=Path, default=REPORT, help="where to write the report")
    parser.add_argument(
        "--ab",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also the interleaved A/Bs on the same index (facet terms, kept titles): about twice the run time",
    )
    return parser.parse_args()


class _Parts:
    """CPU spent inside the Tantivy engine's hit and facet steps, added up while a query runs."""

    def __init__(self, engine_class: type) -> None:
        self.spent = {"hits": 0.0, "facets": 0.0}
        self.engine: Any = None  # the TantivyEngine counting facets, seen on its first search
        for name in self.spent:
            setattr(engine_class, f"_{name}", self._timed(name, getattr(engine_class, f"_{name}")))

    def _timed(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.engine = args[0]
            before = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.spent[name] += time.process_time() - before

        return timed

    @contextmanager
    def counting(self) -> Iterator[dict[str, float]]:
        self.spent.update(hits=0.0, facets=0.0)
        yield self.spent


def _forget_titles(parts: _Parts) -> None:
    """Each pass starts with no ranked titles kept, as the first did: a pass over the same queries would otherwise
    find every title the one before read (steady traffic repeats queries too, but not all of them)."""
    from aisle.adapters.search import tantivy_engine

    if parts.engine is not None:
        parts.engine._titles = tantivy_engine._RecentTitles(tantivy_engine.TITLES_KEPT)


def _per_class(queries: list[dict[str, Any]], call: Callable[[dict], Any], parts: _Parts | None) -> dict[str, dict]:
    for query in queries[:WARM_UP]:
        call(query)
    rows: dict[str, dict[str, list[float]]] = {}
    for query in queries[WARM_UP:]:
        _record(query, call, parts, rows)
    return rows


def _interleaved(
    queries: list[dict[str, Any]], call: Callable[[dict], Any], variants: dict[str, Callable[[], None]], parts: _Parts
) -> dict[str, dict[str, dict]]:
    """An A/B: each query runs under every variant (``variants``: name -> what switches it on) in turn, the order
    alternating, so that the shared machine's drift and the caches' warmth hit them alike."""
    for query in queries[:WARM_UP]:
        for switch in variants.values():
            switch()
            call(query)
    rows: dict[str, dict[str, dict]] = {name: {} for name in variants}
    for i, query in enumerate(queries[WARM_UP:]):
        for name in list(variants) if i % 2 == 0 else list(reversed(variants)):
            variants[name]()
            _record(query, call, parts, rows[name])
    return rows


def _record(query: dict[str, Any], call: Callable[[dict], Any], parts: _Parts | None, rows: dict[str, dict]) -> None:
    before = time.process_time()
    if parts is None:
        call(query)
        spent: dict[str, float] = {}
    else:
        with parts.counting() as spent:
            call(query)
    total = (time.process_time() - before) * 1000
    for cls in (query["cls"], "all"):
        row = rows.setdefault(cls, {"total": [], "hits": [], "facets": []})
        row["total"].append(total)
        for name in ("hits", "facets"):
            if name in spent:
                row[name].append(spent[name] * 1000)


def _mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.1f}" if values else "-"


def _p99(values: list[float]) -> str:
    return f"{sorted(values)[int(0.99 * (len(values) - 1))]:.1f}" if values else "-"


def _report(args: argparse.Namespace, documents: int, engine: dict, bare: dict, service: dict, started: float) -> None:
    report = Report("Where a search's CPU goes")
    report.facts("Run", {"date": now_utc(), "command": f"`{command_line()}`", "wall": f"{time.time() - started:.0f} s"})
    report.facts("Machine", machine())
    report.facts(
        "Setup",
        {
            "data": f"{args.data_dir}: {documents:,} documents in the index",
            "queries": f"{args.queries} of the search_latency mix, one at a time, after {WARM_UP} to warm up; "
            "each pass (engine, engine without facets, service) runs the same queries",
            "measure": "CPU milliseconds of this process per query (`time.process_time`)",
        },
    )
    rows = []
    for cls in ("keyword", "filtered", "faceted", "sorted", "all"):
        e, b, s = engine.get(cls), bare.get(cls), service.get(cls)
        if not (e and b and s):
            continue
        rows.append(
            [
                cls,
                len(e["total"]),
                _mean(e["hits"]),
                _mean(e["facets"]),
                _mean(e["total"]),
                _p99(e["total"]),
                _mean(b["total"]),
                _mean(s["total"]),
                _p99(s["total"]),
            ]
        )
    report.table(
        "CPU per query (ms)",
        [
            "class",
            "n",
            "engine: hits",
            "engine: facets",
            "engine total",
            "engine p99",
            "engine, no facets",
            "service (its facet cache filling as in steady traffic)",
            "service p99",
        ],
        rows,
    )
    print(f"report: {report.write(args.report)}")


# -- facets counted the older way (ranges, every attribute value) against the facet terms, on the same index ----


def _older_way_rows(queries: list[dict[str, Any]], call: Callable[[dict], Any], parts: _Parts) -> dict[str, dict]:
    """The engine with its facets counted as before the facet_bucket and attribute_set terms (price and rating
    ranges, a terms count over every attribute value) against the facet terms, on the same index, interleaved."""
    from aisle.adapters.search.tantivy_facets import FacetCounter

    engine = parts.engine
    if engine is None or not engine.facet_terms:
        return {}
    terms = engine._facet_counter
    older = FacetCounter(engine._queries, terms._categories, facet_terms=False)
    try:
        return _interleaved(
            queries,
            call,
            {
                "older": lambda: setattr(engine, "_facet_counter", older),
                "terms": lambda: setattr(engine, "_facet_counter", terms),
            },
            parts,
        )
    finally:
        engine._facet_counter = terms


def _titles_rows(queries: list[dict[str, Any]], call: Callable[[dict], Any], parts: _Parts) -> dict[str, dict]:
    """The search service with ranked titles kept between searches against read from the document store every
    time, interleaved (each variant keeps its own titles over the whole pass, as in steady traffic)."""
    from aisle.adapters.search import tantivy_engine

    engine = parts.engine
    if engine is None:
        return {}
    kept, unkept = tantivy_engine._RecentTitles(tantivy_engine.TITLES_KEPT), tantivy_engine._RecentTitles(0)
    return _interleaved(
        queries,
        call,
        {
            "kept": lambda: setattr(engine, "_titles", kept),
            "read each time": lambda: setattr(engine, "_titles", unkept),
        },
        parts,
    )


def _pages_rows(queries: list[dict[str, Any]], container: Any, kept: Any, parts: _Parts) -> dict[str, dict]:
    """The search service with ranked pages kept (per index generation) against ranked every time, interleaved;
    the kept variant's page lookups, hit or missed, per class (its pages start empty: the pass's own repeats)."""
    search, lookups = container.search, container.lookups
    hits: dict[str, list[int]] = {}

    def call(query: dict[str, Any]) -> int:
        before = lookups.count("search_page", "hit")
        found = inproc.service_call(container)(query)
        if search._pages is kept:
            for cls in (query["cls"], "all"):
                hits.setdefault(cls, []).append(lookups.count("search_page", "hit") - before)
        return found

    rows = _interleaved(
        queries,
        call,
        {
            "kept": lambda: setattr(search, "_pages", kept),
            "ranked each time": lambda: setattr(search, "_pages", None),
        },
        parts,
    )
    for cls, found in hits.items():
        timed = found[-len(rows["kept"][cls]["total"]) :] if cls in rows["kept"] else []
        rows["kept"].setdefault(cls, {})["hit rate"] = sum(timed) / len(timed) if timed else 0.0
    return rows


FACET_GROUPS = {
    "brands": ["brands"],
    "categories": ["categories"],
    "price ranges": ["price_ranges"],
    "ratings": ["ratings"],
    "price ranges + ratings (no price or rating filter)": ["price_ranges", "ratings"],
    "attributes": ["attributes"],
}


def _per_facet(engine: Any, queries: list[Any]) -> list[list[str]]:
    """CPU of each facet's count alone (aggregation and reading), the older way and with the facet terms,
    alternated per call: over every document, and on average over the mix's queries (all their filters)."""
    import tantivy

    from aisle.adapters.search.tantivy_facets import FacetCounter
    from aisle.services.search.engine import Facets

    if engine is None:
        return []
    counters = {
        "older": FacetCounter(engine._queries, engine._facet_counter._categories, facet_terms=False),
        "terms": engine._facet_counter,
    }
    searcher = engine._index.searcher()
    everything = tantivy.Query.all_query()
    matched = [
        engine._queries.combine(
            engine._queries.keywords(q.keywords, None, q.minimum_should_match),
            engine._queries.filters(q.filters),
        )
        for q in queries
    ]
    rows = []
    for label, names in FACET_GROUPS.items():
        spent = {(way, scope): 0.0 for way in counters for scope in ("all", "mix")}
        for _ in range(10):
            for way, counter in counters.items():
                before = time.process_time()
                counter._count(searcher, everything, names, Facets())
                spent[(way, "all")] += (time.process_time() - before) / 10
        for query in matched:
            for way, counter in counters.items():
                before = time.process_time()
                counter._count(searcher, query, names, Facets())
                spent[(way, "mix")] += (time.process_time() - before) / len(matched)
        rows.append([label] + [f"{spent[(w, s)] * 1000:.2f}" for s in ("all", "mix") for w in counters])
    return rows


def _report_facets(
    args: argparse.Namespace, older: dict, per_facet: list[list[str]], titles: dict, facet_terms: bool, pages: dict
) -> None:
    if not facet_terms:
        print("the index was built before the facet terms: its facets were counted the older way (ranges)")
        return
    if not args.ab:
        return
    report = Report("A/B on the same index: facet terms, kept titles")
    report.table(
        "Engine: facets counted the older way against the facet terms, interleaved (CPU ms per query)",
        [
            "class",
            "n",
            "facets: older",
            "facets: terms",
            "facets p99: older",
            "facets p99: terms",
            "engine total: older",
            "engine total: terms",
        ],
        _ab_rows(older, "older", "terms", "facets"),
    )
    report.table(
        "One facet at a time (CPU ms per count, aggregation and reading, interleaved per call)",
        ["facet", "all documents: older", "all documents: terms", "the mix (mean): older", "the mix (mean): terms"],
        per_facet,
    )
    report.table(
        "Search service: ranked titles kept against read each time, interleaved (CPU ms per search)",
        [
            "class",
            "n",
            "hits: read each time",
            "hits: kept",
            "hits p99: read each time",
            "hits p99: kept",
            "service: read each time",
            "service: kept",
        ],
        _ab_rows(titles, "read each time", "kept", "hits"),
    )
    if pages:
        report.table(
            "Search service: ranked pages kept per index generation against ranked every time, interleaved "
            "(CPU ms per search; the kept pages start with the 100 warm-up searches: hits are this pass's own repeats)",
            ["class", "n", "ranked each time", "kept pages", "p99: ranked each time", "p99: kept pages", "hit rate"],
            [
                [*_pair(cls, r, k), f"{k['hit rate']:.0%}"]
                for cls in ("keyword", "filtered", "faceted", "sorted", "all")
                if (k := pages["kept"].get(cls)) and (r := pages["ranked each time"].get(cls)) and "total" in k
            ],
        )
    path = args.report.with_name(args.report.stem + "-ab.md")
    print(f"report: {report.write(path)}")


def _pair(cls: str, a: dict, b: dict) -> list[Any]:
    return [cls, len(b["total"]), _mean(a["total"]), _mean(b["total"]), _p99(a["total"]), _p99(b["total"])]


def _ab_rows(rows: dict[str, dict], a: str, b: str, part: str) -> list[list[Any]]:
    out: list[list[Any]] = []
    for cls in ("keyword", "filtered", "faceted", "sorted", "all"):
        if rows and cls in rows[a] and cls in rows[b]:
            ra, rb = rows[a][cls], rows[b][cls]
            out.append(
                [
                    cls,
                    len(ra["total"]),
                    _mean(ra[part]),
                    _mean(rb[part]),
                    _p99(ra[part]),
                    _p99(rb[part]),
                    _mean(ra["total"]),
                    _mean(rb["total"]),
                ]
            )
    return out


if __name__ == "__main__":
    main()
