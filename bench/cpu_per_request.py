"""Server CPU per request over real HTTP: a search and a RESERVE, this code against an older commit, back to back.

`aisle serve` (uvicorn, one process) runs on a generated catalog in its own process; this script is the client, in
another process. For each variant (the baseline commit's `src`, put first on PYTHONPATH, and this working tree) a
fresh server is started, warmed up with the first --warmup queries of the search_latency mix, and then measured:
the server process's CPU time (user + system, every thread, from /proc) over a fixed number of requests, divided
by the requests answered. Searches use the same queries in every run; reservations reserve one unit of one of
--variants stocked variants (a fresh owner each). Runs alternate baseline, this code, baseline, this code, so the
shared machine's drift hits both. What the background loops cost while idle is measured and reported apart.

Rerun:  .venv/bin/python bench/cpu_per_request.py --data-dir var/bench-50k --baseline-src var/baseline/src
        (make the baseline with `git archive <commit> src | tar -x -C var/baseline`)
Report: bench/reports/cpu-per-request.md
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import time
from pathlib import Path
from typing import Any

import cpu_per_request_load as load
import search_latency_data as data
from common import AisleServer, Report, command_line, machine, ms, now_utc

REPORTS = Path(__file__).parent / "reports"
LOADS = ("search, 1 client", "search, 8 clients", "reserve, 1 client", "reserve, 8 clients")


def main() -> None:
    args = _arguments()
    started = time.time()
    queries = _queries(args.data_dir, args.warmup + 2 * args.searches)
    token = secrets.token_urlsafe(24)
    variants = {"baseline": {"PYTHONPATH": str(args.baseline_src.resolve())}, "this code": {}}
    runs: list[dict[str, Any]] = []
    for round_number in range(1, args.rounds + 1):
        for label, env in variants.items():
            run = _one_server(args, queries, token, env)
            runs.append({"variant": label, "round": round_number, **run})
            print(label, round_number, {k: ms(v.cpu_ms_per_request) for k, v in run["loads"].items()})
    _report(args, runs, started)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded data dir with a generated catalog")
    parser.add_argument("--baseline-src", type=Path, required=True, help="the src/ of the commit to compare with")
    parser.add_argument("--baseline-name", default="8fea7c4", help="what the baseline is, for the report")
    parser.add_argument("--rounds", type=int, default=2, help="baseline + this code, this many times")
    parser.add_argument("--warmup", type=int, default=300, help="searches before measuring (fills the caches)")
    parser.add_argument("--searches", type=int, default=600, help="searches measured per load")
    parser.add_argument("--reserves", type=int, default=500, help="reservations measured per load")
    parser.add_argument("--variants", type=int, default=200, help="stocked variants the reservations spread over")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the loaded runs")
    parser.add_argument("--report", default="cpu-per-request.md", help="report file name in bench/reports/")
    return parser.parse_args()


def _queries(data_dir: Path, count: int) -> list[dict[str, Any]]:
    """The search_latency mix for the data dir's catalog, kept beside it (the seeds take a while to rebuild)."""
    built = json.loads((data_dir / "bench-dataset.json").read_text())
    cached = data_dir / f"cpu-bench-queries-{count}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    products = built["products"]
    seeds = [seed for _doc, seed in data.catalog(products, products, data.CategoryIds()) if seed]
    queries = data.query_mix(seeds, count)
    cached.write_text(json.dumps(queries))
    return queries


def _one_server(
    args: argparse.Namespace, queries: list[dict[str, Any]], token: str, env: dict[str, str]
) -> dict[str, Any]:
    server_env = {**env, "AISLE_INTERNAL_TOKEN": token, **load_limits()}
    log = args.data_dir.parent / "cpu-bench-serve.log"
    with AisleServer(args.data_dir, log, env=server_env) as server:
        search = load.search_requests(queries)
        load.run(server, search, args.warmup, args.clients, token)
        idle = load.idle_cpu_per_second(server)
        loads = {
            LOADS[0]: load.run(server, search, args.searches, 1, token, start=args.warmup),
            LOADS[1]: load.run(server, search, args.searches, args.clients, token, start=args.warmup + args.searches),
        }
        reserve = load.reserve_requests(load.stock_variants(server, args.data_dir, args.variants, token))
        load.run(server, reserve, 50, 1, token)  # warm-up: the first reservations build statements
        loads[LOADS[2]] = load.run(server, reserve, args.reserves, 1, token)
        loads[LOADS[3]] = load.run(server, reserve, args.reserves, args.clients, token)
    return {"loads": loads, "idle_cores": idle, "load_avg": os.getloadavg()[0]}


def load_limits() -> dict[str, str]:
    """The load comes from one address: lift the per-client limits."""
    return {"AISLE_SEARCHES_PER_MINUTE": "1e9", "AISLE_SELLER_WRITES_PER_MINUTE": "1e9"}


def _report(args: argparse.Namespace, runs: list[dict[str, Any]], started: float) -> None:
    report = Report("Server CPU per request over HTTP: search and RESERVE")
    report.facts(
        "Run",
        {"date": now_utc(), "command": f"`{command_line()}`", "wall time": f"{(time.time() - started) / 60:.1f} min"},
    )
    report.facts("Machine", machine())
    built = json.loads((args.data_dir / "bench-dataset.json").read_text())
    report.facts(
        "Setup",
        {
            "catalog": f"{built['products']:,} generated products ({built.get('reviews_imported', 0):,} reviews), "
            "embedded shape (SQLite + Tantivy), one `aisle serve` process (uvicorn)",
            "variants": f"baseline = {args.baseline_name} (its src/ first on PYTHONPATH); this code = "
            f"{machine()['commit']}; alternated {args.rounds} times, a fresh server each run",
            "search load": f"{args.warmup} warm-up searches ({args.clients} clients), then {args.searches} searches "
            f"with 1 client and {args.searches} more with {args.clients}; the same queries in every run",
            "reserve load": f"POST {load.RESERVE}, one line of 1 unit over {args.variants} stocked variants, "
            f"{args.reserves} with 1 client and {args.reserves} with {args.clients} (after 50 warm-up)",
            "CPU": "user + system time of the server process (all threads) over the load, divided by the requests "
            "answered; the client runs in another process",
        },
    )
    rows = []
    for run in runs:
        for name, m in run["loads"].items():
            rows.append(
                [
                    run["variant"],
                    run["round"],
                    name,
                    m.requests,
                    m.errors,
                    f"**{m.cpu_ms_per_request:.2f}**",
                    f"{m.rps:,.0f}",
                    ms(m.p(50)),
                    ms(m.p(99)),
                    f"{run['idle_cores']:.3f}",
                    f"{run['load_avg']:.1f}",
                ]
            )
    headers = ["code", "round", "load", "answered", "errors", "server CPU ms/request", "rps", "p50 ms", "p99 ms"]
    report.table("Runs", [*headers, "idle server cores", "load avg after"], rows)
    summary = []
    for name in LOADS:
        before = [r["loads"][name].cpu_ms_per_request for r in runs if r["variant"] == "baseline"]
        after = [r["loads"][name].cpu_ms_per_request for r in runs if r["variant"] == "this code"]
        b, a = statistics.mean(before), statistics.mean(after)
        summary.append([name, f"{b:.2f}", f"{a:.2f}", f"{a / b:.2f}x"])
    report.table("Summary (mean of the rounds)", ["load", "baseline ms CPU", "this code ms CPU", "ratio"], summary)
    print(f"report: {report.write(REPORTS / args.report)}")


if __name__ == "__main__":
    main()
