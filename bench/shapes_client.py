"""The load generator of bench/shapes.py, run in its own process against one running `aisle serve`.

    .venv/bin/python bench/shapes_client.py SPEC.json OUT.json

SPEC holds url, token, queries, warmup_queries, single_queries, single, clients, duration, warmup, pdp_ids,
fresh_count, fresh_rate and poll_ms. Three phases, one after the other: (1) search: a warm-up, `single` seconds of
one client alone (no queueing), then `clients` keep-alive connections walk the query mix for `duration` seconds; (2)
product pages: every id in pdp_ids once (cache miss: nothing has asked for it yet), then each again (cache hit), one
request at a time; (3) freshness: create `fresh_count` products through the seller API at `fresh_rate` per second,
each with a made-up word in its title, and poll search for the word until the product comes back. Latencies are
client-side milliseconds; OUT.json holds the raw lists. It imports nothing from aisle.
"""

from __future__ import annotations

import asyncio
import json
import random
import string
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

SEARCH = "/api/v1/products/search"
GIVE_UP_SECONDS = 30.0


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    out: dict[str, Any] = {}
    out["search_warmup"] = asyncio.run(search_load(spec, spec["warmup"], spec["warmup_queries"], spec["clients"]))
    out["search_single"] = asyncio.run(search_load(spec, spec["single"], spec["single_queries"], 1))
    out["search"] = asyncio.run(search_load(spec, spec["duration"], spec["queries"], spec["clients"]))
    out["pdp"] = asyncio.run(pdp(spec))
    out["fresh"] = asyncio.run(freshness(spec))
    with open(sys.argv[2], "wb") as f:
        f.write(orjson.dumps(out))


def _count(counter: dict[str, int], key: str) -> None:
    counter[key] = counter.get(key, 0) + 1


async def search_load(spec: dict[str, Any], duration: float, queries: list[dict], clients: int) -> dict[str, Any]:
    """Each client walks its own stretch of the mix, so within a run a query repeats only where the mix repeats it
    (the facet counts are cached: a client-made repeat would measure the cache, not the engine)."""
    res: dict[str, Any] = {"latency_ms": [], "by_class": {}, "errors": {}, "degraded": 0, "zero": 0, "took_ms": []}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=spec["url"], limits=limits, timeout=30) as http:
        started = time.perf_counter()
        deadline = started + duration

        async def client(position: int) -> None:
            while time.perf_counter() < deadline:
                query = queries[position % len(queries)]
                position += 1
                before = time.perf_counter()
                try:
                    response = await http.get(SEARCH, params={k: v for k, v in query.items() if k != "cls"})
                except httpx.HTTPError as error:
                    _count(res["errors"], type(error).__name__)
                    continue
                elapsed = (time.perf_counter() - before) * 1000
                if response.status_code != 200:
                    _count(res["errors"], f"HTTP {response.status_code}")
                    if len(res.setdefault("error_samples", [])) < 5:
                        res["error_samples"].append(f"{response.status_code} {query} {response.text[:200]}")
                    continue
                body = orjson.loads(response.content)
                res["latency_ms"].append(elapsed)
                res["by_class"].setdefault(query["cls"], []).append(elapsed)
                res["took_ms"].append(body.get("took_ms", 0))
                res["zero"] += body.get("total") == 0
                if body.get("degraded"):
                    res["degraded"] += 1
                    if len(res.setdefault("degraded_samples", [])) < 3:
                        res["degraded_samples"].append(str(body["degraded"])[:200])

        await asyncio.gather(*(client(i * len(queries) // clients) for i in range(clients)))
        res["seconds"] = time.perf_counter() - started
    return res


async def pdp(spec: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = {"miss_ms": [], "hit_ms": [], "errors": {}, "x_cache": {}}
    async with httpx.AsyncClient(base_url=spec["url"], timeout=30) as http:
        for kind in ("miss_ms", "hit_ms"):
            for product_id in spec["pdp_ids"]:
                before = time.perf_counter()
                try:
                    response = await http.get(f"/api/v1/products/{product_id}")
                except httpx.HTTPError as error:
                    _count(res["errors"], type(error).__name__)
                    continue
                elapsed = (time.perf_counter() - before) * 1000
                if response.status_code != 200:
                    _count(res["errors"], f"{kind[:4]} HTTP {response.status_code}")
                    continue
                res[kind].append(elapsed)
                _count(res["x_cache"], f"{kind[:4]} {response.headers.get('x-cache', '-')}")
    return res


async def freshness(spec: dict[str, Any]) -> dict[str, Any]:
    token, count = spec["token"], spec["fresh_count"]
    res: dict[str, Any] = {"write_ms": [], "searchable_ms": [], "never": 0, "errors": {}, "polls": 0}
    async with httpx.AsyncClient(base_url=spec["url"], timeout=30) as http:
        made = await http.post(
            "/api/v1/sellers", json={"name": "Shapes fresh"}, headers={"Authorization": f"Bearer {token}"}
        )
        made.raise_for_status()
        seller = {"Authorization": f"Bearer {made.json()['api_key']}"}
        rng = random.Random()
        words = [f"zq{''.join(rng.choice(string.ascii_lowercase) for _ in range(8))}" for _ in range(count)]
        started = time.perf_counter()

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, started + i / spec["fresh_rate"] - time.perf_counter()))
            body = {
                "title": f"Shapesbench {words[i].capitalize()} Desk Lamp",
                "brand": "Shapesbench",
                "description": "A lamp written by the shapes benchmark.",
                "status": "ACTIVE",
                "variants": [{"sku": f"SHAPES-{words[i].upper()}", "price": 19.99}],
            }
            sent = time.perf_counter()
            try:
                response = await http.post("/api/v1/seller/products", json=body, headers=seller)
            except httpx.HTTPError as error:
                _count(res["errors"], f"write {type(error).__name__}")
                return
            acked = time.perf_counter()
            if response.status_code not in (200, 201):
                _count(res["errors"], f"write HTTP {response.status_code}: {response.text[:100]}")
                return
            res["write_ms"].append((acked - sent) * 1000)
            product_id = response.json()["product_id"]
            while time.perf_counter() < acked + GIVE_UP_SECONDS:
                asked = time.perf_counter()
                try:
                    found = await http.get(SEARCH, params={"q": words[i], "page_size": 5})
                except httpx.HTTPError as error:
                    _count(res["errors"], f"poll {type(error).__name__}")
                    continue
                res["polls"] += 1
                if found.status_code != 200:
                    _count(res["errors"], f"poll HTTP {found.status_code}")
                elif any(r["product_id"] == product_id for r in found.json()["results"]):
                    res["searchable_ms"].append((asked - acked) * 1000)
                    return
                await asyncio.sleep(spec["poll_ms"] / 1000)
            res["never"] += 1

        await asyncio.gather(*(one(i) for i in range(count)))
    return res


if __name__ == "__main__":
    main()
