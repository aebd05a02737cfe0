"""The same workload on both shapes, side by side: embedded (SQLite, Tantivy, in-process cache and bus, one process)
and distributed (PostgreSQL, OpenSearch, Redis, Kafka; `aisle serve --with-workers` on one machine).

Method, per shape, one shape after the other (never both at once):
1. Reset its storage (a fresh temp data dir; or the aisle_shapes database's schema, the aisle-shapes OpenSearch
   indexes and Redis DB 14), import --products generated products with reviews through the catalog importer, stock
   every variant, mark the import's outbox events delivered, and build the index with `aisle reindex`.
2. Start `aisle serve` on its own port (rate limits lifted to 1e9/min), wait for /readyz.
3. From a separate process (bench/shapes_client.py): a warm-up, --single seconds of one search client alone (the
   latency without queueing), then search with --clients keep-alive clients for
   --duration seconds over a query mix drawn from the catalog's title words (keywords, filters, sorts, facets);
   product pages for --pdp distinct products (first request = cache miss, second = hit); and --fresh seller-API
   creates, each with a unique word, polled in search until found (write -> searchable).
4. Stop the server; record load average before/after, server CPU, and exceptions in the server's log.

Report: bench/reports/shapes.md. Numbers only: nothing here asserts on time; the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import REPO, AisleServer, command_line, machine, rss_mib
from shapes_report import write_report
from shapes_setup import load_shape, reset_distributed, seeds_and_queries, shape_env

REPORTS = Path(__file__).parent / "reports"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_.]+(Error|Exception|Timeout)\b.*")
SHAPES = ("embedded", "distributed")
# Disjoint stretches of the mix: neither the warm-up nor the one-client phase pre-caches a measured query.
MEASURED_QUERIES, WARMUP_QUERIES, SINGLE_QUERIES = 10_000, 2_000, 2_000


def main() -> None:
    args = _arguments()
    if args.render:  # re-render a report from a kept run's raw results
        results = json.loads(args.render.read_text())
        print(f"report: {write_report(REPORTS / 'shapes.md', results)}")
        return
    started = time.time()
    run_id = f"{int(started)}"
    token = secrets.token_hex(16)
    mix = seeds_and_queries(args.products, MEASURED_QUERIES + WARMUP_QUERIES + SINGLE_QUERIES)
    queries = {
        "queries": mix[:MEASURED_QUERIES],
        "warmup_queries": mix[MEASURED_QUERIES : MEASURED_QUERIES + WARMUP_QUERIES],
        "single_queries": mix[MEASURED_QUERIES + WARMUP_QUERIES :],
    }
    results: dict[str, Any] = {"args": _plain(vars(args)), "command": command_line(), "started": started}
    results.update(machine_before=machine(), shapes={})
    workdir = Path(tempfile.mkdtemp(prefix="aisle-shapes-"))
    try:
        for shape in args.shapes:
            print(f"== {shape}")
            results["shapes"][shape] = run_shape(shape, workdir, run_id, token, queries, args)
        results["machine_after"] = machine()
        results["finished"] = time.time()
        (workdir / "results.json").write_text(json.dumps(results, default=str))  # raw: --render re-reads it
        Path("/tmp/shapes-last-summary.json").write_text(json.dumps(_without_raw(results), indent=1, default=str))
        print(f"report: {write_report(REPORTS / 'shapes.md', results)} ({results['finished'] - started:.0f} s)")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Search, product page and write->searchable latency on the embedded and the distributed shape, "
        "with the same catalog and workload; writes bench/reports/shapes.md.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--products", type=int, default=20_000, help="generated products (with reviews) per shape")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of search load per shape")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of search warm-up before measuring")
    parser.add_argument("--single", type=float, default=8.0, help="seconds of one search client alone first")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive search clients")
    parser.add_argument("--pdp", type=int, default=300, help="distinct products whose page is fetched twice")
    parser.add_argument("--fresh", type=int, default=50, help="products created through the seller API")
    parser.add_argument("--fresh-rate", type=float, default=5.0, help="seller creates per second")
    parser.add_argument("--poll-ms", type=float, default=50.0, help="pause between searches polling one write")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES), help="which shapes, in order")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (data, server logs, raw results)")
    parser.add_argument("--render", type=Path, help="only re-render the report from a kept run's results.json")
    return parser.parse_args()


def run_shape(shape: str, workdir: Path, run_id: str, token: str, queries: dict[str, list], args: Any) -> dict:
    data_dir = workdir / shape
    data_dir.mkdir(parents=True)
    env = shape_env(shape, data_dir, run_id, token)
    if shape == "distributed":
        reset_distributed(print)
    out: dict[str, Any] = {"load": load_shape(env, args.products, print)}
    pdp_ids = out["load"].pop("product_ids")[-args.pdp :]  # the catalog's tail: products the searches rarely open
    log_path = workdir / f"{shape}-serve.log"
    serve_args = ["--with-workers"] if shape == "distributed" else []
    out["loadavg_before"] = os.getloadavg()
    started = time.perf_counter()
    with AisleServer(data_dir, log_path, env=env, args=serve_args) as server:
        out["ready_seconds"] = time.perf_counter() - started
        print(f"  serving on {server.url} (ready in {out['ready_seconds']:.1f} s)")
        spec = {
            "url": server.url,
            "token": token,
            **queries,
            "clients": args.clients,
            "duration": args.duration,
            "warmup": args.warmup,
            "single": args.single,
            "pdp_ids": pdp_ids,
            "fresh_count": args.fresh,
            "fresh_rate": args.fresh_rate,
            "poll_ms": args.poll_ms,
        }
        spec_path, out_path = workdir / f"{shape}-spec.json", workdir / f"{shape}-client.json"
        spec_path.write_text(json.dumps(spec))
        cpu_before = server.cpu_seconds()
        client_started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(REPO / "bench/shapes_client.py"), str(spec_path), str(out_path)], check=True
        )
        out["client_seconds"] = time.perf_counter() - client_started
        out["server_cpu_seconds"] = server.cpu_seconds() - cpu_before
        out["server_rss_mib"] = rss_mib(server.process.pid if server.process else 0)
    out["loadavg_after"] = os.getloadavg()
    out["client"] = json.loads(out_path.read_text())
    out["server_errors"] = _server_errors(log_path)
    out["server_log_tail"] = log_path.read_text(errors="replace").splitlines()[-5:]
    print(f"  measured in {out['client_seconds']:.0f} s; server exceptions: {sum(out['server_errors'].values())}")
    return out


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}


def _server_errors(log_path: Path) -> dict[str, int]:
    """Exceptions and warnings the server logged, by their line (first 160 characters)."""
    found: Counter[str] = Counter()
    for line in log_path.read_text(errors="replace").splitlines():
        if EXCEPTION_LINE.match(line) or " ERROR " in line or "WARNING" in line:
            found[line.split(" (Background on this error")[0][:160]] += 1
    return dict(found.most_common(15))


def _without_raw(results: dict[str, Any]) -> dict[str, Any]:
    """The results minus the raw latency lists (those stay in memory for the report)."""
    from shapes_report import summaries

    return {**results, "shapes": {name: summaries(shape) for name, shape in results["shapes"].items()}}


if __name__ == "__main__":
    main()
