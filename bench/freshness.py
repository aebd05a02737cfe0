"""Write -> searchable: how long after a seller's write does search find it?

Starts `aisle serve` (embedded shape) on a generated catalog, registers a seller through the internal API, then
sends --updates writes at --rate per second through the seller API: first creates (POST), then title updates
(PATCH) of the products it created. Every write puts a word never seen before in the title. Right after the write
is acknowledged, a poller asks GET /api/v1/products/search?q=<word> every --poll-ms until the product comes back;
the write counts as searchable when the first search that found it was sent (so the true moment lies at most one
pause plus one search earlier).
A product is updated more than once; once a write that made a newer version of it (its ETag) is acknowledged, the
earlier word is gone from its title, so an earlier write not found by then is counted as superseded (not as lost)
and its polling stops. Versions, not sending order: two writes in flight together may commit in either order. At
the end every product is searched for under the word of its newest version: one not found there is a lost update.
Reports write -> searchable latency (p50/p99/max, from the write's acknowledgement and from its sending), the write
latency itself, and the server's own `aisle_index_lag_seconds` histogram from /metrics.

Rerun:  .venv/bin/python bench/freshness.py --updates 300 --rate 20/s --reuse
Report: bench/reports/freshness.md. The machine is shared and noisy: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import secrets
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from common import AisleServer, prepare_catalog_dir, scrape_histogram
from freshness_report import write_report

REPORTS = Path(__file__).parent / "reports"
SEARCH = "/api/v1/products/search"
LAG_METRIC = "aisle_index_lag_seconds"
GIVE_UP_SECONDS = 30.0
EXCEPTION_LINE = re.compile(r"^[A-Za-z_.]+(Error|Exception|Timeout): ")


@dataclass
class Write:
    kind: str  # "create" or "update"
    word: str
    sent: float
    acked: float = 0.0
    status: int = 0
    product_id: str = ""
    version: int = 0  # the product version the write made (its ETag): concurrent writes may commit out of order
    found: float | None = None  # when the first search that returned the product with the new word was sent
    polls: int = 0
    first_asked: float | None = None  # when its first search was sent (after waiting for a free poller)
    corrected: bool = False  # the query parser rewrote the new word (it was not in its vocabulary yet)
    superseded: bool = False  # a newer version of the product was acknowledged before this one was found
    errors: list[str] = field(default_factory=list)


def main() -> None:
    args = _arguments()
    started = time.time()
    data_dir = args.workdir / f"fresh-{args.products}"
    print(f"preparing {data_dir} with {args.products:,} generated products")
    prepared = prepare_catalog_dir(data_dir, args.products, reviews=False, reuse=args.reuse)
    token = secrets.token_hex(16)
    env = {"AISLE_INTERNAL_TOKEN": token, "AISLE_SELLER_WRITES_PER_MINUTE": "1e9", "AISLE_SEARCHES_PER_MINUTE": "1e9"}
    log_path = args.workdir / "freshness-serve.log"
    with AisleServer(data_dir, log_path, env=env) as server:
        api_key = _register_seller(server.url, token)
        lag_before = _lag_histogram(server.url, token)
        cpu_before = server.cpu_seconds()
        writes, seconds, lost = asyncio.run(_run(server.url, api_key, args))
        cpu = server.cpu_seconds() - cpu_before
        lag_after = _lag_histogram(server.url, token)
    lag = [(bound, after - before) for (bound, after), (_b, before) in zip(lag_after, lag_before, strict=False)]
    results = {"args": vars(args), "prepared": prepared, "writes": writes, "seconds": seconds, "server_cpu": cpu}
    results["lost"] = lost
    results.update(
        give_up_seconds=GIVE_UP_SECONDS,
        lag_histogram=lag,
        server_errors=_server_errors(log_path),
        started=started,
        finished=time.time(),
    )
    print(f"report: {write_report(REPORTS / args.report, results)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write -> searchable latency through the seller API and search, on the embedded shape.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--updates", type=int, default=300, help="writes to send (creates first, then updates)")
    parser.add_argument("--rate", type=_rate, default=20.0, help="writes per second, e.g. 20/s")
    parser.add_argument("--creates", type=float, default=0.34, help="share of the writes that create a product")
    parser.add_argument("--products", type=int, default=20_000, help="generated products in the catalog")
    parser.add_argument("--poll-ms", type=float, default=20.0, help="pause between searches for one write")
    parser.add_argument("--pollers", type=int, default=4, help="searches in flight at most (shoppers polling)")
    parser.add_argument("--workdir", type=Path, default=Path("/var/tmp/aisle-bench"), help="where data is built")
    parser.add_argument("--reuse", action="store_true", help="keep a data dir built for the same catalog")
    parser.add_argument("--report", default="freshness.md", help="report file name in bench/reports/")
    return parser.parse_args()


def _rate(text: str) -> float:
    return float(text.removesuffix("/s"))


def _register_seller(url: str, token: str) -> str:
    response = httpx.post(
        f"{url}/api/v1/sellers",
        json={"name": "Freshness bench"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["api_key"]


def _lag_histogram(url: str, token: str) -> list[tuple[float, float]]:
    try:
        scraped = httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        return scrape_histogram(scraped.text, LAG_METRIC)
    except httpx.HTTPError as error:
        print(f"could not read /metrics: {type(error).__name__}")
        return []


def _server_errors(log_path: Path) -> Counter[str]:
    """Exceptions the server logged, by their last line (e.g. a connection pool timeout)."""
    found: Counter[str] = Counter()
    for line in log_path.read_text(errors="replace").splitlines():
        if EXCEPTION_LINE.match(line):
            found[line.split(" (Background on this error")[0][:160]] += 1
    return found


async def _run(url: str, api_key: str, args: argparse.Namespace) -> tuple[list[Write], float, list[Write]]:
    """Open loop: write i starts at i / rate whether or not earlier writes have finished, as sellers would.
    Returns the writes, the seconds they took, and the last write of each product that search did not find."""
    headers = {"Authorization": f"Bearer {api_key}"}
    limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:
        await _send(http.get(SEARCH, params={"q": "warm up"}))  # the first search builds the spelling vocabulary
        creates = max(1, round(args.updates * args.creates))
        words = _unique_words(args.updates)
        created: list[asyncio.Future[str]] = [asyncio.get_running_loop().create_future() for _ in range(creates)]
        searching = asyncio.Semaphore(args.pollers)
        latest: dict[str, Write] = {}  # product id -> its last acknowledged write
        started = time.perf_counter()

        async def one(i: int) -> Write:
            await _sleep_until(started + i / args.rate)
            if i < creates:
                write = await _create(http, words[i], i)
                created[i].set_result(write.product_id)
            elif product_id := await created[(i - creates) % creates]:
                write = await _update(http, words[i], product_id)
            else:
                write = Write("update", words[i], time.perf_counter(), errors=["its create had failed: not sent"])
            if write.status in (200, 201):
                if (before := latest.get(write.product_id)) is None or before.version < write.version:
                    latest[write.product_id] = write
                await _poll(http, write, args.poll_ms / 1000, searching, lambda: latest[write.product_id] is not write)
            return write

        writes = await asyncio.gather(*(one(i) for i in range(args.updates)))
        seconds = time.perf_counter() - started
        lost = [w for w in latest.values() if not await _searchable(http, w)]
        return list(writes), seconds, lost


async def _searchable(http: httpx.AsyncClient, write: Write) -> bool:
    """The final check: is the product found under the word its last write gave it?"""
    if write.found is not None:
        return True
    response = await _send(http.get(SEARCH, params={"q": write.word, "page_size": 5}))
    return isinstance(response, httpx.Response) and any(
        r["product_id"] == write.product_id for r in response.json().get("results", [])
    )


def _unique_words(count: int) -> list[str]:
    """Made-up words: letters only, so they read as words and not as model codes, and far from any real one."""
    rng, letters = random.Random(), string.ascii_lowercase
    return [f"zq{''.join(rng.choice(letters) for _ in range(8))}" for _ in range(count)]


async def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def _create(http: httpx.AsyncClient, word: str, n: int) -> Write:
    body = {
        "title": f"Freshbench {word.capitalize()} Trail Lamp",
        "description": "A lamp written by the freshness benchmark.",
        "brand": "Freshbench",
        "status": "ACTIVE",
        "variants": [{"sku": f"FRESH-{word.upper()}-{n}", "price": 29.99}],
    }
    write = Write("create", word, time.perf_counter())
    return _acked(write, await _send(http.post("/api/v1/seller/products", json=body)))


async def _update(http: httpx.AsyncClient, word: str, product_id: str) -> Write:
    write = Write("update", word, time.perf_counter())
    body = {"title": f"Freshbench {word.capitalize()} Trail Lamp, updated"}
    return _acked(write, await _send(http.patch(f"/api/v1/seller/products/{product_id}", json=body)))


async def _send(request: Any) -> httpx.Response | str:
    try:
        return await request
    except httpx.HTTPError as error:
        return type(error).__name__


def _acked(write: Write, response: httpx.Response | str) -> Write:
    write.acked = time.perf_counter()
    if isinstance(response, str):
        write.errors.append(f"{write.kind} {response}")
    elif response.status_code in (200, 201):
        write.status, write.product_id = response.status_code, response.json()["product_id"]
        write.version = int(response.headers["ETag"].strip('"'))
    else:
        write.status = response.status_code
        write.errors.append(f"{write.kind} HTTP {response.status_code}: {response.text[:120]}")
    return write


async def _poll(
    http: httpx.AsyncClient, write: Write, pause: float, searching: asyncio.Semaphore, replaced: Callable[[], bool]
) -> None:
    give_up = write.acked + GIVE_UP_SECONDS
    while time.perf_counter() < give_up:
        if replaced():  # a later write to this product was acknowledged: this word is no longer its title
            write.superseded = True
            return
        async with searching:
            asked = time.perf_counter()
            write.first_asked = write.first_asked or asked
            try:
                response = await http.get(SEARCH, params={"q": write.word, "page_size": 5})
            except httpx.HTTPError as error:
                write.errors.append(type(error).__name__)
                continue
        write.polls += 1
        if response.status_code != 200:
            write.errors.append(f"search HTTP {response.status_code}")
        else:
            body: dict[str, Any] = response.json()
            write.corrected |= bool(body["query"].get("corrections"))
            if any(r["product_id"] == write.product_id for r in body["results"]):
                write.found = asked
                return
        await asyncio.sleep(pause)


if __name__ == "__main__":
    main()
