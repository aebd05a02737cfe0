"""Inventory reservation benchmark: throughput, latency and the zero-oversell invariants under real concurrency.

For each database (SQLite file, PostgreSQL) and each HotSkuReserver mode (direct: compare-and-set per request;
batched: one queue and one writer per variant per process; auto: queue only when a request for the same variant
is already in flight), it runs these scenarios with P spawned processes x T threads that start together:

  hot   one variant with --stock units and more demand than stock (--requests reservations of 1 unit)
  many  the same load spread over --skus variants with plenty of stock
  mix   the hot variant again, and every granted cart is then bought (DEDUCT) or abandoned (RELEASE), half each
  solo  'many' with one process and one thread (at most 1,000 requests): the uncontended latency of a reservation

Each run gets a fresh database. Afterwards the invariants are read back from the database: nothing negative,
available + reserved + sold == starting stock, reserved == what the clients were granted (minus released and
deducted), one reservation row per "yes", every request answered. A broken one prints OVERSOLD.

    .venv/bin/python bench/inventory.py --db both --requests 4000
    .venv/bin/python bench/inventory.py --db sqlite --modes direct --scenarios hot --requests 500

Numbers only; the machine is shared and noisy, so compare ratios within one run, never across machines.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from common import percentile
from inventory_load import Plan, Tally, run_process
from inventory_report import machine_info, print_row, write_report
from inventory_setup import check_invariants, fresh_database, read_stored, remove_database, seed_variants

MODES = ("direct", "batched", "auto", "group")
SCENARIOS = ("hot", "many", "mix", "solo")
SOLO_REQUESTS = 1000
PG_URL = "postgresql+psycopg://aisle:aisle@127.0.0.1:5432/aisle_bench"
FIRST_NODE = 11


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Writes <out>/inventory.md and <out>/inventory.json.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both", help="database(s) to run on")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated HotSkuReserver modes")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated scenarios: hot, many, mix, solo"
    )
    parser.add_argument("--processes", type=int, default=2, help="load processes (multiprocessing spawn)")
    parser.add_argument("--threads", type=int, default=8, help="shopper threads per process")
    parser.add_argument("--requests", type=int, default=4000, help="reservations per run, all processes together")
    parser.add_argument("--stock", type=int, default=1000, help="starting stock of the hot variant")
    parser.add_argument("--skus", type=int, default=1000, help="variants in the 'many' scenario")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL URL; its database name must end in _bench")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "reports", help="report dir")
    args = parser.parse_args(argv)
    args.modes = _choices(parser, "--modes", args.modes, MODES)
    args.scenarios = _choices(parser, "--scenarios", args.scenarios, SCENARIOS)
    args.databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    return args


def _choices(parser: argparse.ArgumentParser, flag: str, value: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = sorted(set(chosen) - set(allowed))
    if unknown or not chosen:
        parser.error(f"{flag}: unknown {unknown}; choose from {', '.join(allowed)}")
    return chosen


def run_one(args: argparse.Namespace, database: str, mode: str, scenario: str) -> dict[str, Any]:
    """Fresh database, seed, fire, merge what the processes saw, read back and check the invariants."""
    solo = scenario == "solo"
    processes, threads = (1, 1) if solo else (args.processes, args.threads)
    requests = min(args.requests, SOLO_REQUESTS) if solo else args.requests
    url = fresh_database(database, args.pg_url)
    load = os.getloadavg()[0]
    try:
        hot = scenario in ("hot", "mix")
        catalog = seed_variants(url, 1 if hot else args.skus, args.stock if hot else requests)
        tallies = fire(url, mode, scenario, catalog.variant_ids, processes, threads, requests)
        merged = merge(tallies)
        stored = read_stored(url)
    finally:
        remove_database(url)
    checks = check_invariants(stored, catalog, requests, merged["counts"])
    return {
        "database": database,
        "mode": mode,
        "scenario": scenario,
        "processes": processes,
        "threads": threads,
        "requests": requests,
        "starting_stock": catalog.starting_stock,
        "load_1min": load,
        **summarize(merged),
        "stored": asdict(stored),
        "invariants": {rule: holds for rule, holds in checks},
    }


def fire(
    url: str, mode: str, scenario: str, variant_ids: list[int], processes: int, threads: int, requests: int
) -> list[Tally]:
    """Spawns the load processes; they start together at a barrier and each sends back its Tally."""
    context = multiprocessing.get_context("spawn")
    start_together = context.Barrier(processes)
    results = context.Queue()
    shares = [requests // processes + (i < requests % processes) for i in range(processes)]
    workers = [
        context.Process(
            target=run_process,
            args=(Plan(url, mode, scenario, variant_ids, threads, share, FIRST_NODE + i), start_together, results),
        )
        for i, share in enumerate(shares)
    ]
    for worker in workers:
        worker.start()
    tallies = [_collect(results, workers) for _ in workers]
    for worker in workers:
        worker.join()
    return tallies


def _collect(results: Any, processes: list[Any]) -> Tally:
    while True:
        try:
            return results.get(timeout=5)
        except queue.Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise SystemExit(f"a load process died (exit codes {dead}); see its traceback above") from None


def merge(tallies: list[Tally]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for tally in tallies:
        for key, n in tally.counts.items():
            counts[key] = counts.get(key, 0) + n
    start = min(t.start for t in tallies)
    grants = [g for t in tallies for g in t.grant_times]
    return {
        "latencies": {kind: sorted(x for t in tallies for x in t.latencies[kind]) for kind in tallies[0].latencies},
        "counts": counts,
        "elapsed": max(t.end for t in tallies) - start,
        "last_grant": (max(grants) - start) if grants else None,
        "conflicts": sum(t.conflicts for t in tallies),
        "batches": sum(t.batches for t in tallies),
        "batch_conflicts": sum(t.batch_conflicts for t in tallies),
        "cpu_seconds": sum(t.cpu_seconds for t in tallies),
    }


def summarize(merged: dict[str, Any]) -> dict[str, Any]:
    reserves = merged["latencies"]["reserve"]
    operations = sum(len(v) for v in merged["latencies"].values())
    elapsed = merged["elapsed"]
    summary = {
        "elapsed_s": elapsed,
        "answered_per_s": len(reserves) / elapsed,
        "operations_per_s": operations / elapsed,
        "granted_per_s": merged["counts"].get("reserve:granted", 0) / (merged["last_grant"] or elapsed),
        "last_grant_s": merged["last_grant"],
        "counts": merged["counts"],
        "retries": merged["conflicts"],
        "batch_retries": merged["batch_conflicts"],
        "batches": merged["batches"],
        "cpu_ms_per_request": merged["cpu_seconds"] * 1000 / max(1, len(reserves)),
        "cores_used": merged["cpu_seconds"] / elapsed,
    }
    for kind, values in merged["latencies"].items():
        if values:
            summary[f"{kind}_ms"] = {
                p: percentile(values, q) * 1000 for p, q in (("p50", 50), ("p99", 99), ("max", 100))
            }
    return summary


def shout_if_broken(row: dict[str, Any]) -> None:
    broken = [rule for rule, holds in row["invariants"].items() if not holds]
    if broken:
        banner = "!" * 78
        print(
            f"\n{banner}\n!!! OVERSOLD / INVARIANT BROKEN on {row['database']} {row['mode']} {row['scenario']}:",
            file=sys.stderr,
        )
        for rule in broken:
            print(f"!!!   {rule}", file=sys.stderr)
        print(f"!!! stored: {row['stored']}  clients: {row['counts']}\n{banner}\n", file=sys.stderr)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    command = ".venv/bin/python bench/inventory.py " + shlex.join(argv)
    print(command, flush=True)
    info = machine_info(args.pg_url if "postgres" in args.databases else None)  # load average before the runs
    began, rows = time.time(), []
    for database in args.databases:
        for mode in args.modes:
            for scenario in args.scenarios:
                row = run_one(args, database, mode, scenario)
                rows.append(row)
                print_row(row)
                shout_if_broken(row)
    runtime = time.time() - began
    args.out.mkdir(parents=True, exist_ok=True)
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "pg_url")}
    (args.out / "inventory.json").write_text(
        json.dumps(
            {"command": command, "machine": info, "settings": settings, "runtime_s": runtime, "runs": rows}, indent=1
        )
    )
    write_report(args.out / "inventory.md", command, info, settings, runtime, rows)
    print(f"total {runtime:.0f} s; wrote {args.out / 'inventory.md'}")
    return 1 if any(not all(r["invariants"].values()) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
