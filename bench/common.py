"""Shared helpers for the benchmarks in bench/: what machine ran them, percentiles, markdown reports, a prepared
embedded data directory, and an `aisle serve` subprocess.

Benchmarks print numbers and write reports; they never assert on time. This module imports aisle lazily, so a load
generator can use the small helpers without paying for the application's imports.
"""

from __future__ import annotations

import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
DATASET_MARKER = "bench-dataset.json"


# -- the machine ------------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Where the numbers come from: CPUs, memory, load, Python and the code's commit."""
    return {
        "cpus": f"{len(os.sched_getaffinity(0))} usable of {os.cpu_count()}",
        "cpu model": _cpu_model(),
        "memory": f"{_meminfo_gib('MemTotal'):.1f} GiB total, {_meminfo_gib('MemAvailable'):.1f} GiB available",
        "load average (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "commit": git_commit(),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_gib(key: str) -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def git_commit() -> str:
    """HEAD of the repository, with "+ local changes" when the working tree differs from it (read-only git)."""
    try:
        head = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} + local changes" if dirty else head


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()


def package_versions(names: Iterable[str]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (absent)")
    return ", ".join(found)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """A process's resident memory in MiB (Linux /proc), NaN when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def machine_cpu_seconds() -> float:
    """CPU time every process on the machine has used since boot (Linux /proc/stat: all but idle and iowait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def dir_size_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- numbers ----------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100), linear between closest ranks (numpy's default); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high or ordered[low] == ordered[high]:
        return ordered[low]  # also keeps infinities (e.g. "never") out of the arithmetic
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> dict[str, float]:
    """count, mean, p50, p95, p99, max of some latencies (in whatever unit they come)."""
    if not values:
        return {"n": 0, "mean": math.nan, "p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    ordered = sorted(values)
    pick = {f"p{p}": percentile(ordered, p) for p in (50, 95, 99)}
    return {"n": len(ordered), "mean": sum(ordered) / len(ordered), **pick, "max": ordered[-1]}


def histogram_quantile(buckets: Sequence[tuple[float, float]], q: float) -> float:
    """Prometheus-style quantile from cumulative (upper bound, count) buckets, +Inf last; linear inside a bucket."""
    total = buckets[-1][1] if buckets else 0
    if total <= 0:
        return math.nan
    wanted, lower, below = q * total, 0.0, 0.0
    for upper, count in buckets:
        if count >= wanted:
            if math.isinf(upper):
                return lower
            return lower + (upper - lower) * (wanted - below) / max(count - below, 1e-12)
        lower, below = upper, count
    return lower


def ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


# -- reports ----------------------------------------------------------------------------------------------------


@dataclass
class Report:
    """A markdown report built section by section; `write` adds nothing the caller did not put in."""

    title: str
    parts: list[str] = field(default_factory=list)

    def facts(self, heading: str, pairs: dict[str, Any]) -> None:
        self.parts.append(f"## {heading}\n\n" + "\n".join(f"- **{k}**: {v}" for k, v in pairs.items()))

    def table(self, heading: str | None, headers: Sequence[str], rows: Iterable[Sequence[Any]], note: str = "") -> None:
        lines = [f"## {heading}\n"] if heading else []
        if note:
            lines.append(note + "\n")
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|" + "|".join("---" for _ in headers) + "|")
        lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
        self.parts.append("\n".join(lines))

    def run_and_machine(self, minutes: float) -> None:
        """The sections every report opens with: when, how it was run and how long it took, and on what."""
        self.facts("Run", {"date": now_utc(), "command": f"`{command_line()}`", "wall time": f"{minutes:.1f} min"})
        self.facts("Machine", machine())

    def text(self, heading: str | None, body: str) -> None:
        self.parts.append((f"## {heading}\n\n" if heading else "") + body.strip())

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {self.title}\n\n" + "\n\n".join(self.parts) + "\n")
        return path


def command_line() -> str:
    return " ".join([".venv/bin/python", *(sys.argv if sys.argv else [])])


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- an embedded data directory with a generated catalog ------------------------------------------------------


def prepare_catalog_dir(
    workdir: Path, products: int, reviews: bool, reuse: bool, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """A data dir holding `products` generated products imported through the catalog importer and indexed the way
    `aisle reindex` does it. With `reuse`, a directory that already holds the same catalog is kept as it is.

    Returns what the preparation measured (or measured when the directory was built)."""
    marker = workdir / DATASET_MARKER
    wanted = {"products": products, "reviews": reviews, "seed": 7}
    if reuse and marker.exists():
        built = json.loads(marker.read_text())
        if all(built.get(k) == v for k, v in wanted.items()):
            say(f"reusing {workdir} ({products:,} products, built {built['built_at']})")
            return {**built, "reused": True}
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    built = {**wanted, **_import_and_index(workdir, products, reviews, say), "built_at": now_utc()}
    marker.write_text(json.dumps(built, indent=2))
    return {**built, "reused": False}


def _import_and_index(workdir: Path, products: int, reviews: bool, say: Callable[[str], None]) -> dict[str, Any]:
    from aisle.adapters.bus.inprocess import InProcessBus
    from aisle.adapters.importers.synthetic import generate_catalog
    from aisle.bootstrap import bootstrap
    from aisle.services.clock import utc_now
    from aisle.services.outbox_relay import OutboxRelay
    from aisle.settings import Settings

    container = bootstrap(Settings(data_dir=workdir, run_background_workers=False))
    try:
        seller = container.sellers.get_or_create("Bench Goods (generated)").seller_id
        started, done, every = time.perf_counter(), [0], max(10_000, products // 10)

        def progress(count: int) -> None:
            done[0] += count
            if done[0] % every < count:
                rate = done[0] / (time.perf_counter() - started)
                say(f"  imported {done[0]:,}/{products:,} ({rate:,.0f} products/s)")

        summary = container.importer(index=False).run(
            seller, generate_catalog(products, with_reviews=reviews), progress
        )
        import_seconds = time.perf_counter() - started
        # The import left one outbox event per product and per review. A server would re-index every product
        # from them; the rebuild below indexes them all anyway, so they are marked delivered to no subscriber.
        drain_started = time.perf_counter()
        drained = _drain_outbox(OutboxRelay(container.uow, InProcessBus(), utc_now))
        drain_seconds = time.perf_counter() - drain_started
        index_started = time.perf_counter()
        fresh = container.search_engine.begin_rebuild()
        indexed = container.index_builder.rebuild_into(fresh)
        container.search_engine.finish_rebuild(fresh)
        index_seconds = time.perf_counter() - index_started
    finally:
        container.stop()
    say(f"  {summary.line()} in {import_seconds:.0f} s; rebuilt the index ({indexed:,} docs) in {index_seconds:.0f} s")
    return {
        "imported": summary.imported,
        "reviews_imported": summary.reviews,
        "import_seconds": round(import_seconds, 1),
        "outbox_events_drained": drained,
        "drain_seconds": round(drain_seconds, 1),
        "indexed": indexed,
        "reindex_seconds": round(index_seconds, 1),
    }


def _drain_outbox(relay: Any) -> int:
    total = 0
    while delivered := relay.relay_once():
        total += delivered
    return total


# -- `aisle serve` as a subprocess ------------------------------------------------------------------------------


def drop_opensearch_engine(engine: Any, url: str) -> None:
    """Deletes what a benchmark's throwaway OpenSearchEngine created (its indexes, its brand claims) and closes it."""
    from opensearchpy import OpenSearch

    if indexes := engine.physical_indexes():
        OpenSearch(url).indices.delete(index=",".join(indexes))
    engine.brand_claims.drop()
    engine.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AisleServer:
    """`aisle serve` on a data dir, in its own process; `with AisleServer(...) as server:` waits for /readyz."""

    def __init__(
        self, data_dir: Path, log_path: Path, env: dict[str, str] | None = None, args: Sequence[str] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._command = [str(REPO / ".venv/bin/aisle"), "serve", "--port", str(self.port), *args]
        # `aisle serve` has no default internal token; a benchmark's server gets a throwaway one.
        token = {"AISLE_INTERNAL_TOKEN": secrets.token_urlsafe(24)}
        self._env = {**token, **os.environ, "AISLE_DATA_DIR": str(data_dir), **(env or {})}
        self._log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> AisleServer:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self._log_path.open("wb")
        self.process = subprocess.Popen(self._command, env=self._env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready(timeout=120)
        except BaseException:
            self.__exit__()  # a server left running would hold the data dir's leader lock for the next run
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"aisle serve exited with {self.process.returncode}; see {self._log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"aisle serve not ready after {timeout} s; see {self._log_path}")

    def cpu_seconds(self) -> float:
        assert self.process is not None
        return process_cpu_seconds(self.process.pid)

    def __exit__(self, *_exc: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def scrape_histogram(metrics_text: str, name: str) -> list[tuple[float, float]]:
    """Cumulative (upper bound, count) buckets of one unlabelled Prometheus histogram, from /metrics text."""
    buckets = []
    for line in metrics_text.splitlines():
        if line.startswith(f"{name}_bucket{{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((math.inf if bound == "+Inf" else float(bound), float(line.rsplit(" ", 1)[1])))
    return sorted(buckets)
