"""Full garbage collections under search load, and the latency tail they leave: this code against an older commit.

Method
  1. One `aisle serve` on --data-dir (any imported catalog, e.g. the one `make demo` leaves), started from the
     baseline's src/ (first on PYTHONPATH) or from this tree; runs alternate baseline, this code, ... --rounds times.
  2. Warm-up: --warmup seconds of the same load (fills the kept pages and caches, as a store that has been open a
     while).
  3. Measured: --seconds of GET /api/v1/products/search from --clients keep-alive clients, the words of real
     shopper queries (Best Buy's query suggestions) in a fixed order per client. The server's
     python_gc_collections_total (its /metrics) is read before and after: how many collections of each generation
     the load set off.
  4. Per run: requests/s, p50, p99, p99.9 and the slowest request, full (generation 2) collections, and the
     server's CPU per request.

No assertion on time: these machines are shared; compare the two variants within one run.

Rerun:  .venv/bin/python bench/gc_pauses.py --data-dir /var/tmp/demo --baseline-src var/baseline/src
        (make the baseline with `git archive <commit> src | tar -x -C var/baseline`)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sqlite3
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from common import AisleServer, Report, git_commit, percentile

REPO = Path(__file__).resolve().parents[1]
SEARCH = "/api/v1/products/search"
GENERATION = re.compile(r'^python_gc_collections_total\{generation="(\d)"\} ([0-9.e+]+)$', re.MULTILINE)


def main() -> None:
    args = _args()
    words = _shopper_queries(args.queries)
    token = secrets.token_urlsafe(24)
    variants = {"baseline": {"PYTHONPATH": str(args.baseline_src.resolve())}, "this code": {}}
    runs = []
    started = time.monotonic()
    for round_number in range(args.rounds):
        for name, env in variants.items():
            measured = _one_server(args, words, token, env)
            runs.append({"variant": name, "round": round_number + 1, **measured})
            print(f"{name}, round {round_number + 1}: {_line(measured)}", flush=True)
    _report(args, runs, (time.monotonic() - started) / 60)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="an imported catalog's AISLE_DATA_DIR")
    parser.add_argument("--baseline-src", type=Path, required=True, help="the src/ of the commit to compare with")
    parser.add_argument("--baseline-name", default="baseline", help="what the baseline is, for the report")
    default_queries = Path(os.environ.get("AISLE_SAMPLE_DATA", REPO.parent / "shared/data"))
    parser.add_argument(
        "--queries", type=Path, default=default_queries / "queries/bestbuy_query_suggestions.json", help="real queries"
    )
    parser.add_argument("--rounds", type=int, default=2, help="baseline + this code, this many times")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before measuring")
    parser.add_argument("--seconds", type=float, default=40.0, help="seconds of load measured")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive clients")
    parser.add_argument("--report", default="gc-pauses.md", help="report file name in bench/reports/")
    return parser.parse_args()


def _shopper_queries(path: Path) -> list[str]:
    return [item["query"] for item in json.loads(path.read_text()) if item.get("query")]


def _one_server(args: argparse.Namespace, words: list[str], token: str, env: dict[str, str]) -> dict[str, Any]:
    limits = {"AISLE_SEARCHES_PER_MINUTE": "10000000", "AISLE_INTERNAL_TOKEN": token}
    log = args.data_dir.parent / "gc-bench-serve.log"
    with AisleServer(args.data_dir, log, env={**env, **limits}) as server:
        _load(server.url, words, args.clients, args.warmup, offset=0)
        before, cpu_before = _collections(server.url, token), server.cpu_seconds()
        latencies, seconds = _load(server.url, words, args.clients, args.seconds, offset=len(words) // 2)
        after, cpu = _collections(server.url, token), server.cpu_seconds() - cpu_before
    gained = [after[g] - before[g] for g in range(3)]
    return {"latencies": latencies, "seconds": seconds, "collections": gained, "cpu_seconds": cpu}


def _load(url: str, words: list[str], clients: int, seconds: float, offset: int) -> tuple[list[float], float]:
    """Each client sends the queries in order from its own starting point until the time is up."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        position = offset + number * len(words) // clients
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.monotonic() < stop_at:
                query = words[position % len(words)]
                position += 1
                before = time.perf_counter()
                response = http.get(SEARCH, params={"q": query})
                elapsed = (time.perf_counter() - before) * 1000
                if response.status_code == 200:
                    with lock:
                        latencies.append(elapsed)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.monotonic() - started


def _collections(url: str, token: str) -> list[float]:
    text = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30).text
    found = {int(g): float(n) for g, n in GENERATION.findall(text)}
    return [found.get(g, 0.0) for g in range(3)]


def _active_products(data_dir: Path) -> int:
    with sqlite3.connect(f"file:{data_dir / 'aisle.db'}?mode=ro", uri=True) as db:
        return int(db.execute("SELECT count(*) FROM products WHERE status = 'ACTIVE'").fetchone()[0])


def _figures(run: dict[str, Any]) -> dict[str, float]:
    latencies = run["latencies"]
    return {
        "rps": len(latencies) / run["seconds"],
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "p99.9": percentile(latencies, 99.9),
        "max": max(latencies),
        "full": run["collections"][2],
        "young": run["collections"][0] + run["collections"][1],
        "cpu_ms": 1000 * run["cpu_seconds"] / len(latencies),
    }


def _line(run: dict[str, Any]) -> str:
    f = _figures(run)
    return (
        f"{f['rps']:.1f} req/s, p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms, p99.9 {f['p99.9']:.1f} ms, "
        f"max {f['max']:.0f} ms, full collections {f['full']:.0f}, server CPU {f['cpu_ms']:.1f} ms/request"
    )


def _report(args: argparse.Namespace, runs: list[dict[str, Any]], minutes: float) -> None:
    report = Report("Full garbage collections under search load")
    report.run_and_machine(minutes)
    report.facts(
        "Setup",
        {
            "catalog": f"`{args.data_dir}`: {_active_products(args.data_dir):,} active products, embedded shape, one "
            "`aisle serve` process",
            "variants": f"baseline = {args.baseline_name} (its src/ first on PYTHONPATH); this code = {git_commit()}",
            "load": f"{args.clients} clients, GET {SEARCH}?q=<real query>, {args.warmup:.0f} s warm-up then "
            f"{args.seconds:.0f} s measured, alternated {args.rounds} times, a fresh server each run",
        },
    )
    rows = []
    for run in runs:
        f = _figures(run)
        rows.append(
            [
                run["variant"],
                run["round"],
                f"{f['rps']:.1f}",
                f"{f['p50']:.1f}",
                f"{f['p99']:.1f}",
                f"{f['p99.9']:.1f}",
                f"{f['max']:.0f}",
                f"{f['full']:.0f}",
                f"{f['young']:.0f}",
                f"{f['cpu_ms']:.1f}",
            ]
        )
    headers = [
        "variant",
        "round",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "full GCs",
        "young GCs",
        "CPU ms/req",
    ]
    note = (
        "CPU ms/req: the server process's CPU (all threads) over the measured load, divided by the answers; "
        "unlike req/s, it moves little with what else the shared machine runs."
    )
    report.table("Runs", headers, rows, note)
    means = []
    for variant in ("baseline", "this code"):
        figures = [_figures(r) for r in runs if r["variant"] == variant]
        means.append(
            [
                variant,
                *(f"{statistics.mean(f[k] for f in figures):.1f}" for k in ("rps", "p99", "p99.9", "full", "cpu_ms")),
            ]
        )
    report.table("Means", ["variant", "req/s", "p99 ms", "p99.9 ms", "full GCs", "CPU ms/req"], means)
    path = report.write(REPO / "bench" / "reports" / args.report)
    print(f"report: {path}")


if __name__ == "__main__":
    main()
