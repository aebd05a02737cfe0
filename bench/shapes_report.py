"""The markdown report of bench/shapes.py: one table, metric x shape, then the facts behind it."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import Report, command_line, ms, summarize


def summaries(shape: dict[str, Any]) -> dict[str, Any]:
    """Percentiles of one shape's raw client lists, plus its set-up and server facts."""
    client = shape["client"]
    search, pdp, fresh = client["search"], client["pdp"], client["fresh"]
    return {
        "load": shape["load"],
        "search": summarize(search["latency_ms"]),
        "search_took": summarize(search["took_ms"]),
        "search_by_class": {cls: summarize(v) for cls, v in search["by_class"].items()},
        "search_rps": len(search["latency_ms"]) / search["seconds"] if search["seconds"] else math.nan,
        "search_errors": search["errors"],
        "search_error_samples": search.get("error_samples", []),
        "search_degraded": search["degraded"],
        "search_degraded_samples": search.get("degraded_samples", []),
        "search_zero": search["zero"],
        "warmup": summarize(client["search_warmup"]["latency_ms"]),
        "single": summarize(client["search_single"]["latency_ms"]),
        "single_took": summarize(client["search_single"]["took_ms"]),
        "single_errors": client["search_single"]["errors"],
        "warmup_errors": client["search_warmup"]["errors"],
        "pdp_miss": summarize(pdp["miss_ms"]),
        "pdp_hit": summarize(pdp["hit_ms"]),
        "pdp_errors": pdp["errors"],
        "fresh_write": summarize(fresh["write_ms"]),
        "fresh": summarize(fresh["searchable_ms"]),
        "fresh_never": fresh["never"],
        "fresh_errors": fresh["errors"],
        "fresh_polls": fresh["polls"],
        **{k: shape[k] for k in ("ready_seconds", "client_seconds", "server_cpu_seconds", "server_rss_mib")},
        **{k: shape[k] for k in ("loadavg_before", "loadavg_after", "server_errors", "server_log_tail")},
    }


def _errors(counter: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counter.items()) or "0"


def _la(values: Any) -> str:
    return " / ".join(f"{x:.2f}" for x in values)


ROWS: list[tuple[str, Any]] = [
    ("search, 1 client alone: p50 / p99 (ms)", lambda s: f"{ms(s['single']['p50'])} / {ms(s['single']['p99'])}"),
    ("search, 1 client alone: took_ms p50 (server)", lambda s: ms(s["single_took"]["p50"])),
    ("search p50 (ms), all clients", lambda s: ms(s["search"]["p50"])),
    ("search p99 (ms), all clients", lambda s: ms(s["search"]["p99"])),
    ("search throughput (req/s)", lambda s: f"{s['search_rps']:.1f}"),
    ("search requests / errors", lambda s: f"{s['search']['n']:,} / {_errors(s['search_errors'])}"),
    ("search degraded / zero-result answers", lambda s: f"{s['search_degraded']} / {s['search_zero']}"),
    (
        "search pipeline took_ms p50 / p99 (server)",
        lambda s: f"{ms(s['search_took']['p50'])} / {ms(s['search_took']['p99'])}",
    ),
    ("PDP cache miss p50 / p99 (ms)", lambda s: f"{ms(s['pdp_miss']['p50'])} / {ms(s['pdp_miss']['p99'])}"),
    ("PDP cache hit p50 / p99 (ms)", lambda s: f"{ms(s['pdp_hit']['p50'])} / {ms(s['pdp_hit']['p99'])}"),
    ("PDP requests / errors", lambda s: f"{s['pdp_miss']['n'] + s['pdp_hit']['n']} / {_errors(s['pdp_errors'])}"),
    (
        "seller create (write) p50 / p99 (ms)",
        lambda s: f"{ms(s['fresh_write']['p50'])} / {ms(s['fresh_write']['p99'])}",
    ),
    ("write -> searchable p50 (ms)", lambda s: ms(s["fresh"]["p50"])),
    ("write -> searchable p99 (ms)", lambda s: ms(s["fresh"]["p99"])),
    ("write -> searchable max (ms)", lambda s: ms(s["fresh"]["max"])),
    ("writes never found in 30 s / freshness errors", lambda s: f"{s['fresh_never']} / {_errors(s['fresh_errors'])}"),
    (
        "import (s) / stock (s) / `aisle reindex` (s)",
        lambda s: (
            f"{s['load']['import_seconds']:.0f} / {s['load']['stock_seconds']:.0f} / {s['load']['reindex_seconds']:.0f}"
        ),
    ),
    ("`aisle serve` ready after (s)", lambda s: f"{s['ready_seconds']:.1f}"),
    (
        "server CPU during the client run (s) / RSS at end (MiB)",
        lambda s: f"{s['server_cpu_seconds']:.0f} / {s['server_rss_mib']:.0f}",
    ),
    ("load average before / after (1/5/15)", lambda s: f"{_la(s['loadavg_before'])} → {_la(s['loadavg_after'])}"),
    ("exceptions/warnings in the server log", lambda s: sum(s["server_errors"].values())),
]


def write_report(path: Path, results: dict[str, Any]) -> Path:
    args = results["args"]
    shapes = {name: summaries(shape) for name, shape in results["shapes"].items()}
    names = list(shapes)
    report = Report("Embedded vs distributed: the same workload on both shapes")
    report.facts(
        "Run",
        {
            "date": datetime.fromtimestamp(results["started"], UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": f"`{results.get('command') or command_line()}`",
            "wall time": f"{results['finished'] - results['started']:.0f} s (set-up, serving and measuring all shapes)",
            "dataset": f"{args['products']:,} generated products with generated reviews (generate_catalog, seed 7), "
            "imported with the catalog importer, every variant stocked, indexed with `aisle reindex`",
            "workload": f"search: {args['clients']} keep-alive clients for {args['duration']:.0f} s after a "
            f"{args['warmup']:.0f} s warm-up over 2,000 other queries, a 10,000-query mix (35% keywords, 25% "
            "keyword+filter, 20% category facets, 20% sorted) from the catalog's title words, each client on its own "
            f"stretch; PDP: {args['pdp']} distinct products fetched once (miss) then "
            f"again (hit), one at a time; freshness: {args['fresh']} seller-API creates at {args['fresh_rate']:.0f}/s, "
            f"each polled in search every {args['poll_ms']:.0f} ms",
            "shapes": "embedded = `aisle serve` (SQLite, Tantivy, in-process cache/bus/workers); distributed = "
            "`AISLE_PROFILE=distributed aisle serve --with-workers` (PostgreSQL, OpenSearch, Redis DB 14, Kafka) on "
            "this same machine; run one after the other, the load generator in a separate process",
        },
    )
    report.table(
        "Results",
        ["metric", *names],
        [[label, *(fn(shapes[n]) for n in names)] for label, fn in ROWS],
        note="Client-side latencies in ms. write -> searchable counts from the create's acknowledgement to "
        "the sending of the first search that returned the product.",
    )
    classes = sorted({c for s in shapes.values() for c in s["search_by_class"]})
    report.table(
        "Search p50 / p99 by query class (ms)",
        ["class", *names],
        [[c, *(_class_cell(shapes[n], c) for n in names)] for c in classes],
    )
    report.facts("Machine (before the run)", results["machine_before"])
    report.facts("Load average after the run", {"1/5/15 min": results["machine_after"]["load average (1/5/15 min)"]})
    for name, s in shapes.items():
        report.facts(
            f"What went wrong or looked odd: {name}",
            {
                "search errors": _errors(s["search_errors"]),
                "search error samples": "; ".join(s["search_error_samples"]) or "none",
                "degraded samples": "; ".join(s["search_degraded_samples"]) or "none",
                "warm-up / one-client errors": f"{_errors(s['warmup_errors'])} / {_errors(s['single_errors'])}",
                "server log (exceptions/warnings, by line)": _errors(s["server_errors"]) or "none",
                "reindex output": " / ".join(s["load"]["reindex_output"]),
            },
        )
    report.text("Where each shape spends its time", notes(shapes, args["clients"]))
    return report.write(path)


def _class_cell(s: dict[str, Any], cls: str) -> str:
    found = s["search_by_class"].get(cls)
    return f"{ms(found['p50'])} / {ms(found['p99'])} (n={found['n']})" if found else "n/a"


def notes(shapes: dict[str, dict[str, Any]], clients: int) -> str:
    """Where the time goes, from this run's numbers and how each shape is wired (bootstrap.py)."""
    lines = []
    if e := shapes.get("embedded"):
        lines.append(
            f"**Embedded**: the search pipeline itself (took_ms p50 {ms(e['search_took']['p50'])} ms: Tantivy "
            "in-process; facet counts are cached per query, but this mix seldom repeats one) is "
            f"{_share(e)} of the client's p50 {ms(e['search']['p50'])} ms under {clients} clients (one client "
            f"alone: {ms(e['single']['p50'])} ms); the rest is HTTP, JSON and waiting for one of the machine's CPUs, "
            "which the server shares with the load generator. A PDP miss reads SQLite (product, offers, stock, "
            "prices) and asks Tantivy for related products; a hit is an in-memory lookup. A write is searchable "
            "once the in-process relay hands its outbox event to the index builder and Tantivy commits and reloads."
        )
    if d := shapes.get("distributed"):
        lines.append(
            f"**Distributed**: took_ms p50 {ms(d['search_took']['p50'])} ms ({_share(d)} of the client's "
            f"{ms(d['search']['p50'])} ms) is the pipeline waiting on OpenSearch (query and facet aggregations) and "
            "on cards from PostgreSQL/Redis. OpenSearch's JVM, PostgreSQL, Kafka and Redis share this machine's CPUs "
            f"with the Python server and the load generator: one client alone sees took_ms p50 "
            f"{ms(d['single_took']['p50'])} ms, so most of the rest under {clients} clients is queueing. A PDP miss "
            "pays several PostgreSQL round trips, an OpenSearch related-products query and a Redis write; a hit is "
            "one Redis GET. A write becomes searchable after outbox relay (poll) -> Kafka -> index-builder consumer "
            "(poll) -> PostgreSQL re-read -> OpenSearch bulk + refresh: two polling hops and a refresh more than "
            "embedded."
        )
    return "\n\n".join(lines)


def _share(s: dict[str, Any]) -> str:
    took, client = s["search_took"]["p50"], s["search"]["p50"]
    return f"{took / client:.0%}" if client and not math.isnan(took / client) else "n/a"
