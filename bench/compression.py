"""What compressing answers costs and saves: real answers of a running aisle (search pages of 20 and 100 cards, a
product page, the storefront's search page, the API description), fetched uncompressed, then gzip'd here at the
levels 1, 5 (what `aisle serve` uses) and 9, each many times: the size and the time per answer (p50, p99).

Usage: .venv/bin/python bench/compression.py [--url http://127.0.0.1:8000] [--rounds 200]
       [--report bench/reports/compression.md]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, Report, ms, summarize

LEVELS = (1, 5, 9)
QUERIES = ("headphones", "iphone 6 case", "laptop", "samsung galaxy s7")


def main() -> None:
    args = _arguments()
    started = time.monotonic()
    answers = _answers(args.url)
    rows = []
    for name, body in answers.items():
        for level in LEVELS:
            seconds = []
            for _ in range(args.rounds):
                begun = time.perf_counter()
                packed = gzip.compress(body, compresslevel=level)
                seconds.append((time.perf_counter() - begun) * 1000)
            took = summarize(seconds)
            ratio = len(body) / len(packed)
            sizes = (f"{len(body):,}", level, f"{len(packed):,}", f"{ratio:.1f}x")
            rows.append((name, *sizes, ms(took["p50"]), ms(took["p99"])))
    report = Report("Compressing answers: size and CPU per answer")
    report.run_and_machine((time.monotonic() - started) / 60)
    setup = {
        "server": args.url,
        "products in its catalog": f"{_catalog_size(args.url):,}",
        "queries": ", ".join(QUERIES),
    }
    report.facts("Setup", {**setup, "rounds per answer and level": args.rounds})
    headers = ("answer", "bytes", "gzip level", "compressed bytes", "smaller by", "p50 ms", "p99 ms")
    report.table("Results", headers, rows)
    print(report.write(args.report))


def _answers(url: str) -> dict[str, bytes]:
    """Each answer as the server sends it uncompressed."""
    plain = {"Accept-Encoding": "identity"}
    with httpx.Client(base_url=url, headers=plain, timeout=60) as client:
        found: dict[str, bytes] = {}
        for q in QUERIES:
            for size in (20, 100):
                search = client.get("/api/v1/products/search", params={"q": q, "page_size": size})
                found[f"search '{q}', {size} cards"] = search.content
        first = client.get("/api/v1/products/search", params={"q": QUERIES[0]}).json()["results"][0]["product_id"]
        found["product page (API)"] = client.get(f"/api/v1/products/{first}").content
        found["search page (HTML)"] = client.get("/search", params={"q": QUERIES[0]}).content
        found["API description"] = client.get("/openapi.json").content
    return found


def _catalog_size(url: str) -> int:
    return int(httpx.get(f"{url}/api/v1/products/search", params={"page_size": 1}, timeout=60).json()["total"])


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running aisle with a catalog loaded")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--report", type=Path, default=REPO / "bench/reports/compression.md")
    return parser.parse_args()


if __name__ == "__main__":
    main()
