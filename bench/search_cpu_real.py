"""CPU per search of the whole search service on a real catalog's data dir, with real shoppers' queries, for this
code and a baseline commit's, alternated: the synthetic catalog of bench/search_cpu.py has short, regular titles,
while the real ones (Icecat's run to 200 characters of specifications) cost more to read for the re-rank.

Each round runs every query once in a fresh process per variant (the baseline's `src` first on PYTHONPATH), after
a warm-up pass over other queries; CPU is `time.process_time` of that process, one search at a time, so other work
on the machine changes the wall time but hardly the figures. The data dir is opened read-only in spirit: no
background workers run, nothing is written but the caches in memory.

Rerun:  AISLE_DATA_DIR=/var/tmp/demo aisle demo (then stop it), or any embedded data dir with a catalog, then
        git archive <commit> src | tar -x -C /tmp/baseline
        .venv/bin/python bench/search_cpu_real.py --data-dir /var/tmp/demo --baseline-src /tmp/baseline/src
Report: bench/reports/search_cpu_real.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import Report

REPORT = Path(__file__).parent / "reports" / "search_cpu_real.md"
QUERIES = Path("queries") / "bestbuy_query_suggestions.json"


def main() -> None:
    args = _arguments()
    if args.one_pass:
        print(json.dumps(_one_pass(args.data_dir, _queries(args.data, args.queries + args.warm_up), args.warm_up)))
        return
    started = time.time()
    variants = {"baseline": str(args.baseline_src.resolve()), "this code": ""}
    runs: dict[str, list[list[float]]] = {name: [] for name in variants}
    documents = 0
    for round_number in range(args.rounds):
        order = list(variants) if round_number % 2 == 0 else list(reversed(variants))
        for name in order:
            found = _run_variant(args, variants[name])
            runs[name].append(found["spent"])
            documents = found["documents"]
            print(f"round {round_number + 1}, {name}: {statistics.mean(runs[name][-1]):.2f} ms", file=sys.stderr)
    _report(args, runs, documents, started)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True, help="an embedded data dir holding a catalog")
    parser.add_argument("--baseline-src", type=Path, help="the src/ of the commit to compare with")
    parser.add_argument("--baseline-name", default="baseline", help="what the baseline is, for the report")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("AISLE_SAMPLE_DATA", "../shared/data")))
    parser.add_argument("--queries", type=int, default=600, help="timed searches per pass")
    parser.add_argument("--warm-up", type=int, default=100, help="searches before timing, other queries")
    parser.add_argument("--rounds", type=int, default=2, help="baseline + this code, this many times")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--one-pass", action="store_true", help=argparse.SUPPRESS)  # the child process's part
    args = parser.parse_args()
    if not args.one_pass and args.baseline_src is None:
        parser.error("--baseline-src is required")
    return args


def _queries(data: Path, count: int) -> list[str]:
    suggestions = json.loads((data / QUERIES).read_text(encoding="utf-8"))
    return [s["query"] for s in suggestions][:count]


def _one_pass(data_dir: Path, queries: list[str], warm_up: int) -> dict[str, object]:
    from aisle.bootstrap import bootstrap
    from aisle.services.search.params import SearchParams
    from aisle.settings import Settings

    container = bootstrap(Settings(data_dir=data_dir, run_background_workers=False))
    try:
        container.search._pages = None  # every search ranked afresh, not read from the kept pages
        for query in queries[:warm_up]:
            container.search.search(SearchParams(q=query))
        spent = []
        for query in queries[warm_up:]:
            before = time.process_time()
            container.search.search(SearchParams(q=query))
            spent.append((time.process_time() - before) * 1000)
        return {"spent": spent, "documents": container.search_engine.count()}
    finally:
        container.stop()


def _run_variant(args: argparse.Namespace, src: str) -> dict:
    env = {**os.environ, "PYTHONPATH": src} if src else dict(os.environ)
    command = [sys.executable, __file__, "--one-pass", "--data-dir", str(args.data_dir), "--data", str(args.data)]
    command += ["--queries", str(args.queries), "--warm-up", str(args.warm_up)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(args: argparse.Namespace, runs: dict[str, list[list[float]]], documents: int, started: float) -> None:
    report = Report("CPU per search on a real catalog")
    report.run_and_machine((time.time() - started) / 60)
    report.facts(
        "Setup",
        {
            "data": f"{args.data_dir}: an embedded data dir, {documents:,} products in the index",
            "queries": f"the first {args.warm_up + args.queries} of {QUERIES}: {args.warm_up} to warm up, then "
            f"{args.queries} timed, one at a time, kept pages off",
            "variants": f"baseline = {args.baseline_name} (its src first on PYTHONPATH); this code = the working tree",
        },
    )
    rows = []
    for name, passes in runs.items():
        for n, spent in enumerate(passes, 1):
            ordered = sorted(spent)
            p50, p99 = ordered[len(ordered) // 2], ordered[int(0.99 * (len(ordered) - 1))]
            rows.append([name, n, f"{statistics.mean(spent):.2f}", f"{p50:.2f}", f"{p99:.2f}"])
    report.table("CPU ms per search", ["variant", "pass", "mean", "p50", "p99"], rows)
    means = {name: statistics.mean(statistics.mean(p) for p in passes) for name, passes in runs.items()}
    report.text(None, f"Ratio this code / baseline (mean CPU): **{means['this code'] / means['baseline']:.2f}**")
    print(report.write(args.report))


if __name__ == "__main__":
    main()
