"""The HTTP part of bench/search_latency.py: `aisle serve` in its own process, driven by concurrent keep-alive
clients over GET /api/v1/products/search for a fixed time.

The load generator runs in the benchmark's process (asyncio + aiohttp, one connection per client), never in the
server's, so the two do not share a GIL; they do share the machine's cores, and the report says how much CPU each
used. Each request records its class, status, client-side latency, and the server's own `took_ms` (time inside the
search pipeline), which separates the pipeline from HTTP, serialization and queueing.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
from common import AisleServer, machine_cpu_seconds
from search_latency_data import http_params

SEARCH = "/api/v1/products/search"
UNLIMITED = {"AISLE_SEARCHES_PER_MINUTE": "1e9"}  # the load comes from one address: lift the per-client limit


@dataclass
class LoadResult:
    clients: int
    seconds: float = 0.0
    latency_ms: dict[str, list[float]] = field(default_factory=dict)  # by class, and "all"
    took_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    zero_results: int = 0
    relaxed: int = 0
    by_process: dict[str, int] = field(default_factory=dict)  # answers per server process (X-Aisle-Process)
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    machine_cpu_seconds: float = 0.0  # every process on the machine, ours included

    @property
    def requests(self) -> int:
        return len(self.latency_ms.get("all", []))

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_http_phase(
    data_dir: Path, streams: dict[str, list[dict[str, Any]]], clients: int, duration: float, log_path: Path
) -> dict[str, Any]:
    """Starts the server, warms it up, then measures one client at a time and `clients` at once, each run on its
    own query stream (so caches hold what steady traffic would leave in them, no more)."""
    started = time.perf_counter()
    with AisleServer(data_dir, log_path, env=UNLIMITED) as server:
        ready_seconds = time.perf_counter() - started
        first = time.perf_counter()
        httpx.get(server.url + SEARCH, params={"q": "wireless headphones"}, timeout=120)
        first_query_seconds = time.perf_counter() - first
        measure(server, streams["http warm-up"], clients=clients, duration=min(10.0, duration / 3))
        single = measure(server, streams["http 1 client"], clients=1, duration=max(10.0, duration / 2))
        loaded = measure(server, streams["http loaded"], clients=clients, duration=duration)
    return {
        "ready_seconds": ready_seconds,
        "first_query_seconds": first_query_seconds,
        "single": single,
        "loaded": loaded,
    }


def measure(server: AisleServer, queries: Sequence[dict[str, Any]], clients: int, duration: float) -> LoadResult:
    result = LoadResult(clients)
    cpu_before, client_before, machine_before = server.cpu_seconds(), _own_cpu(), machine_cpu_seconds()
    result.seconds = asyncio.run(_drive(server.url, queries, clients, duration, result))
    result.server_cpu_seconds = server.cpu_seconds() - cpu_before
    result.client_cpu_seconds = _own_cpu() - client_before
    result.machine_cpu_seconds = machine_cpu_seconds() - machine_before
    return result


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _drive(url: str, queries: Sequence[dict[str, Any]], clients: int, duration: float, out: LoadResult) -> float:
    # aiohttp, not httpx: it costs the client ~0.3 ms of CPU per search against httpx's 1.7-2.5 ms, CPU that the
    # server on this same 2-core box would otherwise not get.
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(url, connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        started = time.perf_counter()
        deadline = started + duration
        # Each client walks the mix from its own starting point, so concurrent clients ask different things.
        await asyncio.gather(
            *(_client(http, queries, offset * len(queries) // clients, deadline, out) for offset in range(clients))
        )
        return time.perf_counter() - started


async def _client(
    http: aiohttp.ClientSession, queries: Sequence[dict[str, Any]], position: int, deadline: float, out: LoadResult
) -> None:
    while time.perf_counter() < deadline:
        query = queries[position % len(queries)]
        position += 1
        before = time.perf_counter()
        try:
            async with http.get(SEARCH, params=http_params(query)) as response:
                content = await response.read()
        except (TimeoutError, aiohttp.ClientError) as error:
            _count(out.errors, type(error).__name__)
            continue
        elapsed = (time.perf_counter() - before) * 1000
        if response.status != 200:
            _count(out.errors, f"HTTP {response.status}")
            continue
        body = orjson.loads(content)
        out.latency_ms.setdefault(query["cls"], []).append(elapsed)
        out.latency_ms.setdefault("all", []).append(elapsed)
        out.took_ms.append(body["took_ms"])
        out.zero_results += body["total"] == 0
        out.relaxed += body.get("relaxed") is not None
        _count(out.by_process, response.headers.get("x-aisle-process", "single"))


def _count(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1
