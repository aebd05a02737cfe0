"""Turns bench/search_latency.py's results into bench/reports/search_latency.md (and prints the key lines)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import search_latency_data as data
from common import Report, command_line, machine, ms, now_utc, package_versions, summarize

CLASSES = ("keyword", "filtered", "faceted", "sorted", "all")
GOAL_P99_MS = 15.0
HTTP_COLUMNS = [
    "clients",
    "requests",
    "rps",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "took_ms p50",
    "took_ms p99",
    "errors",
    "zero results",
    "relaxed",
    "server CPU",
    "client CPU",
    "other CPU",
]


def write_report(path: Path, results: dict[str, Any]) -> Path:
    engine, pipeline = results["engine"], results["pipeline"]
    report = Report("Search latency")
    report.facts("Run", _run_facts(results))
    report.facts(
        "Machine", {**machine(), "packages": package_versions(["tantivy", "fastapi", "uvicorn", "sqlalchemy"])}
    )
    _dataset(report, results)
    _phase1(report, engine)
    _preparation(report, pipeline["prepared"], pipeline["index_bytes"])
    _in_process(report, pipeline, engine)
    _http(report, pipeline["http"], results)
    _where_time_goes(report, pipeline["profile"])
    return report.write(path)


def _run_facts(results: dict[str, Any]) -> dict[str, Any]:
    minutes = (results["finished"] - results["started"]) / 60
    load = " / ".join(f"{x:.2f}" for x in results["load_at_start"])
    return {
        "date": now_utc(),
        "command": f"`{command_line()}`",
        "wall time": f"{minutes:.1f} min",
        "load average at start (1/5/15 min)": f"{load} on {os.cpu_count()} cores (other work shares this machine)",
    }


def _dataset(report: Report, results: dict[str, Any]) -> None:
    args, queries = results["args"], results["engine"]["streams"]["measured"]
    mix = Counter(q["cls"] for q in queries)
    examples = {cls: next(q for q in queries if q["cls"] == cls) for cls in mix}
    report.facts(
        "Dataset and query mix",
        {
            "engine phase": f"{args['products']:,} generated products (synthetic catalog, seed 7)",
            "pipeline/HTTP phase": _http_dataset(args["products"], results["http_products"]),
            "queries": f"{len(queries)} timed in-process: " + ", ".join(f"{cls} {n}" for cls, n in mix.items()),
            "repeats": f"{data.repeat_share(queries):.0%} of them repeat an earlier query's words and filters (the "
            "Zipf-like head), which is what the service's facet cache (5 min) can answer; warm-ups, the profile and "
            "each HTTP run draw their own stream from the same distribution",
            **{f"e.g. {cls}": f"`{ {k: v for k, v in q.items() if k != 'cls'} }`" for cls, q in examples.items()},
        },
    )


def _http_dataset(products: int, http_products: int) -> str:
    which = "the same" if http_products == products else f"the first {http_products:,} (--http-products) of the"
    return f"{which} products, imported into SQLite with their generated reviews through the catalog importer"


def _phase1(report: Report, engine: dict[str, Any]) -> None:
    docs, total = engine["documents"], engine["total_seconds"]
    report.facts(
        f"Phase 1: bulk indexing {docs:,} documents (engine only)" + (" - built in an earlier run" * engine["reused"]),
        {
            "generating the documents": f"{engine['generate_seconds']:.0f} s (catalog, domain Product, build_document)",
            "indexing (upsert + commit + merges)": f"{total:.0f} s = {docs / total:,.0f} docs/s "
            f"(upsert {engine['upsert_seconds']:.0f} s, commit {engine['commit_seconds']:.0f} s, "
            f"waiting for merges {engine['merge_wait_seconds']:.0f} s)",
            "writer": f"{engine['writer_threads']} threads, {engine['writer_heap_mib']} MiB heap",
            "index size on disk": f"{engine['index_bytes'] / 2**20:,.0f} MiB ({engine['segments']} segments)",
        },
    )
    on, on_wall, on_totals = engine["facets_on"]
    off, off_wall, _ = engine["facets_off"]
    zero = sum(1 for t in on_totals if t == 0)
    rows = [_latency_row(cls, on.get(cls, []), off.get(cls, [])) for cls in CLASSES]
    report.table(
        f"Phase 1: the query mix against the engine at {docs:,} documents, one query at a time",
        ["class", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "p50 no facets", "p99 no facets"],
        rows,
        note=f"Facets on (as the service always asks): {len(on['all']) / on_wall:,.0f} queries/s on one thread; "
        f"facets off: {len(off['all']) / off_wall:,.0f} queries/s. {zero} of {len(on_totals)} queries matched nothing "
        "(the service would then relax them, costing more engine calls).",
    )
    print("\n".join(f"engine {r[0]:>8}: p50 {r[2]} p99 {r[4]} ms" for r in rows))


def _latency_row(cls: str, values: list[float], other: list[float] | None = None) -> list[Any]:
    s = summarize(values)
    row = [cls, s["n"], ms(s["p50"]), ms(s["p95"]), ms(s["p99"]), ms(s["max"])]
    if other is not None:
        o = summarize(other)
        row += [ms(o["p50"]), ms(o["p99"])]
    return row


def _preparation(report: Report, prepared: dict[str, Any], index_bytes: int) -> None:
    note = " - built in an earlier run (--reuse)" if prepared["reused"] else ""
    report.facts(
        f"Phase 2: preparing the data dir{note}",
        {
            "import (CatalogImporter, batches of 500)": f"{prepared['imported']:,} products + "
            f"{prepared['reviews_imported']:,} reviews in {prepared['import_seconds']:,.0f} s = "
            f"**{prepared['imported'] / prepared['import_seconds']:,.0f} products/s**",
            "outbox left by the import": f"{prepared['outbox_events_drained']:,} events, marked delivered with no "
            f"subscriber in {prepared['drain_seconds']:.0f} s (the rebuild below indexes every product anyway)",
            "rebuild (aisle reindex semantics)": f"{prepared['indexed']:,} docs in {prepared['reindex_seconds']:.0f} s "
            f"= {prepared['indexed'] / max(prepared['reindex_seconds'], 0.1):,.0f} docs/s",
            "index size on disk": f"{index_bytes / 2**20:,.0f} MiB",
        },
    )


def _in_process(report: Report, pipeline: dict[str, Any], engine: dict[str, Any]) -> None:
    eng, _w, _t = pipeline["engine_only"]
    svc, svc_wall, svc_totals = pipeline["service"]
    at_1m = engine["facets_on"][0]
    rows = []
    for cls in CLASSES:
        a, b, c = summarize(at_1m.get(cls, [])), summarize(eng.get(cls, [])), summarize(svc.get(cls, []))
        rows.append([cls, ms(a["p50"]), ms(a["p99"]), ms(b["p50"]), ms(b["p99"]), ms(c["p50"]), ms(c["p99"])])
    n = f"{engine['documents']:,}"
    report.table(
        "Phase 2: in-process, one query at a time (ms)",
        ["class", f"engine p50 @{n}", f"engine p99 @{n}", "engine p50", "engine p99", "service p50", "service p99"],
        rows,
        note="'engine' columns without a size ran on the phase-2 index; 'service' is SearchService.search on it "
        "(query understanding, engine, relaxation, re-rank, hydration from SQLite, facets view), "
        f"{len(svc['all']) / svc_wall:,.0f} searches/s on one thread; "
        f"{sum(1 for t in svc_totals if t == 0)} answered with no result.",
    )


def _http(report: Report, http: dict[str, Any], results: dict[str, Any]) -> None:
    rows = [_http_row(http[key]) for key in ("single", "loaded")]
    report.table(
        f"Phase 2: over HTTP, `aisle serve` (one process) at {results['http_products']:,} products",
        HTTP_COLUMNS,
        rows,
        note=f"Server ready {http['ready_seconds']:.1f} s after start; its first search took "
        f"{http['first_query_seconds'] * 1000:,.0f} ms (it builds the spelling vocabulary). 'took_ms' is the server's "
        "own time inside the search pipeline; the rest of the latency is HTTP, JSON, the threadpool and queueing. "
        "CPU is seconds used per second of wall time (2.0 = both cores); 'other' is every other process on this "
        "shared machine.",
    )
    loaded = http["loaded"]
    report.table(
        f"Phase 2: over HTTP by class, {loaded.clients} clients",
        ["class", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"],
        [_latency_row(cls, loaded.latency_ms.get(cls, [])) for cls in CLASSES],
    )
    p99 = summarize(loaded.latency_ms.get("all", []))["p99"]
    single_p99 = summarize(http["single"].latency_ms.get("all", []))["p99"]
    report.text(
        "Against the goal",
        f"Goal: p99 <= {GOAL_P99_MS:.0f} ms over HTTP at 1M products with facets, >= 1,000 rps. Reached at "
        f"{results['http_products']:,} products: p99 **{ms(single_p99)} ms** one client at a time, **{ms(p99)} ms** "
        f"with {loaded.clients} clients at **{loaded.rps:,.0f} rps**. The engine alone at "
        f"{results['engine']['documents']:,} documents has p99 "
        f"{ms(summarize(results['engine']['facets_on'][0]['all'])['p99'])} ms (phase 1).",
    )
    print(f"http 1 client: p99 {ms(single_p99)} ms; {loaded.clients} clients: p99 {ms(p99)} ms, {loaded.rps:,.0f} rps")


def _http_row(run: Any) -> list[Any]:
    s, took = summarize(run.latency_ms.get("all", [])), summarize(run.took_ms)
    errors = sum(run.errors.values())
    others = run.machine_cpu_seconds - run.server_cpu_seconds - run.client_cpu_seconds
    cpu = [f"{seconds / run.seconds:.2f}" for seconds in (run.server_cpu_seconds, run.client_cpu_seconds, others)]
    latencies = [ms(s[k]) for k in ("p50", "p95", "p99", "max")] + [ms(took["p50"]), ms(took["p99"])]
    error_text = f"{errors} {dict(run.errors)}" if errors else "0"
    return [run.clients, run.requests, f"{run.rps:,.0f}", *latencies, error_text, run.zero_results, run.relaxed, *cpu]


def _where_time_goes(report: Report, profile: dict[str, Any]) -> None:
    steps = profile["steps"]
    report.table(
        "Where the time goes (cProfile of SearchService.search, in-process)",
        ["step", "ms per search", "% of profiled time"],
        [(label, ms(per), f"{share:.0f}%") for label, per, share in steps],
        note=f"{profile['queries']} queries of the mix; {ms(profile['profiled_ms_per_query'])} ms per search under "
        "the profiler, which inflates Python code more than Tantivy's native code. Indented rows are part of the row "
        "above them.",
    )
    report.table(
        None,
        ["function (own time)", "ms per search", "%"],
        [(name, ms(per), f"{share:.0f}%") for name, per, share in profile["top_own"]],
    )
    top = sorted((s for s in steps[1:] if not s[0].startswith(" ") and "SQLAlchemy" not in s[0]), key=lambda s: -s[2])
    sentence = "; ".join(f"{label} {share:.0f}%" for label, _per, share in top[:4])
    report.text(None, f"In short, a search's time goes to: {sentence}.")
    print(f"where time goes: {sentence}")
