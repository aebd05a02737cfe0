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
from common import AisleServer, Report, machine, ms

REPORTS = Path(__file__).parent / "reports"
ANSWERS_CHECKED = 100  # searches whose answers are compared across the variants
LOADS = ("search, 1 client", "search, 8 clients", "reserve, 1 client", "reserve, 8 clients")


def main() -> None:
    args = _arguments()
    started = time.time()
    queries = _queries(args.data_dir, args.warmup + 2 * args.searches)
    token = secrets.token_urlsafe(24)
    variants = {"baseline": {"PYTHONPATH": str(args.baseline_src.resolve())}, "this code": {}}
    variant_ids = _stock(args, token)
    runs: list[dict[str, Any]] = []
    for round_number in range(1, args.rounds + 1):
        for label, env in variants.items():
            run = _one_server(args, queries, token, env, variant_ids)
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
    queries = data.query_mix(data.seeds_of(products), count)
    cached.write_text(json.dumps(queries))
    return queries


def _stock(args: argparse.Namespace, token: str) -> list[int]:
    """Stock for the reservations, given once before the runs (so every run searches the same catalog)."""
    with _server(args, token, {}) as server:
        return load.stock_variants(server, args.data_dir, args.variants, token)


def _server(args: argparse.Namespace, token: str, env: dict[str, str]) -> AisleServer:
    server_env = {**env, "AISLE_INTERNAL_TOKEN": token, **load_limits()}
    return AisleServer(args.data_dir, args.data_dir.parent / "cpu-bench-serve.log", env=server_env)


def _one_server(
    args: argparse.Namespace, queries: list[dict[str, Any]], token: str, env: dict[str, str], variant_ids: list[int]
) -> dict[str, Any]:
    with _server(args, token, env) as server:
        search = load.search_requests(queries)
        load.run(server, search, args.warmup, args.clients, token)
        idle = load.idle_cpu_per_second(server)
        first, second = args.warmup, args.warmup + args.searches
        loads = {
            LOADS[0]: load.run(server, search, args.searches, 1, token, start=first, idle=idle),
            LOADS[1]: load.run(server, search, args.searches, args.clients, token, start=second, idle=idle),
        }
        reserve = load.reserve_requests(variant_ids)
        load.run(server, reserve, 50, 1, token, idle=idle)  # warm-up: the first reservations build statements
        loads[LOADS[2]] = load.run(server, reserve, args.reserves, 1, token, idle=idle)
        loads[LOADS[3]] = load.run(server, reserve, args.reserves, args.clients, token, idle=idle)
        digest = load.answers_digest(server, queries[args.warmup : args.warmup + ANSWERS_CHECKED])
    return {"loads": loads, "idle_cores": idle, "load_avg": os.getloadavg()[0], "answers": digest}


RUNS_NOTE = (
    "*server CPU ms/request*: the server's CPU while the requests were answered, over the answers; *+ after-effects*: "
    "adds what it spent after the last answer until idle again (the relay indexing what reservations changed), "
    "beyond its idle rate. The *answers digest* hashes 100 search answers (all but took_ms): equal digests, "
    "identical answers."
)


def _roles_table(report: Report, runs: list[dict[str, Any]]) -> None:
    """Where the CPU went, by thread (named through `py-spy dump`), ms per request, mean of the rounds."""
    roles = sorted({role for r in runs for m in r["loads"].values() for role in m.roles})
    rows = []
    for variant in ("baseline", "this code"):
        for name in LOADS:
            measured = [r["loads"][name] for r in runs if r["variant"] == variant]
            rows.append(
                [variant, name, *(f"{statistics.mean(m.role_ms(role) for m in measured):.2f}" for role in roles)]
            )
    report.table("Server CPU by thread, ms per request (load + after-effects)", ["code", "load", *roles], rows)


def load_limits() -> dict[str, str]:
    """The load comes from one address: lift the per-client limits."""
    return {"AISLE_SEARCHES_PER_MINUTE": "1e9", "AISLE_SELLER_WRITES_PER_MINUTE": "1e9"}


def _report(args: argparse.Namespace, runs: list[dict[str, Any]], started: float) -> None:
    report = Report("Server CPU per request over HTTP: search and RESERVE")
    report.run_and_machine((time.time() - started) / 60)
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
                    f"{m.total_cpu_ms_per_request:.2f}",
                    f"{m.rps:,.0f}",
                    ms(m.p(50)),
                    ms(m.p(99)),
                    f"{run['idle_cores']:.3f}",
                    f"{run['load_avg']:.1f}",
                    run["answers"],
                ]
            )
    headers = ["code", "round", "load", "answered", "errors", "server CPU ms/request", "+ after-effects"]
    more = ["rps", "p50 ms", "p99 ms", "idle server cores", "load avg after", "answers digest"]
    report.table("Runs", [*headers, *more], rows, note=RUNS_NOTE)
    summary = []
    for name in LOADS:
        b = statistics.mean(r["loads"][name].cpu_ms_per_request for r in runs if r["variant"] == "baseline")
        a = statistics.mean(r["loads"][name].cpu_ms_per_request for r in runs if r["variant"] == "this code")
        bt = statistics.mean(r["loads"][name].total_cpu_ms_per_request for r in runs if r["variant"] == "baseline")
        at = statistics.mean(r["loads"][name].total_cpu_ms_per_request for r in runs if r["variant"] == "this code")
        summary.append([name, f"{b:.2f}", f"**{a:.2f}**", f"{a / b:.2f}x", f"{bt:.2f}", f"{at:.2f}", f"{at / bt:.2f}x"])
    report.table(
        "Summary (mean of the rounds)",
        ["load", "baseline ms", "this code ms", "ratio", "baseline incl. after-effects", "this code incl.", "ratio"],
        summary,
    )
    _roles_table(report, runs)
    print(f"report: {report.write(REPORTS / args.report)}")


if __name__ == "__main__":
    main()
