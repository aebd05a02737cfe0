"""What the kind window costs: how often a search asks the engine once more for the products of the kind its words
name (when the engine's best RERANK_DEPTH hold fewer than KIND_IN_WINDOW of them), and the whole search service's
CPU with that look-up on and off.

In-process on an existing data dir, one query at a time, the search_latency mix (seed 7) after 100 to warm up. Each
query runs with the look-up on and off, in alternating order (drift in the machine's load hits both alike, and a
cache the first run warms helps the second as often on each side); the result pages are not kept between runs.
CPU is `time.process_time` of this process. Nothing here asserts on time.

Rerun:  .venv/bin/python bench/kind_window.py --data-dir /var/tmp/aisle-1m/data
        (make one with: AISLE_DATA_DIR=/var/tmp/aisle-1m/data aisle import --format synthetic --count 1000000)
Report: bench/reports/kind-window.md
"""

from __future__ import annotations

import argparse
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import search_latency_data as data
from common import Report

REPORT = Path(__file__).parent / "reports" / "kind-window.md"
SEED_PRODUCTS = 100_000
WARM_UP = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="an embedded data dir (SQLite + Tantivy)")
    parser.add_argument("--queries", type=int, default=800, help="timed queries, each run twice (on and off)")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    os.environ["AISLE_DATA_DIR"] = args.data_dir
    from aisle.bootstrap import bootstrap
    from aisle.services.search import service
    from aisle.settings import Settings

    started = time.time()
    container = bootstrap(Settings(run_background_workers=False))
    try:
        container.understanding.rebuild()
        search = container.search
        search._pages = None  # every run is a search, not a kept page
        mix = data.query_mix(data.seeds_of(SEED_PRODUCTS), WARM_UP + args.queries)
        looked_up, cpu = _measure(search, service, mix)
        products = container.search._engine.search(_count_all()).total
    finally:
        container.stop()
    timed = args.queries
    report = Report("The kind window: one more engine request for the products of the kind asked")
    report.run_and_machine((time.time() - started) / 60)
    report.facts("Setup", {"data dir": args.data_dir, "products": f"{products:,}", "queries": f"{timed} of the mix"})
    each = max(looked_up, 1)
    report.table(
        "Result",
        ["look-up", "searches that made it", "CPU per search (ms)", "CPU of the searches that made it (ms each)"],
        [
            (
                "on",
                f"{looked_up} ({looked_up / timed:.1%})",
                f"{cpu['on'] / timed * 1000:.2f}",
                f"{cpu.get('looked-up on', 0.0) / each * 1000:.1f}",
            ),
            (
                "off (KIND_IN_WINDOW = 0)",
                "0",
                f"{cpu['off'] / timed * 1000:.2f}",
                f"{cpu.get('looked-up off', 0.0) / each * 1000:.1f} (the same searches)",
            ),
        ],
    )
    print(report.write(args.report).read_text())


def _measure(search: Any, service: Any, mix: list[dict[str, Any]]) -> tuple[int, dict[str, float]]:
    looked_up = 0
    window = search._window

    def counted(engine: Any, plan: Any, parsed: Any, result: Any) -> Any:
        nonlocal looked_up
        best, deeper, read = window(engine, plan, parsed, result)
        looked_up += len(best) > len(result.hits[: service.RERANK_DEPTH])
        return best, deeper, read

    search._window = counted
    for query in mix[:WARM_UP]:
        search.search(_params(query))
    looked_up = 0
    cpu = {"on": 0.0, "off": 0.0}
    for n, query in enumerate(mix[WARM_UP:]):
        before = looked_up
        spent = {}
        for side in ("on", "off") if n % 2 else ("off", "on"):
            service.KIND_IN_WINDOW = 40 if side == "on" else 0  # 0: the window always holds enough
            started = time.process_time()
            search.search(_params(query))
            spent[side] = time.process_time() - started
            cpu[side] += spent[side]
        if looked_up > before:
            cpu["looked-up on"] = cpu.get("looked-up on", 0.0) + spent["on"]
            cpu["looked-up off"] = cpu.get("looked-up off", 0.0) + spent["off"]
    return looked_up, cpu


def _params(query: dict[str, Any]) -> Any:
    from aisle.services.search.params import SearchParams

    given = data.http_params(query)
    prices = {k: Decimal(str(given[k])) for k in ("price_min", "price_max") if k in given}
    return SearchParams(
        q=given.get("q", ""),
        brands=(given["brand"],) if "brand" in given else (),
        sort=given.get("sort"),
        category=given.get("category"),
        rating_min=given.get("rating_min"),
        **prices,
    )


def _count_all() -> Any:
    from aisle.services.search.engine import EngineQuery

    return EngineQuery(limit=0, with_facets=False)


if __name__ == "__main__":
    main()
