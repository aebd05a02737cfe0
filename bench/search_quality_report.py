"""Tables for bench/search_quality.py: a compact summary on stdout and the Markdown report."""

from __future__ import annotations

import os
import shlex
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ZERO_HEADER = ("queries", "n", "zero before relax", "weighted", "zero after relax", "weighted")
KNOWN_HEADER = ("query type", "n", "MRR@20", "R@1", "R@10", "outranked", "unambiguous n", "MRR@20", "R@1", "R@10")
EXAMPLE_HEADER = ("query", "target", "rank", "rank 1")


def rate(rows: list[dict], key: str, weighted: bool) -> float:
    weight: Callable[[dict], int] = (lambda r: r["popularity"]) if weighted else (lambda _r: 1)
    total = sum(weight(r) for r in rows)
    return sum(weight(r) for r in rows if r[key]) / total if total else 0.0


def zero_table(rows: list[dict]) -> list[tuple]:
    subsets = {
        "all": rows,
        "popularity >= 1": [r for r in rows if r["popularity"] >= 1],
        "cell phones (fair)": [r for r in rows if r["fair"]],
        "fair, popularity >= 1": [r for r in rows if r["fair"] and r["popularity"] >= 1],
    }
    return [
        (
            name,
            len(subset),
            *(f"{100 * rate(subset, k, w):.1f}%" for k in ("zero_before", "zero_after") for w in (False, True)),
        )
        for name, subset in subsets.items()
    ]


def understanding_counts(rows: list[dict]) -> dict[str, int]:
    counts = {key: sum(r[key] for r in rows) for key in ("corrected", "brand", "price", "rating", "synonyms")}
    counts["relaxed"] = sum(bool(r["relaxed_steps"]) for r in rows)
    return counts


def known_rows(stats: dict[str, Any]) -> list[tuple]:
    def cells(s: Any) -> tuple:
        n, mrr, r1, r10 = s.metrics()
        un, umrr, ur1, ur10 = s.metrics(only_unambiguous=True)
        out = sum(s.outranked)
        return n, f"{mrr:.3f}", f"{r1:.3f}", f"{r10:.3f}", out, un, f"{umrr:.3f}", f"{ur1:.3f}", f"{ur10:.3f}"

    overall = type(next(iter(stats.values())))()
    for s in stats.values():
        overall.ranks += s.ranks
        overall.unambiguous += s.unambiguous
        overall.outranked += s.outranked
    return [(kind, *cells(s)) for kind, s in stats.items()] + [("overall", *cells(overall))]


def print_summary(rows: list[dict], stats: dict[str, Any], seconds: dict[str, float]) -> None:
    for header, table in ((ZERO_HEADER, zero_table(rows)), (KNOWN_HEADER, known_rows(stats))):
        widths = [max(len(str(x)) for x in col) for col in zip(header, *table, strict=True)]
        for line in (header, *table):
            print("  ".join(str(c).rjust(w) for c, w in zip(line, widths, strict=True)))
        print()
    print("query understanding:", understanding_counts(rows))
    print("seconds:", {k: round(v, 1) for k, v in seconds.items()})


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "unknown CPU")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal"))
    return f"nproc {os.cpu_count()}, {cpu}, {mem_kb / 1024**2:.1f} GiB RAM, Python {sys.version.split()[0]}"


def md_table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    cells = [tuple(str(c).replace("|", "\\|") for c in row) for row in rows]
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in cells)]


def real_query_sections(rows: list[dict]) -> list[str]:
    counts = understanding_counts(rows)
    steps = Counter(s.split(":")[0] for r in rows for s in r["relaxed_steps"])
    by_popularity = sorted(rows, key=lambda r: -r["popularity"])
    empty = [r for r in by_popularity if r["zero_after"]][:20]
    relaxed = [r for r in by_popularity if r["relaxed_steps"] and not r["zero_after"]][:15]
    fair = [r for r in by_popularity if r["fair"]][:10]
    return [
        "## Zero results on real queries",
        "",
        *md_table(ZERO_HEADER, zero_table(rows)),
        "",
        f"Query understanding over all {len(rows)} queries: {counts['corrected']} with spelling corrections, "
        f"{counts['brand']} with a brand filter, {counts['price']} with a price filter, {counts['rating']} with a "
        f"rating filter, {counts['synonyms']} with synonyms; {counts['relaxed']} relaxed "
        f"(steps: {', '.join(f'{k} {v}' for k, v in steps.most_common())}).",
        "",
        "### The 20 most popular queries still empty after relaxation",
        "",
        *md_table(
            ("query", "popularity", "fair", "keywords", "brands", "did you mean"),
            [
                (
                    r["query"],
                    r["popularity"],
                    r["fair"],
                    " ".join(r["understood"]["keywords"]),
                    ", ".join(r["understood"]["filters"]["brand"]),
                    r["understood"]["corrected"] or "",
                )
                for r in empty
            ],
        ),
        "",
        "### The 15 most popular queries answered only after relaxation (what the shopper sees)",
        "",
        *md_table(
            ("query", "popularity", "fair", "dropped", "total", "rank 1"),
            [
                (r["query"], r["popularity"], r["fair"], ", ".join(r["relaxed_steps"]), r["total"], r["top"])
                for r in relaxed
            ],
        ),
        "",
        "### The 10 most popular cell-phone (fair) queries, with rank 1",
        "",
        *md_table(
            ("query", "popularity", "total", "dropped", "rank 1"),
            [(r["query"], r["popularity"], r["total"], ", ".join(r["relaxed_steps"]), r["top"]) for r in fair],
        ),
    ]


def known_item_sections(stats: dict[str, Any]) -> list[str]:
    lines = ["## Known-item search", "", *md_table(KNOWN_HEADER, known_rows(stats))]
    for kind, s in stats.items():
        misses = [e for e, bad in zip(s.examples, s.outranked, strict=True) if bad][:10]
        lines += ["", f"### {kind}: the first 10 queries", "", *md_table(EXAMPLE_HEADER, s.examples[:10])]
        lines += ["", f"### {kind}: the first 10 outranked targets (below products lacking a query word)", ""]
        lines += md_table(EXAMPLE_HEADER, misses) if misses else ["(none)"]
    return lines


def report(method: str, queries_doc: str, rows: list[dict], stats: dict[str, Any], sizes: dict, seconds: dict) -> str:
    return (
        "\n".join(
            [
                "# Search quality on the Best Buy catalog",
                "",
                f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                f"- machine: {machine()}",
                f"- command: `{shlex.join(['.venv/bin/python', *sys.argv])}` (run in `{Path.cwd()}`)",
                f'- data: {sizes["products"]} Best Buy products imported (all under "Cell Phones"), {sizes["queries"]} '
                f"real queries; {sizes['sample']} known items sampled with seed {sizes['seed']}",
                f"- runtime: {', '.join(f'{k} {v:.1f} s' for k, v in seconds.items())}",
                "",
                "## Method",
                "",
                "```",
                method.strip(),
                "```",
                "",
                "Known-item queries:",
                "",
                "```",
                queries_doc.strip(),
                "```",
                "",
                *real_query_sections(rows),
                "",
                *known_item_sections(stats),
            ]
        )
        + "\n"
    )
