"""Server render time of the storefront's pages (home, search, category, product) on a generated catalog.

Requests go through the whole ASGI app in-process (routing, services, caches, Jinja2), one at a time, so the
numbers are the server's own time per page, without a network. Each search and product page is a different query
or product, so page-level caches help only as they would for real traffic. Prints p50/p99 and writes
bench/reports/pages.md."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from common import REPO, Report, command_line, machine, ms, now_utc, prepare_catalog_dir, summarize

QUERIES = [
    "headphones",
    "wireless headphones under $100",
    "samsng",
    "running shoes",
    "laptop with 4+ stars",
    "coffee",
    "cotton t-shirt",
    "hard drive 1tb",
    "toys",
    "kitchen knife",
    "dog",
    "book",
    "case",
    "cheapest charger",
    "bluetooth speaker",
    "desk lamp",
    "yoga mat",
    "water bottle",
    "backpack",
    "jacket under $50",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=20_000, help="generated catalog size")
    parser.add_argument("--requests", type=int, default=200, help="requests per page type")
    parser.add_argument("--reuse", action="store_true", help="keep a data dir that already holds this catalog")
    parser.add_argument("--workdir", type=Path, default=REPO / "var" / "bench-pages")
    args = parser.parse_args()
    built = prepare_catalog_dir(args.workdir, args.products, reviews=True, reuse=args.reuse)

    from fastapi.testclient import TestClient

    from aisle.bootstrap import bootstrap
    from aisle.entrypoints.api.app import create_app
    from aisle.settings import Settings

    container = bootstrap(Settings(data_dir=args.workdir, run_background_workers=False, searches_per_minute=1e9))
    try:
        with TestClient(create_app(container, manage_background=False)) as client:
            results = measure(client, args.requests)
    finally:
        container.stop()
    report(args, built, results)


def measure(client, requests: int) -> dict[str, tuple[list[float], int]]:
    rng = random.Random(7)
    products = []
    for query in QUERIES:
        found = client.get("/api/v1/products/search", params={"q": query, "page_size": 50}).json()["results"]
        products += [card["product_id"] for card in found]
    roots = client.get("/api/v1/categories").json()["categories"]
    categories = [node["id"] for root in roots for node in [root, *root["children"]]]
    rng.shuffle(products)
    pages: dict[str, Callable[[int], str]] = {
        "home /": lambda _i: "/",
        "search /search?q=…": lambda i: f"/search?q={QUERIES[i % len(QUERIES)]}&page={1 + i // len(QUERIES) % 3}",
        "category /c/{id}": lambda i: f"/c/{categories[i % len(categories)]}?page={1 + i // len(categories) % 3}",
        "product /p/{id}": lambda i: f"/p/{products[i % len(products)]}",
    }
    results = {}
    for name, path_of in pages.items():
        client.get(path_of(0))  # templates compiled, connections opened
        timings, size = [], 0
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(path_of(i))
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path_of(i), response.status_code)
            size = max(size, len(response.content))
        results[name] = (timings, size)
        stats = summarize(timings)
        print(f"{name:24} p50 {ms(stats['p50'])} ms  p99 {ms(stats['p99'])} ms  largest HTML {size / 1024:.1f} KB")
    return results


def report(args, built: dict, results: dict[str, tuple[list[float], int]]) -> None:
    out = Report("Storefront page render time")
    out.facts(
        "Run",
        {
            "date": now_utc(),
            "command": f"`{command_line()}`",
            "catalog": f"{built['imported']:,} "
            f"generated products, {built['reviews_imported']:,} reviews (embedded: SQLite + Tantivy)",
            "requests per page type": args.requests,
            "note": "the machine is shared with other engineers' work and was loaded; compare within a run",
        },
    )
    out.facts("Machine", machine())
    rows = []
    for name, (timings, size) in results.items():
        stats = summarize(timings)
        rows.append(
            [name, ms(stats["p50"]), ms(stats["p95"]), ms(stats["p99"]), ms(stats["max"]), f"{size / 1024:.1f}"]
        )
    out.table(
        "Server time per page (ms, one request at a time, in-process ASGI)",
        ["page", "p50", "p95", "p99", "max", "largest HTML (KB)"],
        rows,
    )
    path = out.write(REPO / "bench" / "reports" / "pages.md")
    print(f"report: {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
