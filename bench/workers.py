"""`aisle serve --workers N`: the same search load against 1 and N API processes over one embedded data dir.

A generated catalog (--products, built once and reused) is served by `aisle serve --workers 1`, then `--workers N`,
then each once more (1, N, 1, N: the shared machine's load drifts, and alternating spreads the drift over both).
Each run warms up until every process has answered, then --clients keep-alive clients (one connection each,
which the server closes every AISLE_REQUESTS_PER_CONNECTION requests, so the kernel places it again) send the
search_latency query mix for --duration seconds; the report counts each process's answers. Each server also
answers one client alone first (p50/p99 of a single shopper on it). Reports rps and p50/p99 per
run, the N/1 throughput ratio, the CPU the server processes used and the machine's load. Nothing asserts on time;
compare ratios within one run. A data dir made by `aisle import --format synthetic --count N` (seed 7) can be used
with --data-dir: it holds the same catalog the benchmark would build.

Rerun:  .venv/bin/python bench/workers.py --products 50000 --workers 2 --duration 20 --reuse
        .venv/bin/python bench/workers.py --products 1000000 --data-dir /var/tmp/aisle-1m/data
Report: bench/reports/workers.md
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import httpx
import search_latency_data as data
from common import AisleServer, Report, ms, prepare_catalog_dir, process_cpu_seconds
from search_latency_http import UNLIMITED, LoadResult, measure

REPORTS = Path(__file__).parent / "reports"
SEED_PRODUCTS = 100_000  # queries are built around the first this many products, as in search_latency.py
SINGLE_CLIENT_SECONDS = 10.0


def main() -> None:
    args = _arguments()
    started = time.time()
    data_dir, prepared = _data_dir(args)
    seeded = min(args.products, SEED_PRODUCTS)
    queries = data.query_mix(data.seeds_of(seeded), 20_000)
    runs: list[tuple[int, LoadResult, LoadResult, float]] = []
    for workers in (1, args.workers, 1, args.workers):
        single, result, load = _run(data_dir, args, workers, queries)
        print(
            f"workers {workers}: one client p99 {ms(_p(single, 0.99))} ms; {args.clients} clients "
            f"{result.rps:,.0f} rps, p99 {ms(_p(result, 0.99))} ms, answers per process {_shares(result)}, "
            f"load {load:.1f}"
        )
        runs.append((workers, single, result, load))
    _report(args, prepared, runs, started)


def _data_dir(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    if args.data_dir is not None:
        return args.data_dir, {"reused": True, "given": True}
    data_dir = args.workdir / f"workers-{args.products}"
    return data_dir, prepare_catalog_dir(data_dir, args.products, reviews=True, reuse=args.reuse)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--products", type=int, default=50_000, help="generated products in the catalog")
    parser.add_argument("--workers", type=int, default=2, help="API processes to compare with one")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per run")
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/aisle-bench"), help="where data is built")
    parser.add_argument("--reuse", action="store_true", help="keep a data dir built for the same catalog")
    parser.add_argument(
        "--data-dir", type=Path, help="serve this data dir (made by `aisle import --format synthetic`) instead"
    )
    parser.add_argument("--report", default="workers.md", help="report file name in bench/reports/")
    return parser.parse_args()


def _run(
    data_dir: Path, args: argparse.Namespace, workers: int, queries: list[dict[str, Any]]
) -> tuple[LoadResult, LoadResult, float]:
    """One client alone, then --clients at once, each on its own part of the query stream."""
    log = args.workdir / f"workers-serve-{workers}.log"
    with AisleServer(data_dir, log, env=UNLIMITED, args=["--workers", str(workers)]) as server:
        _until_every_process_answered(server.url, workers)
        measure(server, queries[:2000], clients=args.clients, duration=5.0)  # warm-up: caches, vocabulary
        single = measure(server, queries[2000:8000], clients=1, duration=SINGLE_CLIENT_SECONDS)
        cpu_before = _tree_cpu(server.process.pid)
        result = measure(server, queries[8000:], clients=args.clients, duration=args.duration)
        result.server_cpu_seconds = _tree_cpu(server.process.pid) - cpu_before
    return single, result, os.getloadavg()[0]


def _until_every_process_answered(url: str, workers: int) -> None:
    seen: set[str] = set()
    deadline = time.monotonic() + 180
    while len(seen) < workers and time.monotonic() < deadline:
        response = httpx.get(url + "/readyz", timeout=30, headers={"Connection": "close"})
        seen.add(response.headers.get("x-aisle-process", "single"))
        time.sleep(0.05)


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and all its descendants (uvicorn's workers are children of `aisle serve`)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += process_cpu_seconds(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _shares(result: LoadResult) -> str:
    """How the kernel spread the clients' connections: each process's answers, busiest first."""
    return " / ".join(str(count) for count in sorted(result.by_process.values(), reverse=True))


def _p(result: LoadResult, q: float) -> float:
    values = sorted(result.latency_ms.get("all", []))
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _report(
    args: argparse.Namespace,
    prepared: dict[str, Any],
    runs: list[tuple[int, LoadResult, LoadResult, float]],
    started: float,
) -> None:
    report = Report(f"`aisle serve --workers {args.workers}` against `--workers 1`")
    report.run_and_machine((time.time() - started) / 60)
    report.facts(
        "Setup",
        {
            "catalog": f"{args.products:,} generated products with reviews, embedded shape (SQLite + Tantivy)"
            + (f" (data dir {args.data_dir}, made by `aisle import`)" if prepared.get("given") else "")
            + (" (data dir from an earlier run)" if prepared.get("reused") and not prepared.get("given") else ""),
            "load": f"{args.clients} keep-alive clients, the search_latency query mix (keyword, filtered, faceted, "
            "sorted), "
            f"{args.duration:g} s per run after a 5 s warm-up and {SINGLE_CLIENT_SECONDS:g} s of one client alone; "
            f"runs alternate 1, {args.workers}, 1, {args.workers}",
            "shared machine": "other work may share this 2-core box: the load average column says how busy it was",
        },
    )
    rows = []
    for workers, single, result, load in runs:
        cores = result.server_cpu_seconds / result.seconds if result.seconds else 0
        errors = sum(result.errors.values()) + sum(single.errors.values())
        rows.append(
            [
                workers,
                ms(_p(single, 0.5)),
                ms(_p(single, 0.99)),
                f"{result.rps:,.1f}",
                ms(_p(result, 0.5)),
                ms(_p(result, 0.99)),
                result.requests,
                errors,
                f"{cores:.2f}",
                f"{result.client_cpu_seconds / result.seconds if result.seconds else 0:.2f}",
                f"{load:.1f}",
                _shares(result),
            ]
        )
    report.table(
        "Runs",
        [
            "processes",
            "1 client p50 ms",
            "1 client p99 ms",
            f"{args.clients} clients rps",
            "p50 ms",
            "p99 ms",
            "requests",
            "errors",
            "server cores used",
            "load generator cores used",
            "load avg (1 min) after",
            "answers per process",
        ],
        rows,
    )
    single = [r.rps for w, _one, r, _l in runs if w == 1]
    many = [r.rps for w, _one, r, _l in runs if w == args.workers]
    ratio = (sum(many) / len(many)) / (sum(single) / len(single)) if single and many and sum(single) else float("nan")
    report.text(
        "Scaling",
        f"Mean throughput with {args.workers} processes over the mean with 1: **{ratio:.2f}x** (goal: >= 1.6x with 2).",
    )
    print(f"report: {report.write(REPORTS / args.report)}")


if __name__ == "__main__":
    main()
