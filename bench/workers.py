"""`aisle serve --workers N`: the same search load against 1 and N API processes over one embedded data dir.

A generated catalog (--products, built once and reused) is served by `aisle serve --workers 1`, then `--workers N`,
then each once more (1, N, 1, N: the shared machine's load drifts, and alternating spreads the drift over both).
Each run warms up until every process has answered, then --clients keep-alive clients (several connections each,
so the kernel spreads them over the processes) send the search_latency query mix for --duration seconds.
Reports rps and p50/p99 per run, the N/1 throughput ratio, the CPU the server processes used and the machine's
load. Nothing asserts on time; compare ratios within one run.

Rerun:  .venv/bin/python bench/workers.py --products 50000 --workers 2 --duration 20 --reuse
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
from common import AisleServer, Report, command_line, machine, ms, now_utc, prepare_catalog_dir, process_cpu_seconds
from search_latency_http import UNLIMITED, LoadResult, measure

REPORTS = Path(__file__).parent / "reports"


def main() -> None:
    args = _arguments()
    started = time.time()
    data_dir = args.workdir / f"workers-{args.products}"
    prepared = prepare_catalog_dir(data_dir, args.products, reviews=True, reuse=args.reuse)
    seeds = [seed for _doc, seed in data.catalog(args.products, args.products, data.CategoryIds()) if seed]
    queries = data.query_mix(seeds, 20_000)
    runs: list[tuple[int, LoadResult, float]] = []
    for workers in (1, args.workers, 1, args.workers):
        result, load = _run(data_dir, args, workers, queries)
        print(f"workers {workers}: {result.rps:,.0f} rps, p99 {ms(_p(result, 0.99))} ms, load {load:.1f}")
        runs.append((workers, result, load))
    _report(args, prepared, runs, started)


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
    parser.add_argument("--report", default="workers.md", help="report file name in bench/reports/")
    return parser.parse_args()


def _run(
    data_dir: Path, args: argparse.Namespace, workers: int, queries: list[dict[str, Any]]
) -> tuple[LoadResult, float]:
    log = args.workdir / f"workers-serve-{workers}.log"
    with AisleServer(data_dir, log, env=UNLIMITED, args=["--workers", str(workers)]) as server:
        _until_every_process_answered(server.url, workers)
        measure(server, queries[:2000], clients=args.clients, duration=5.0)  # warm-up: caches, vocabulary
        cpu_before = _tree_cpu(server.process.pid)
        result = measure(server, queries[2000:], clients=args.clients, duration=args.duration)
        result.server_cpu_seconds = _tree_cpu(server.process.pid) - cpu_before
    return result, os.getloadavg()[0]


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


def _p(result: LoadResult, q: float) -> float:
    values = sorted(result.latency_ms.get("all", []))
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def _report(
    args: argparse.Namespace, prepared: dict[str, Any], runs: list[tuple[int, LoadResult, float]], started: float
) -> None:
    report = Report(f"`aisle serve --workers {args.workers}` against `--workers 1`")
    report.facts(
        "Run",
        {"date": now_utc(), "command": f"`{command_line()}`", "wall time": f"{(time.time() - started) / 60:.1f} min"},
    )
    report.facts("Machine", machine())
    report.facts(
        "Setup",
        {
            "catalog": f"{args.products:,} generated products with reviews, embedded shape (SQLite + Tantivy)"
            + (" (data dir from an earlier run)" if prepared.get("reused") else ""),
            "load": f"{args.clients} keep-alive clients, the search_latency query mix (keyword, filtered, faceted, "
            "sorted), "
            f"{args.duration:g} s per run after a 5 s warm-up; runs alternate 1, {args.workers}, 1, {args.workers}",
            "shared machine": "seven engineers were working on this 2-core box: the load average column says how "
            "busy it was",
        },
    )
    rows = []
    for workers, result, load in runs:
        cores = result.server_cpu_seconds / result.seconds if result.seconds else 0
        errors = sum(result.errors.values())
        rows.append(
            [
                workers,
                f"{result.rps:,.1f}",
                ms(_p(result, 0.5)),
                ms(_p(result, 0.99)),
                result.requests,
                errors,
                f"{cores:.2f}",
                f"{load:.1f}",
            ]
        )
    report.table(
        "Runs",
        ["processes", "rps", "p50 ms", "p99 ms", "requests", "errors", "server cores used", "load avg (1 min) after"],
        rows,
    )
    single = [r.rps for w, r, _l in runs if w == 1]
    many = [r.rps for w, r, _l in runs if w == args.workers]
    ratio = (sum(many) / len(many)) / (sum(single) / len(single)) if single and many and sum(single) else float("nan")
    report.text(
        "Scaling",
        f"Mean throughput with {args.workers} processes over the mean with 1: **{ratio:.2f}x** (goal: >= 1.6x with 2).",
    )
    print(f"report: {report.write(REPORTS / args.report)}")


if __name__ == "__main__":
    main()
