"""What counting facets by variant costs a search with an attribute filter, in-process, on an embedded data dir.

Each request is built from a product sold in variants with attributes: its title's last word as the query, one of
its variants' attributes as `attr`, and, every other request, that variant's price (rounded up) as `price_max`. The
search service answers each request twice, interleaved: with the facet counts of services/search/variant_facets.py
and with them switched off (facets as the engine counts them, product by product), the facet cache off and every
page ranked afresh. It prints p50/p99/mean per side, how many total-only searches the recount ran, and how often
its counts differed from the engine's.

Rerun:  .venv/bin/python bench/attribute_facets.py --data-dir /var/tmp/syn300k --requests 200
        (make the data with `AISLE_DATA_DIR=/var/tmp/syn300k aisle import --format synthetic --count 300000`)
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import machine, percentile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded data dir (AISLE_DATA_DIR)")
    parser.add_argument("--requests", type=int, default=200, help="requests, each answered both ways")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from aisle.bootstrap import bootstrap
    from aisle.services.search import service as search_service
    from aisle.settings import Settings

    requests = _requests(args.data_dir, args.requests, random.Random(args.seed))
    container = bootstrap(Settings(data_dir=args.data_dir, run_background_workers=False))
    search = container.search
    search._cache, search._pages = None, None  # every facet count and every page afresh
    exact = search_service.counted_by_variant
    counts = {"on": 0}

    def counting(count_each: Any, filters: Any, facets: Any) -> Any:
        def counted(asked: Any) -> list[int]:
            counts["on"] += len(asked)
            return list(count_each(asked))

        return exact(counted, filters, facets)

    timings: dict[str, list[float]] = {"by variant": [], "by product": []}
    differed = 0
    try:
        for params in requests[:5]:  # warm-up
            search.search(params)
        for params in requests:
            answers = {}
            for side, recount in (("by variant", counting), ("by product", lambda _c, _f, facets: facets)):
                search_service.counted_by_variant = recount
                started = time.perf_counter()
                answers[side] = search.search(params)
                timings[side].append((time.perf_counter() - started) * 1000)
            differed += answers["by variant"].facets != answers["by product"].facets
    finally:
        search_service.counted_by_variant = exact
        container.stop()
    print(
        f"{container.search_engine.count():,} products; {len(requests)} requests with an attribute filter "
        f"(half with a price bound)"
    )
    for side, values in timings.items():
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"{side}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {sum(values) / len(values):.1f} ms")
    print(
        f"recount: {counts['on'] / len(requests):.1f} total-only searches a request; facets differed in "
        f"{differed} of {len(requests)}"
    )
    print("; ".join(f"{k} {v}" for k, v in machine().items()))


def _requests(data_dir: Path, count: int, rng: random.Random) -> list[Any]:
    from aisle.services.search.params import SearchParams

    with sqlite3.connect(f"file:{data_dir / 'aisle.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT p.title, v.attributes, v.price_cents FROM variants v JOIN products p USING (product_id) "
            "WHERE v.attributes != '{}' AND p.status = 'ACTIVE' ORDER BY v.variant_id LIMIT 200000"
        ).fetchall()
    picked = rng.sample(rows, min(count, len(rows)))
    requests = []
    for n, (title, attributes, cents) in enumerate(picked):
        name, value = rng.choice(sorted(json.loads(attributes).items()))
        price = Decimal(math.ceil(cents / 100)) if n % 2 else None
        requests.append(SearchParams(q=title.split()[-1], attributes=((name, str(value)),), price_max=price))
    return requests


if __name__ == "__main__":
    main()
