"""`aisle import --format synthetic` end to end: products/s, CPU per product, wall time and peak memory.

Each run imports the same generated catalog (same seed and count, ~4 reviews a product) into a fresh data dir, as
the command a person types (`aisle import --format synthetic --count N`: SQLite + Tantivy, indexing as it goes),
and then checks what the import promises: the index holds every product, the outbox holds no undelivered row.
CPU is the user + system time of the command and every process it started (wait4's rusage); peak RSS is the
largest sum over the command's process tree, sampled every 0.2 s. With --baseline-src the runs alternate between
an older commit's src/ (first on PYTHONPATH) and this working tree, so that load drift hits both alike.

There are no percentiles here: an import is one long run, reported by its throughput and its cost per product.

Rerun:  .venv/bin/python bench/import_speed.py --count 50000 --rounds 2 --baseline-src /var/tmp/old/src
        (make the baseline with `git archive <commit> src | tar -x -C /var/tmp/old`)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import REPO, Report, command_line, machine, machine_cpu_seconds, now_utc, process_cpu_seconds

IMPORT = "from aisle.entrypoints.cli import main; main()"
SAMPLE_SECONDS = 0.2
SUMMARY_HEADERS = ["variant", "products/s (as measured)", "CPU ms/product", "busiest process, CPU ms/product",
                   "1M on two free cores (model)"]  # fmt: skip


@dataclass
class Run:
    variant: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    products: int
    reviews: int
    indexed: int
    segments: int  # Tantivy segments the index is left with (searches cost more on more segments)
    undelivered: int
    machine_busy_cores: float  # every process on the box, this one included
    load_before: float
    cpu_by_process: dict[str, float] = field(default_factory=dict)  # sampled every 0.2 s: the last ~0.2 s missed

    @property
    def products_per_s(self) -> float:
        return self.products / self.wall_s

    @property
    def cpu_ms_per_product(self) -> float:
        return 1000 * self.cpu_s / self.products


def main() -> None:
    args = _arguments()
    variants = {args.name: (_pythonpath(args.src), args.args.split())}
    if args.baseline_src or args.baseline_args:
        variants = {args.baseline_name: (_pythonpath(args.baseline_src), args.baseline_args.split()), **variants}
    runs = []
    for round_no in range(args.rounds):
        for number, (name, (env, extra)) in enumerate(variants.items()):
            data_dir = args.data_root / f"run-{round_no}-{number}"
            runs.append(_run(name, env, extra, data_dir, args))
            print(_line(runs[-1]), flush=True)
            if not args.keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    path = _report(runs, args)
    print(f"report: {path}")


def _pythonpath(src: Path | None) -> dict[str, str]:
    return {"PYTHONPATH": str(src.resolve())} if src else {}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=50_000, help="products to generate and import")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=1, help="runs per variant, alternated")
    parser.add_argument("--baseline-src", type=Path, help="the src/ of an older commit to alternate with")
    parser.add_argument("--baseline-args", default="", help="more `aisle import` options for the baseline runs")
    parser.add_argument("--baseline-name", default="baseline", help="what the baseline is, for the report")
    parser.add_argument("--src", type=Path, help="the src/ to measure (default: this working tree's)")
    parser.add_argument("--args", default="", help="more `aisle import` options, e.g. --no-parallel")
    parser.add_argument("--name", default="this code", help="what is measured, for the report")
    parser.add_argument("--data-root", type=Path, default=REPO / "var" / "bench-import", help="fresh data dirs here")
    parser.add_argument("--keep", action="store_true", help="keep each run's data dir")
    parser.add_argument("--nice", type=int, default=0, help="run the import at this nice value (shared machine)")
    parser.add_argument("--report", type=Path, default=REPO / "bench" / "reports" / "import.md")
    parser.add_argument("--note", default="", help="a sentence for the report (e.g. what else ran on the box)")
    return parser.parse_args()


def _run(variant: str, env: dict[str, str], extra: list[str], data_dir: Path, args: argparse.Namespace) -> Run:
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    command = ["nice", "-n", str(args.nice), sys.executable, "-c", IMPORT]
    command += ["import", "--format", "synthetic", "--count", str(args.count), "--seed", str(args.seed), *extra]
    environment = {**os.environ, **env, "AISLE_DATA_DIR": str(data_dir), "AISLE_PROFILE": "embedded"}
    cpu_before, load_before, busy_before = _children_cpu(), os.getloadavg()[0], machine_cpu_seconds()
    started = time.perf_counter()
    child = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak_rss, per_process = 0.0, {}
    while child.poll() is None:
        rss, cpu = _tree_sample(child.pid)
        peak_rss, per_process = max(peak_rss, rss), {**per_process, **cpu}
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    busy = (machine_cpu_seconds() - busy_before) / wall
    output = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"the import failed ({child.returncode}):\n{output[-3000:]}")
    cpu = _children_cpu() - cpu_before
    products, reviews, undelivered = _database_counts(data_dir)
    by_name: dict[str, float] = {}
    for name, seconds in per_process.values():  # a child is "python" until it names itself
        by_name[name] = by_name.get(name, 0.0) + seconds
    indexed, segments = _indexed(data_dir)
    run = Run(variant, wall, cpu, peak_rss, products, reviews, indexed, segments, undelivered, busy, load_before)
    run.cpu_by_process = by_name
    return run


def _children_cpu() -> float:
    """CPU of every process this bench has waited for (an import and the processes it started and waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tree_sample(pid: int) -> tuple[float, dict[int, tuple[str, float]]]:
    """Resident memory of a process and all its descendants in MiB, and each one's name and CPU seconds so far,
    by pid: the import's own processes name themselves aisle-reader and aisle-indexer."""
    total, cpu, pending = 0.0, {}, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS:")) / 1024
            name = "importer" if current == pid else Path(f"/proc/{current}/comm").read_text().strip()
            cpu[current] = (name, process_cpu_seconds(current))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total, cpu


def _database_counts(data_dir: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(next(data_dir.rglob("*.db")))
    try:
        products = db.execute("SELECT count(*) FROM products").fetchone()[0]
        reviews = db.execute("SELECT count(*) FROM reviews").fetchone()[0]
        undelivered = db.execute("SELECT count(*) FROM outbox WHERE status != 'DELIVERED'").fetchone()[0]
    finally:
        db.close()
    return products, reviews, undelivered


def _indexed(data_dir: Path) -> tuple[int, int]:
    """Documents in the index, and its segments (a bench-only peek: the engine has no public accessor)."""
    from aisle.bootstrap import open_search_engine

    engine = open_search_engine(data_dir / "search")
    try:
        return engine.count(), engine._engine._index.searcher().num_segments
    finally:
        engine.close()


def _line(run: Run) -> str:
    return (
        f"{run.variant}: {run.products:,} products in {run.wall_s:.1f} s = {run.products_per_s:,.0f}/s, "
        f"CPU {run.cpu_s:.1f} s = {run.cpu_ms_per_product:.3f} ms/product ({run.cpu_s / run.wall_s:.2f} cores), "
        f"peak RSS {run.peak_rss_mib:.0f} MiB, indexed {run.indexed:,} in {run.segments} segments, "
        f"undelivered {run.undelivered}, "
        f"box busy {run.machine_busy_cores:.2f} cores, load {run.load_before:.1f}; CPU by process: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(run.cpu_by_process.items()))
    )


def _report(runs: list[Run], args: argparse.Namespace) -> Path:
    report = Report("Import throughput: `aisle import --format synthetic`")
    report.facts(
        "Run",
        {
            "when": now_utc(),
            "command": command_line(),
            "dataset": f"{args.count:,} generated products (seed {args.seed}) with ~4 generated reviews each",
            "shape": "embedded (SQLite + Tantivy), indexing as it goes, a fresh data dir per run",
            "niceness of the import": args.nice,
            "variants": f"{args.baseline_name}: src {args.baseline_src or 'this tree'} {args.baseline_args}; "
            f"{args.name}: src {args.src or 'this tree'} {args.args}",
            "note": args.note or "-",
            **machine(),
        },
    )
    headers = ["variant", "products/s", "wall s", "CPU s", "CPU ms/product", "cores used", "peak RSS MiB", "indexed",
               "segments", "outbox undelivered", "box busy (cores)", "load before", "CPU s by process"]  # fmt: skip
    report.table("Runs, in the order they ran", headers, [_row(r) for r in runs])
    report.table(
        "Per variant (mean of its runs)",
        SUMMARY_HEADERS,
        _summary_rows(runs),
        note="The model: with two cores to itself, an import runs at the pace of its busiest process or of its "
        "total CPU shared by two cores, whichever is slower: max(busiest, total / 2) per product. It counts each "
        "process's start-up in, and does not see waits between the processes.",
    )
    return report.write(args.report)


def _row(r: Run) -> list[str]:
    return [
        r.variant,
        f"{r.products_per_s:,.0f}",
        f"{r.wall_s:.1f}",
        f"{r.cpu_s:.1f}",
        f"{r.cpu_ms_per_product:.3f}",
        f"{r.cpu_s / r.wall_s:.2f}",
        f"{r.peak_rss_mib:.0f}",
        f"{r.indexed:,}",
        str(r.segments),
        str(r.undelivered),
        f"{r.machine_busy_cores:.2f}",
        f"{r.load_before:.1f}",
        ", ".join(f"{name} {seconds:.1f}" for name, seconds in sorted(r.cpu_by_process.items()) if seconds >= 0.1),
    ]


def _summary_rows(runs: list[Run]) -> list[list[str]]:
    rows = []
    for variant in dict.fromkeys(r.variant for r in runs):
        mine = [r for r in runs if r.variant == variant]
        rate = statistics.mean(r.products_per_s for r in mine)
        cpu = statistics.mean(r.cpu_ms_per_product for r in mine)
        busiest = statistics.mean(1000 * max(r.cpu_by_process.values(), default=r.cpu_s) / r.products for r in mine)
        paced = max(busiest, cpu / 2)
        rows.append([variant, f"{rate:,.0f}", f"{cpu:.3f}", f"{busiest:.3f}", f"{paced * 1_000_000 / 60_000:.1f} min"])
    return rows


if __name__ == "__main__":
    main()
