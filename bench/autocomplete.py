"""Autocomplete's engine calls on an embedded index: title completions and last-word completions, per keystroke.

Every prefix of each query in the mix (the real shopper queries in ../shared/data/queries when --queries points
there, else the built-in list) is completed the way the autocomplete service asks the engine: the top titles that
hold the typed words, and the last word's commonest completions after the words before it. Run it once with this
tree and once with an older one first on PYTHONPATH to compare; both print p50/p90/p99 per call.

Rerun:  .venv/bin/python bench/autocomplete.py --data-dir /var/tmp/syn300k \
            --queries ../shared/data/queries/wands_queries.tsv
        PYTHONPATH=/tmp/old/src .venv/bin/python bench/autocomplete.py --data-dir /var/tmp/syn300k
        (make the data with `AISLE_DATA_DIR=/var/tmp/syn300k aisle import --format synthetic --count 300000`)
"""

from __future__ import annotations

import argparse
import inspect
import time
from datetime import UTC, datetime
from pathlib import Path

from common import machine, percentile

BUILT_IN = ["blue shirt", "wireless headphones", "cotton shirt", "leather boots", "women shoes", "organic coffee"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded data dir (AISLE_DATA_DIR)")
    parser.add_argument("--queries", type=Path, help="a file of queries, one a line (else a built-in list)")
    parser.add_argument("--max-queries", type=int, default=200, help="queries taken from the file")
    parser.add_argument("--rounds", type=int, default=3, help="passes over every prefix")
    args = parser.parse_args()

    from aisle.adapters.search.tantivy_engine import TantivyEngine
    from aisle.adapters.search.tantivy_home import TantivyIndexHome

    engine = TantivyEngine(TantivyIndexHome(args.data_dir / "search").current(), lambda: datetime.now(UTC))
    within = "within" in inspect.signature(engine.term_completions).parameters
    prefixes = _prefixes(_queries(args.queries, args.max_queries))
    timings: dict[str, list[float]] = {"title completions (8)": [], "word completions (4)": []}
    for _ in range(args.rounds):
        for prefix in prefixes:
            head, _, last = prefix.rpartition(" ")
            started = time.perf_counter()
            engine.title_completions(prefix, 8)
            timings["title completions (8)"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            engine.term_completions(last, 4, within=head) if within else engine.term_completions(last, 4)
            timings["word completions (4)"].append((time.perf_counter() - started) * 1000)
    print(
        f"{engine.count():,} products; {len(prefixes):,} prefixes x {args.rounds} rounds; words counted after the "
        f"words before them: {'yes' if within else 'no (older code)'}"
    )
    for name, values in timings.items():
        p50, p90, p99 = (percentile(values, q) for q in (50, 90, 99))
        print(f"{name}: p50 {p50:.2f} ms, p90 {p90:.2f} ms, p99 {p99:.2f} ms, mean {sum(values) / len(values):.2f} ms")
    print("; ".join(f"{k} {v}" for k, v in machine().items()))


def _queries(path: Path | None, limit: int) -> list[str]:
    if path is None:
        return BUILT_IN
    """One query a line, or a TSV whose second column is the query (WANDS: query_id, query, query_class)."""
    rows = (
        line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1 if path.suffix == ".tsv" else 0 :]
    )
    return [q for q in dict.fromkeys((row[1] if len(row) > 1 else row[0]).strip().lower() for row in rows) if q][:limit]


def _prefixes(queries: list[str]) -> list[str]:
    """Each query as typed, one keystroke at a time ("bl", "blu", "blue", "blue s", ...), from two characters."""
    return list(dict.fromkeys(q[:n].rstrip() for q in queries for n in range(2, len(q) + 1) if q[:n].strip()))


if __name__ == "__main__":
    main()
