"""Relevance on the judged Best Buy development set (NDCG@10, P@10) and zero results before relaxation.

Method
  1. A fresh embedded aisle in a temporary data dir imports ``bestbuy/products.json`` through the importer, drains
     the outbox into the index builder and rebuilds query understanding (as ``bench/search_quality.py`` does).
  2. Judged queries (``relevance-dev/judgments.json``): each query goes through ``SearchService.search`` and its
     first 10 results are graded. A result's grade is looked up by its title in ``relevance-dev/names.json``
     (products that share a name share a grade, as the set's README says); unjudged results count as grade 0.
     NDCG@10 = DCG@10 / IDCG@10 with gain 2^g - 1 and discount log2(r + 1), IDCG from the query's best 10 judged
     grades. P@10 = results with grade >= 2 over 10. Judged share = judged results over results returned.
     Averaged with equal weight per query, overall and per stratum (the ``type`` column of ``pools.tsv``).
  3. Zero results before relaxation on the real queries (``queries/bestbuy_query_suggestions.json``) that Algolia
     answered in "Cell Phones" (hierarchicalCategories.lvl0) and whose words (lowercase alphanumeric tokens) all
     occur in the catalog's names, descriptions, brands or categories: the first engine request matched nothing
     (``relaxed`` is set, or total is 0).
  4. ``--twice``: the catalog is imported a second time into another fresh data dir and every judged query's
     top 10 is compared: a deterministic ranking gives the same ids in the same order.

This is a DEVELOPMENT set: tune on it, never special-case its strings. Only public service APIs are used.

  5. ``--opensearch URL``: the first import is also indexed into a throwaway OpenSearch alias by the same index
     builder, and steps 2-3 run again through a search service on it (the alias is deleted afterwards).
  6. ``--extra-grades TSV``: results the set's pools never held count with the grades in TSV (columns query,
     grade, reason, name) instead of 0, in the ideal ranking too; the set's own grades always win. The README of
     the set asks for this before trusting a comparison whose judged share fell. Report both numbers.

Run from the repository root (about a minute on 2 cores; a few more with --opensearch):
    .venv/bin/python bench/relevance.py [--data ../shared/data] [--twice] [--opensearch http://127.0.0.1:9200]
        [--extra-grades bench/reports/relevance-extra-grades.tsv] [--out bench/reports/relevance-run.md]
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import drop_opensearch_engine, machine

from aisle.adapters.cache.memory import MemoryCache
from aisle.adapters.importers import readers
from aisle.adapters.search.opensearch_engine import OpenSearchEngine
from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.shapes.search import search_shown
from aisle.services.clock import utc_now
from aisle.services.search.cards import ProductCards
from aisle.services.search.params import SearchParams
from aisle.services.search.service import SearchService
from aisle.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
TOP = 10
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class QueryScore:
    query: str
    stratum: str
    ndcg: float
    condensed: float  # NDCG@10 of the judged results only (unjudged ones left out, not counted as 0)
    precision: float
    judged_share: float
    top: list[tuple[str, int | None]]  # (title, grade or None when unjudged)
    ids: list[str]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_data = Path(os.environ.get("AISLE_SAMPLE_DATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data, help="sample data dir (default: %(default)s)")
    parser.add_argument("--twice", action="store_true", help="index a second time and compare the top 10s")
    parser.add_argument("--out", type=Path, default=None, help="write a markdown report here")
    parser.add_argument("--show", type=int, default=0, help="print the top N of the worst queries")
    parser.add_argument(
        "--extra-grades",
        type=Path,
        default=None,
        metavar="TSV",
        help="also grade results the set's pools never held, from a query/grade/reason/name file "
        "(e.g. bench/reports/relevance-extra-grades.tsv); the set's own grades always win",
    )
    parser.add_argument(
        "--opensearch",
        metavar="URL",
        default=None,
        help="also rank with OpenSearch at URL: the imported catalog is indexed into a throwaway alias there",
    )
    return parser.parse_args()


def plain(text: str) -> str:
    return " ".join(html.unescape(text).split())


def build(data: Path, tmp: str) -> Container:
    container = bootstrap(Settings(data_dir=Path(tmp), run_background_workers=False))
    seller_id = container.sellers.get_or_create(readers.SOURCE_NAMES["bestbuy"]).seller_id
    summary = container.importer().run(seller_id, readers.read("bestbuy", data / "bestbuy" / "products.json"))
    print(summary.line(), file=sys.stderr)
    container.relay.drain()
    container.understanding.rebuild()
    container.categories.forget()  # the tree as imported, not as cached while the import ran (a 10 s cache)
    return container


def grades_by_name(data: Path, extra: Path | None = None) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """query → {title: grade}, and query → stratum. ``extra``: more grades for results the pools never held."""
    judgments = json.loads((data / "relevance-dev" / "judgments.json").read_text(encoding="utf-8"))
    names = json.loads((data / "relevance-dev" / "names.json").read_text(encoding="utf-8"))
    graded = {q: {plain(names[pid]): g for pid, g in per.items()} for q, per in judgments.items()}
    for query, name, grade in extra_grades(extra) if extra else []:
        if query in graded:
            graded[query].setdefault(plain(name), grade)  # the set's own grade wins
    strata: dict[str, str] = {}
    with (data / "relevance-dev" / "pools.tsv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream, delimiter="\t"):
            strata.setdefault(row["query"], row["type"])
    return graded, strata


def extra_grades(path: Path) -> list[tuple[str, str, int]]:
    """(query, name, grade) rows of a tab-separated file with a header line; lines starting with # are notes."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = csv.DictReader(lines, delimiter="\t")
    return [(row["query"], row["name"], int(row["grade"])) for row in rows]


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades[:TOP]))


def score(query: str, stratum: str, grades: dict[str, int], results: list[dict]) -> QueryScore:
    top = [(r["title"], grades.get(plain(r["title"]))) for r in results[:TOP]]
    got = [g or 0 for _t, g in top]
    ideal = dcg(sorted(grades.values(), reverse=True))
    return QueryScore(
        query=query,
        stratum=stratum,
        ndcg=dcg(got) / ideal if ideal else 0.0,
        condensed=dcg([g for _t, g in top if g is not None]) / ideal if ideal else 0.0,
        precision=sum(g >= 2 for g in got) / TOP,
        judged_share=sum(g is not None for _t, g in top) / len(top) if top else 1.0,
        top=top,
        ids=[f"{r['title']}|{r['thumbnail_url']}" for r in results[:TOP]],
    )


def on_opensearch(container: Container, url: str) -> tuple[SearchService, OpenSearchEngine]:
    """The same catalog, indexed by the same index builder into a fresh OpenSearch alias, behind a search service
    wired as the distributed shape wires it (the database's cards, the same query understanding)."""
    engine = OpenSearchEngine(url, f"aisle-relevance-{os.getpid()}-{int(time.time())}", utc_now)
    container.index_builder.rebuild_into(engine)
    cards = ProductCards(container.uow, container.pricing.card_prices, utc_now, MemoryCache())
    return SearchService(engine, container.understanding, cards, container.categories, utc_now), engine


def judged_run(
    container: Container, data: Path, search: SearchService | None = None, extra: Path | None = None
) -> list[QueryScore]:
    graded, strata = grades_by_name(data, extra)
    scores = []
    for query, grades in graded.items():
        response = search_shown((search or container.search).search(SearchParams(q=query, page_size=TOP)))
        scores.append(score(query, strata.get(query, "?"), grades, response["results"]))
    return scores


def catalog_words(data: Path) -> set[str]:
    words: set[str] = set()
    for item in json.loads((data / "bestbuy" / "products.json").read_text(encoding="utf-8")):
        text = " ".join([item.get("name") or "", item.get("description") or "", item.get("brand") or ""])
        text += " " + " ".join(item.get("categories") or [])
        words.update(_WORD.findall(plain(text).lower()))
    return words


def answered_in_cell_phones(row: dict) -> bool:
    level0 = row["instant_search"]["facets"]["exact_matches"].get("hierarchicalCategories.lvl0", [])
    return any(v["value"] == "Cell Phones" and v["count"] > 0 for v in level0)


def zero_before_relaxation(
    container: Container, data: Path, search: SearchService | None = None
) -> tuple[int, list[str]]:
    """(queries measured, those that matched nothing before relaxation)."""
    known = catalog_words(data)
    rows = json.loads((data / "queries" / "bestbuy_query_suggestions.json").read_text(encoding="utf-8"))
    fair = [r["query"] for r in rows if answered_in_cell_phones(r) and set(_WORD.findall(r["query"].lower())) <= known]
    empty = []
    for query in fair:
        response = search_shown((search or container.search).search(SearchParams(q=query, page_size=TOP)))
        if response["relaxed"] or response["total"] == 0:
            empty.append(query)
    return len(fair), empty


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summary_rows(scores: list[QueryScore]) -> list[tuple[str, int, float, float, float, float]]:
    by_stratum: dict[str, list[QueryScore]] = defaultdict(list)
    for s in scores:
        by_stratum[s.stratum].append(s)
    rows = [(name, len(group), *_means(group)) for name, group in by_stratum.items()]
    return [*rows, ("overall", len(scores), *_means(scores))]


def _means(group: list[QueryScore]) -> tuple[float, float, float, float]:
    return (
        mean([s.ndcg for s in group]),
        mean([s.condensed for s in group]),
        mean([s.precision for s in group]),
        mean([s.judged_share for s in group]),
    )


def report(scores: list[QueryScore], fair: int, empty: list[str], same: tuple[int, int] | None, took: float) -> str:
    lines = ["| stratum | n | NDCG@10 | condensed NDCG@10 | P@10 | judged share |", "|---|---|---|---|---|---|"]
    lines += [f"| {n} | {c} | {a:.3f} | {d:.3f} | {b:.3f} | {j:.1%} |" for n, c, a, d, b, j in summary_rows(scores)]
    lines += ["", f"Zero results before relaxation: {len(empty)}/{fair} = {len(empty) / max(fair, 1):.1%}"]
    lines += [f"  empty: {', '.join(empty)}" if empty else "  (none)"]
    if same is not None:
        lines += ["", f"Indexed twice: {same[0]}/{same[1]} judged queries have the same top 10"]
    lines += ["", "| query | stratum | NDCG@10 | condensed | P@10 | judged |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {s.query} | {s.stratum} | {s.ndcg:.3f} | {s.condensed:.3f} | {s.precision:.2f} | {s.judged_share:.0%} |"
        for s in sorted(scores, key=lambda s: s.ndcg)
    ]
    lines += ["", f"runtime {took:.0f} s; machine: " + "; ".join(f"{k} {v}" for k, v in machine().items())]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aisle-relevance-") as tmp:
        container = build(args.data, tmp)
        scores = judged_run(container, args.data, extra=args.extra_grades)
        fair, empty = zero_before_relaxation(container, args.data)
        opensearch_text = ""
        if args.opensearch:
            search, engine = on_opensearch(container, args.opensearch)
            try:
                on_os = judged_run(container, args.data, search, args.extra_grades)
                os_fair, os_empty = zero_before_relaxation(container, args.data, search)
            finally:
                drop_opensearch_engine(engine, args.opensearch)
            opensearch_text = "\n\n## OpenSearch\n\n" + report(on_os, os_fair, os_empty, None, 0.0)
        container.stop()
    same = None
    if args.twice:
        with tempfile.TemporaryDirectory(prefix="aisle-relevance-") as tmp:
            again = build(args.data, tmp)
            second = judged_run(again, args.data, extra=args.extra_grades)
            again.stop()
        same = (sum(a.ids == b.ids for a, b in zip(scores, second, strict=True)), len(scores))
    text = report(scores, fair, empty, same, time.monotonic() - started) + opensearch_text
    if args.extra_grades:
        text = f"Grades: the set's, and {args.extra_grades} for results its pools never held\n\n" + text
    print(text)
    for s in sorted(scores, key=lambda s: s.ndcg)[: args.show]:
        print(f"\n## {s.query} ({s.ndcg:.3f})")
        for title, grade in s.top:
            print(f"  {'-' if grade is None else grade} {title}")
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
