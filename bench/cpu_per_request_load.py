"""The load of bench/cpu_per_request.py: requests sent to a running `aisle serve`, and the server's CPU time they
cost (user + system of the server process, all its threads, read from /proc before and after).

Two loads: GET /api/v1/products/search with the search_latency query mix, and POST /api/v1/inventory/reservations
with one line of one unit on one of a set of stocked variants. Each runs with one client (requests one after the
other: the server's CPU per request with nothing else in flight) and with several concurrent keep-alive clients.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from common import AisleServer, percentile
from search_latency_data import http_params

SEARCH = "/api/v1/products/search"
RESERVE = "/api/v1/inventory/reservations"
WAREHOUSE = "cpu-bench"
STOCK = 10_000_000


@dataclass
class Measured:
    """One load against one server: requests answered, the server's CPU seconds they cost, client latencies."""

    requests: int = 0
    errors: int = 0
    server_cpu: float = 0.0
    seconds: float = 0.0
    latency_ms: list[float] = field(default_factory=list)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.requests if self.requests else float("nan")

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
    cpu_before, started = server.cpu_seconds(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.seconds = time.perf_counter() - started
    out.server_cpu = server.cpu_seconds() - cpu_before
    return out


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
