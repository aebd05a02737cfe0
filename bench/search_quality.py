"""Search quality on the real Best Buy catalog: zero-result rate on real queries, and known-item search.

Method
  1. A fresh embedded aisle in a temporary data dir imports ``bestbuy/products.json`` through the importer (as
     ``aisle import`` does), drains the outbox into the index builder, and rebuilds query understanding so the
     spelling vocabulary and brand list are the catalog's.
  2. Zero results: each of the 2,120 real Best Buy queries (``queries/bestbuy_query_suggestions.json``) goes
     through ``SearchService.search``. "Zero before relaxation" means the first engine request matched nothing
     (``relaxed`` is set, or total is 0); "zero after" means the final answer is still empty. Rates are per query
     and weighted by the file's popularity (1,369 queries have popularity 0, so a popularity >= 1 row is given too).
     The queries cover the whole Best Buy store while the sample holds only "Cell Phones": the fair subset is the
     queries whose per-category hit counts in the file name a "Cell Phones" category (at any level; the file
     lists each level's top category only).
  3. Known items: products are sampled with a seed (ordered by SKU, so runs are reproducible) and a query is built
     from each title the way shoppers type it (see ``search_quality_queries``: first 3-5 words, the same with one
     typo, brand + product type, model number). No query copies a title whole. The rank of the target is looked up
     on page 1 (10 results) and, when missed, page 2; products with the very same title count as the target.
     Reported: MRR@20, recall@1 and recall@10 per query type, overall and on the "unambiguous" queries: those
     whose words (before the typo) appear together in no other distinct title of the catalog, so that only
     ranking, not the query, can put another product first. "Outranked" counts targets ranked below products
     whose titles lack a query word (at most 20 products' titles hold the query's words, yet the target is not among
     the first that many results): those are ranking or matching failures, not ambiguity. Products that score
     the same (colour variants) come back in an order the engine picks, not a stable one, so a rerun moves a
     few ranks (about 0.003 on the rates).
Only public service APIs are used (importer, relay, catalog listing, SearchService); no index internals.

Run from the repository root (about a minute on 2 cores):
    .venv/bin/python bench/search_quality.py [--data ../shared/data] [--sample 500] [--seed 7] [--out bench/reports]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, however the script is started
import search_quality_queries as qb
import search_quality_report as out

from aisle.adapters.importers import readers
from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.shapes.search import search_shown
from aisle.services.search.params import SearchParams
from aisle.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGE_SIZE = 10
KINDS = ("words", "typo", "two_words", "model")


@dataclass
class Item:
    product_id: int
    sku: str
    title: str
    brand: str | None


@dataclass
class KindStats:
    ranks: list[int | None] = field(default_factory=list)
    unambiguous: list[bool] = field(default_factory=list)
    outranked: list[bool] = field(default_factory=list)  # below products that lack a query word: ranking failed
    examples: list[tuple[str, str, int | None, str]] = field(default_factory=list)  # query, target, rank, top 1

    def metrics(self, only_unambiguous: bool = False) -> tuple[int, float, float, float]:
        """(n, MRR@20, recall@1, recall@10)."""
        ranks = [r for r, u in zip(self.ranks, self.unambiguous, strict=True) if u or not only_unambiguous]
        n = max(len(ranks), 1)
        found = [r for r in ranks if r]
        return (
            len(ranks),
            sum(1 / r for r in found) / n,
            sum(r == 1 for r in found) / n,
            sum(r <= 10 for r in found) / n,
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_data = Path(os.environ.get("AISLE_SAMPLE_DATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="sample data dir (default: %(default)s)")
    parser.add_argument("--sample", type=int, default=500, help="known items to sample (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="seed for sampling and typos (default: %(default)s)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "reports", help="report dir (default: %(default)s)"
    )
    return parser.parse_args()


def build_catalog(data: Path, tmp: str) -> tuple[Container, list[Item]]:
    """Imports the Best Buy file into a fresh embedded aisle and makes the index and parser consistent."""
    container = bootstrap(Settings(data_dir=Path(tmp), run_background_workers=False))
    seller_id = container.sellers.get_or_create(readers.SOURCE_NAMES["bestbuy"]).seller_id
    summary = container.importer().run(seller_id, readers.read("bestbuy", data / "bestbuy" / "products.json"))
    print(summary.line(), file=sys.stderr)
    container.relay.drain()  # the index builder is subscribed to the bus
    container.understanding.rebuild()
    return container, catalog_items(container, seller_id)


def catalog_items(container: Container, seller_id: int) -> list[Item]:
    items, page = [], 1
    while batch := container.catalog.list_products(seller_id, None, page, 500).items:
        items += [Item(p.product_id, p.content.variants[0].sku, p.content.title, p.content.brand) for p in batch]
        page += 1
    return sorted(items, key=lambda i: i.sku)


def search(container: Container, q: str, page: int = 1) -> dict:
    return search_shown(container.search.search(SearchParams(q=q, page=page, page_size=PAGE_SIZE)))


def top_title(response: dict) -> str:
    return response["results"][0]["title"] if response["results"] else "(nothing)"


# ---- real queries: zero results ----


def hits_cell_phones(row: dict) -> bool:
    return any(
        value["value"].startswith("Cell Phones")
        for block in row["instant_search"]["facets"].values()
        for level, values in block.items()
        if level.startswith("hierarchicalCategories")
        for value in values
    )


def run_real_queries(container: Container, path: Path) -> list[dict]:
    rows = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        response = search(container, row["query"])
        understood, relaxed = response["query"], response["relaxed"]
        filters = understood["filters"]
        rows.append(
            {
                "query": row["query"],
                "popularity": row["popularity"],
                "fair": hits_cell_phones(row),
                "zero_before": relaxed is not None or response["total"] == 0,
                "zero_after": response["total"] == 0,
                "relaxed_steps": [f"{s['dropped']}:{s['value']}" for s in (relaxed or {}).get("steps", [])],
                "corrected": bool(understood["corrections"]),
                "brand": bool(filters["brand"]),
                "price": filters["price_min"] is not None or filters["price_max"] is not None,
                "rating": filters["rating_min"] is not None,
                "synonyms": bool(understood["synonyms"]),
                "understood": understood,
                "top": top_title(response),
                "total": response["total"],
            }
        )
    return rows


# ---- known items ----


def relevant_ids(items: list[Item]) -> dict[int, set[int]]:
    """Each product and every product with the very same title: the engine cannot tell those apart."""
    by_title: dict[str, set[int]] = {}
    for item in items:
        by_title.setdefault(item.title.casefold(), set()).add(item.product_id)
    return {item.product_id: by_title[item.title.casefold()] for item in items}


def title_index(items: list[Item]) -> list[tuple[str, frozenset[str], str | None]]:
    """Per product: its title, its title's words and its model number, to tell what a query could mean."""
    return [(i.title.casefold(), frozenset(qb.engine_words(i.title)), qb.model_number(i.title, i.brand)) for i in items]


def matching(kind: str, intent: str, titles: list[tuple[str, frozenset[str], str | None]]) -> tuple[int, int]:
    """(products, distinct titles) holding every word of the query (the same model number, for ``model``)."""
    wanted = qb.engine_words(intent)
    hits = [t for t, words, model in titles if (model == intent if kind == "model" else wanted <= words)]
    return len(hits), len(set(hits))


def rank_of(container: Container, q: str, wanted: set[int]) -> tuple[int | None, str]:
    first = search(container, q)
    pages = [first["results"]]
    if not any(int(r["product_id"]) in wanted for r in first["results"]) and first["total"] > PAGE_SIZE:
        pages.append(search(container, q, page=2)["results"])
    ranked = [int(r["product_id"]) for page in pages for r in page]
    return next((i + 1 for i, pid in enumerate(ranked) if pid in wanted), None), top_title(first)


def queries_for(item: Item, rng: random.Random) -> dict[str, tuple[str, str, str]]:
    """Per kind: (query, what it means without the typo, a note on how it was made)."""
    built: dict[str, tuple[str, str, str]] = {}
    words = qb.words_query(item.title, item.brand, rng)
    if words:
        built["words"] = (words, words, "")
        typo = qb.typo_query(words, rng)
        if typo:
            built["typo"] = (typo[0], words, typo[1])
    two = qb.two_word_query(item.title, item.brand)
    if two:
        built["two_words"] = (two, two, "")
    return built


def run_known_items(container: Container, items: list[Item], sample: int, seed: int) -> dict[str, KindStats]:
    rng = random.Random(seed)
    relevant, titles = relevant_ids(items), title_index(items)
    stats = {kind: KindStats() for kind in KINDS}
    planned = [(item, queries_for(item, rng)) for item in rng.sample(items, min(sample, len(items)))]
    with_model = [i for i in items if qb.model_number(i.title, i.brand)]  # rare: drawn from the whole catalog
    for item in rng.sample(with_model, min(sample, len(with_model))):
        model = qb.model_number(item.title, item.brand) or ""
        planned.append((item, {"model": (model, model, "")}))
    for item, queries in planned:
        for kind, (q, intent, note) in queries.items():
            rank, top = rank_of(container, q, relevant[item.product_id])
            stats[kind].ranks.append(rank)
            products, distinct = matching(kind, intent, titles)
            stats[kind].unambiguous.append(distinct <= 1)
            stats[kind].outranked.append(products <= 2 * PAGE_SIZE and (rank is None or rank > products))
            stats[kind].examples.append((q + (f"  [{note}]" if note else ""), item.title, rank, top))
    return stats


def main() -> None:
    args = parse_args()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="aisle-quality-") as tmp:
        started = time.perf_counter()
        container, items = build_catalog(args.data, tmp)
        seconds["import+index"] = time.perf_counter() - started
        try:
            started = time.perf_counter()
            rows = run_real_queries(container, args.data / "queries" / "bestbuy_query_suggestions.json")
            seconds["real queries"] = time.perf_counter() - started
            started = time.perf_counter()
            stats = run_known_items(container, items, args.sample, args.seed)
            seconds["known items"] = time.perf_counter() - started
        finally:
            container.stop()
    sizes = {"products": len(items), "queries": len(rows), "sample": min(args.sample, len(items)), "seed": args.seed}
    out.print_summary(rows, stats, seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "search_quality.md"
    target.write_text(out.report(__doc__ or "", qb.__doc__ or "", rows, stats, sizes, seconds), encoding="utf-8")
    print(f"report: {target}")


if __name__ == "__main__":
    main()
