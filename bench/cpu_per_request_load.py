"""The load of bench/cpu_per_request.py: requests sent to a running `aisle serve`, and the server's CPU time they
cost (user + system of the server process, all its threads, read from /proc before and after).

Two loads: GET /api/v1/products/search with the search_latency query mix, and POST /api/v1/inventory/reservations
with one line of one unit on one of a set of stocked variants. Each runs with one client (requests one after the
other: the server's CPU per request with nothing else in flight) and with several concurrent keep-alive clients.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from common import AisleServer, percentile
from search_latency_data import http_params

SEARCH = "/api/v1/products/search"
RESERVE = "/api/v1/inventory/reservations"
WAREHOUSE = "cpu-bench"
STOCK = 1_000_000


@dataclass
class Measured:
    """One load against one server: requests answered, the server's CPU seconds they cost, client latencies."""

    requests: int = 0
    errors: int = 0
    server_cpu: float = 0.0  # while the requests were answered
    settle_cpu: float = 0.0  # after the last answer, until the server was idle again (what the requests set off)
    seconds: float = 0.0
    latency_ms: list[float] = field(default_factory=list)
    roles: dict[str, float] = field(default_factory=dict)  # CPU seconds by thread role, load and settling

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.requests if self.requests else float("nan")

    @property
    def total_cpu_ms_per_request(self) -> float:
        return 1000 * (self.server_cpu + self.settle_cpu) / self.requests if self.requests else float("nan")

    def role_ms(self, role: str) -> float:
        return 1000 * self.roles.get(role, 0.0) / self.requests if self.requests else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latency_ms, q)


def idle_cpu_per_second(server: AisleServer, seconds: float = 3.0) -> float:
    """What the server's background loops (relay, leader lease, jobs) cost with no request in flight."""
    before = server.cpu_seconds()
    time.sleep(seconds)
    return (server.cpu_seconds() - before) / seconds


def search_requests(queries: Sequence[dict[str, Any]]) -> Callable[[httpx.Client, int], httpx.Response]:
    def send(http: httpx.Client, n: int) -> httpx.Response:
        return http.get(SEARCH, params=http_params(queries[n % len(queries)]))

    return send


def reserve_requests(variant_ids: Sequence[int]) -> Callable[[httpx.Client, int], httpx.Response]:
    def send(http: httpx.Client, n: int) -> httpx.Response:
        line = {"variant_id": str(variant_ids[n % len(variant_ids)]), "quantity": 1}
        return http.post(RESERVE, json={"owner": f"cart-{n}", "lines": [line]})

    return send


def run(
    server: AisleServer,
    send: Callable[[httpx.Client, int], httpx.Response],
    count: int,
    clients: int,
    token: str,
    start: int = 0,
    idle: float = 0.0,
) -> Measured:
    """``count`` requests split over ``clients`` threads, each with its own keep-alive connection; request n of
    the run is request ``start + n`` of the stream (so runs can take different parts of a query mix)."""
    out, lock, numbers = Measured(), threading.Lock(), itertools.count(start)
    stop_at = start + count

    def client() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            while (n := next(numbers)) < stop_at:
                before = time.perf_counter()
                response = send(http, n)
                elapsed = (time.perf_counter() - before) * 1000
                with lock:
                    if response.status_code >= 300:
                        out.errors += 1
                    else:
                        out.requests += 1
                        out.latency_ms.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    pid = server.process.pid if server.process else 0
    by_thread, cpu_before, started = thread_cpu(pid), server.cpu_seconds(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.seconds = time.perf_counter() - started
    out.server_cpu = server.cpu_seconds() - cpu_before
    out.settle_cpu = settle(server, idle)
    out.roles = by_role(by_thread, thread_cpu(pid), thread_names(pid))
    return out


def settle(server: AisleServer, idle_cores: float, most_seconds: float = 15.0) -> float:
    """Waits until the server is back to its idle CPU rate (the relay and index builder done with what the load
    wrote); returns the CPU seconds spent meanwhile beyond the idle rate."""
    spent, waited = 0.0, 0.0
    while waited < most_seconds:
        before = server.cpu_seconds()
        time.sleep(0.5)
        extra = server.cpu_seconds() - before - idle_cores * 0.5
        waited += 0.5
        if extra <= 0.01:
            break
        spent += extra
    return spent


def stock_variants(server: AisleServer, data_dir: Path, count: int, token: str) -> list[int]:
    """``count`` variants of the catalog, each given STOCK units in one warehouse through the inventory API."""
    with sqlite3.connect(f"file:{data_dir / 'aisle.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT variant_id FROM variants ORDER BY variant_id LIMIT ?", (count,)).fetchall()
    variant_ids = [row[0] for row in rows]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        made = http.post("/api/v1/warehouses", json={"warehouse_id": WAREHOUSE, "name": "CPU bench", "region": "x"})
        if made.status_code not in (201, 409):
            raise RuntimeError(f"warehouse: HTTP {made.status_code} {made.text}")
        for variant_id in variant_ids:
            body = {"operation": "SET", "quantity": STOCK, "warehouse_id": WAREHOUSE}
            http.patch(f"/api/v1/inventory/{variant_id}", json=body).raise_for_status()
    return variant_ids


def answers_digest(server: AisleServer, queries: Sequence[dict[str, Any]]) -> str:
    """A digest of the search answers to these queries, all but `took_ms`: equal digests, identical answers."""
    digest = hashlib.sha256()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for query in queries:
            body = orjson.loads(http.get(SEARCH, params=http_params(query)).content)
            body.pop("took_ms", None)
            digest.update(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:16]


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of a process, by thread id."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def thread_names(pid: int) -> dict[int, str]:
    """Python thread names by thread id, from `py-spy dump` when it is installed (else none: threads then count
    as "other")."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return {}
    dump = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, check=False).stdout
    return {int(tid): name for tid, name in re.findall(r'^Thread (\d+) \([^)]*\): "([^"]*)"', dump, re.M)}


def by_role(before: dict[int, float], after: dict[int, float], names: dict[int, str]) -> dict[str, float]:
    """CPU seconds spent between two thread_cpu readings, summed by what the threads do."""
    spent: dict[str, float] = {}
    for tid, seconds in after.items():
        role = ROLES.get(names.get(tid, ""), "other (native: Tantivy, SQLite; unnamed)")
        if names.get(tid, "").startswith("AnyIO worker"):
            role = "request threads (endpoint + service)"
        spent[role] = spent.get(role, 0.0) + seconds - before.get(tid, 0.0)
    return spent


ROLES = {
    "MainThread": "event loop (HTTP, middleware, routing, JSON)",
    "outbox-relay": "relay (index builder, cache invalidation)",
    "query-understanding": "vocabulary rebuilds",
}
