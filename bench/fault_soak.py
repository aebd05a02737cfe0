"""Fault-and-soak: mixed traffic (search, product pages, seller writes, reservations) on the distributed shape while
OpenSearch, Redis and Kafka are each stopped for a while and started again.

It counts what must stay zero, and what a person should look at:
- writes lost: a 201 product write that is not there afterwards (or never becomes searchable once all is back)
- reservations oversold: more units reserved than were stocked, or stock that does not add up afterwards
- 5xx answers (a degraded answer is a 200 that says so, never a 5xx), by phase
- memory growth of each process (the API and each worker: RSS when the traffic starts, at its end, and the peak)

With --own-services (the real thing) the run stops and starts its OWN OpenSearch, Redis and Kafka with the
deploy/local scripts: start them first under another AISLE_SERVICES_DIR and ports, export the same variables, and
the run refuses the shared defaults. The API and the workers (relay, index builder, cache invalidator, reservation
expirer) run as separate processes, as in production:

    export AISLE_SERVICES_DIR=/var/tmp/aisle-soak AISLE_REDIS_PORT=6390 AISLE_OPENSEARCH_PORT=9210 \
           AISLE_OPENSEARCH_TRANSPORT_PORT=9310 AISLE_KAFKA_PORT=9192 AISLE_KAFKA_CONTROLLER_PORT=9193
    for s in redis opensearch kafka; do sudo -E bash deploy/local/$s.sh up; done
    sudo -E .venv/bin/python bench/fault_soak.py --own-services   # 15 minutes, 60 s outages
    for s in redis opensearch kafka; do sudo -E bash deploy/local/$s.sh down; done

Without it, OpenSearch and Redis are cut with tests/support/proxy.py (a TCP proxy in front of a shared server), and
Kafka only with --kafka-stop/--kafka-start commands (a proxy cannot cut it: clients reconnect to the advertised
address): `.venv/bin/python bench/fault_soak.py --minutes 3 --outage 30` is a short run of that kind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shlex
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, AisleServer, Report, command_line, machine, now_utc
from bench.soak_services import MemorySamples, OwnServices, WorkerProcess
from tests.support.proxy import CuttableProxy

WORDS = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "indigo", "juniper"]
STOCK_PER_VARIANT = 40
NO_KAFKA_PHASE = " (Kafka phase needs --own-services or --kafka-stop/--kafka-start)"


@dataclass
class Tally:
    phase: str = "warm-up"
    requests: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (phase, kind) -> 5xx count
    client_errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    degraded: Counter[str] = field(default_factory=Counter)
    written: dict[str, str] = field(default_factory=dict)  # product id -> searchable word
    reserved: Counter[str] = field(default_factory=Counter)  # variant id -> units reserved (201/200 answers)
    transport_errors: Counter[str] = field(default_factory=Counter)

    def answer(self, kind: str, response: httpx.Response) -> None:
        self.requests[kind] += 1
        if response.status_code >= 500:
            self.server_errors[(self.phase, kind)] += 1
        elif response.status_code >= 400:
            self.client_errors[(kind, response.status_code)] += 1
        elif '"degraded"' in response.text:
            self.degraded[self.phase] += 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds each dependency stays down")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--products", type=int, default=60, help="products created before the traffic")
    parser.add_argument("--database-url", default=os.environ.get("AISLE_TEST_DATABASE_URL"))
    parser.add_argument("--opensearch", default=os.environ.get("AISLE_TEST_OPENSEARCH_URL", "http://127.0.0.1:9200"))
    parser.add_argument("--redis", default=os.environ.get("AISLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--kafka", default=os.environ.get("AISLE_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--kafka-stop", help="shell command that stops a Kafka this run owns (enables that phase)")
    parser.add_argument("--kafka-start", help="shell command that starts it again")
    parser.add_argument(
        "--own-services",
        action="store_true",
        help="stop/start this run's own OpenSearch, Redis and Kafka (AISLE_SERVICES_DIR, AISLE_*_PORT) for real",
    )
    parser.add_argument(
        "--worker-processes",
        default="relay,index-builder,cache-invalidator,reservation-expirer",
        help="workers run as their own processes (empty: all inside the API process, --with-workers)",
    )
    parser.add_argument("--report", type=Path, default=REPO / "bench/reports/fault_soak.md")
    parser.add_argument("--workdir", type=Path, default=REPO / "var/bench")
    return parser.parse_args()


def _proxy(url: str) -> CuttableProxy:
    address = url.split("://", 1)[-1].split("/", 1)[0]
    host, _, port = address.rpartition(":")
    return CuttableProxy(host or "127.0.0.1", int(port))


async def _setup(client: httpx.AsyncClient, token: str, products: int) -> tuple[dict[str, str], list[str], list[str]]:
    internal = {"Authorization": f"Bearer {token}"}
    seller = (await client.post("/api/v1/sellers", json={"name": "Soak seller"}, headers=internal)).json()
    headers = {"Authorization": f"Bearer {seller['api_key']}"}
    await client.post(
        "/api/v1/warehouses", json={"warehouse_id": "soak", "name": "Soak", "region": "x"}, headers=internal
    )
    product_ids, variant_ids = [], []
    for n in range(products):
        body = _product(n, "seed")
        created = (await client.post("/api/v1/seller/products", json=body, headers=headers)).json()
        product_ids.append(created["product_id"])
        variant = created["variants"][0]["variant_id"]
        variant_ids.append(variant)
        change = {"operation": "SET", "warehouse_id": "soak", "quantity": STOCK_PER_VARIANT}
        await client.patch(f"/api/v1/inventory/{variant}", json=change, headers=internal)
    return headers, product_ids, variant_ids


def _product(n: int, tag: str) -> dict[str, Any]:
    word = f"{WORDS[n % len(WORDS)]}{tag}{n}"
    return {
        "title": f"Soak {word} lamp",
        "status": "ACTIVE",
        "brand": "Soak",
        "variants": [{"sku": f"{tag}-{n}", "price": 20 + n % 50}],
    }


async def _client_loop(
    faults_over: asyncio.Event,
    client: httpx.AsyncClient,
    tally: Tally,
    until: float,
    seller: dict[str, str],
    token: str,
    products: list[str],
    variants: list[str],
    worker: int,
) -> None:
    internal = {"Authorization": f"Bearer {token}"}
    rng, writes = random.Random(worker), 0
    while time.monotonic() < until or not faults_over.is_set():
        roll = rng.random()
        try:
            if roll < 0.4:
                word = rng.choice(WORDS)
                tally.answer("search", await client.get("/api/v1/products/search", params={"q": f"{word} lamp"}))
            elif roll < 0.7:
                tally.answer("pdp", await client.get(f"/api/v1/products/{rng.choice(products)}"))
            elif roll < 0.85:
                writes += 1
                tag = f"w{worker}x{writes}"
                response = await client.post("/api/v1/seller/products", json=_product(writes, tag), headers=seller)
                tally.answer("write", response)
                if response.status_code == 201:
                    tally.written[response.json()["product_id"]] = f"{WORDS[writes % len(WORDS)]}{tag}{writes}"
            else:
                variant = rng.choice(variants)
                body = {"operation": "RESERVE", "quantity": 1, "owner": f"soak-{worker}"}
                response = await client.patch(f"/api/v1/inventory/{variant}", json=body, headers=internal)
                tally.answer("reserve", response)
                if response.status_code == 200:
                    tally.reserved[variant] += 1
        except httpx.HTTPError as error:
            tally.transport_errors[type(error).__name__] += 1


async def _faults(
    tally: Tally, plan: list[tuple[str, Any, Any]], outage: float, gap: float, timeline: list[str], over: asyncio.Event
) -> None:
    """Each dependency in turn: stopped, left down for ``outage`` seconds, started again (blocking scripts run in a
    thread, so the traffic goes on meanwhile)."""
    started = time.monotonic()
    for name, stop, start in plan:
        await asyncio.sleep(gap)
        tally.phase = f"{name} down"
        at = time.monotonic()
        await asyncio.to_thread(stop)
        timeline.append(f"{at - started:.0f} s: {name} stopping ({time.monotonic() - at:.0f} s to stop)")
        await asyncio.sleep(outage)
        at = time.monotonic()
        await asyncio.to_thread(start)
        timeline.append(f"{at - started:.0f} s: {name} starting ({time.monotonic() - at:.0f} s until healthy)")
        tally.phase = f"after {name}"
    over.set()


async def _sample_memory(faults_over: asyncio.Event, memory: MemorySamples, pids: dict[str, int], until: float) -> None:
    """Every 10 s while the traffic runs (past ``until`` when a restart took long: the traffic waits for it)."""
    while time.monotonic() < until or not faults_over.is_set():
        memory.sample(pids)
        await asyncio.sleep(10.0)
    memory.sample(pids)


async def _verify(client: httpx.AsyncClient, tally: Tally, seller: dict[str, str], token: str) -> dict[str, Any]:
    lost = [
        pid
        for pid in tally.written
        if (await client.get(f"/api/v1/seller/products/{pid}", headers=seller)).status_code != 200
    ]
    deadline, unsearchable = time.monotonic() + 120, dict(tally.written)
    while unsearchable and time.monotonic() < deadline:
        for pid, word in list(unsearchable.items()):
            found = (await client.get("/api/v1/products/search", params={"q": word})).json()
            if any(r["product_id"] == pid for r in found.get("results", [])):
                del unsearchable[pid]
        await asyncio.sleep(1)
    internal = {"Authorization": f"Bearer {token}"}
    oversold, mismatched = 0, 0
    for variant, units in tally.reserved.items():
        stock = (await client.get(f"/api/v1/inventory/{variant}", headers=internal)).json()
        oversold += max(0, units - STOCK_PER_VARIANT)
        mismatched += int(stock["reserved"] != units or stock["available"] + stock["reserved"] != STOCK_PER_VARIANT)
    return {"lost": lost, "unsearchable": list(unsearchable), "oversold": oversold, "stock_mismatched": mismatched}


def _run_command(command: str) -> None:
    subprocess.run(shlex.split(command), check=True)


def _fault_plan(args: argparse.Namespace, own: OwnServices | None, proxies: dict[str, CuttableProxy]) -> list[Any]:
    if own is not None:
        return [
            (label, lambda n=name: own.stop(n), lambda n=name: own.start(n))
            for label, name in (("OpenSearch", "opensearch"), ("Redis", "redis"), ("Kafka", "kafka"))
        ]
    plan: list[Any] = [(name, proxy.cut, proxy.restore) for name, proxy in proxies.items()]
    if args.kafka_stop and args.kafka_start:
        plan.append(("Kafka", lambda: _run_command(args.kafka_stop), lambda: _run_command(args.kafka_start)))
    return plan


async def _soak(
    args: argparse.Namespace, token: str, pids: dict[str, int], url: str, plan: list[Any]
) -> dict[str, Any]:
    tally, memory, timeline = Tally(), MemorySamples(), []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        seller, products, variants = await _setup(client, token, args.products)
        total = args.minutes * 60
        gap = max(5.0, (total - len(plan) * args.outage) / (len(plan) + 1))
        until = time.monotonic() + total
        over = asyncio.Event()
        loops = [
            _client_loop(over, client, tally, until, seller, token, products, variants, w) for w in range(args.clients)
        ]
        started = time.monotonic()
        await asyncio.gather(
            _faults(tally, plan, args.outage, gap, timeline, over), _sample_memory(over, memory, pids, until), *loops
        )
        seconds = time.monotonic() - started
        verdict = await _verify(client, tally, seller, token)
    return {
        "tally": tally,
        "seconds": seconds,
        "memory": memory,
        "verdict": verdict,
        "plan": [p[0] for p in plan],
        "timeline": timeline,
    }


def _report(args: argparse.Namespace, result: dict[str, Any]) -> Path:
    tally, verdict = result["tally"], result["verdict"]
    report = Report(f"Fault and soak ({args.minutes:g} min, {args.outage:g} s outages)")
    report.facts(
        "Run",
        {
            "when": now_utc(),
            "command": command_line(),
            **machine(),
            "load": "shared 2-core machine, loaded by other work",
        },
    )
    report.facts(
        "Verdict",
        {
            "writes lost (201 but absent)": len(verdict["lost"]),
            "writes never searchable after recovery (120 s)": len(verdict["unsearchable"]),
            "reservations oversold": verdict["oversold"],
            "variants whose stock does not add up": verdict["stock_mismatched"],
            "5xx answers": sum(tally.server_errors.values()),
            "transport errors (client side)": dict(tally.transport_errors),
            "largest RSS growth of a process (MiB)": f"{max(_growths(result['memory']), default=0):+.0f}",
            "outages": ", ".join(result["plan"])
            + (
                "" if "Kafka" in result["plan"] else " (Kafka phase needs --own-services or --kafka-stop/--kafka-start)"
            ),
            "how": "stopped and started with deploy/local/*.sh (own instances)"
            if args.own_services
            else "TCP proxy cut",
            "traffic seconds": f"{result['seconds']:.0f}",
        },
    )
    report.table("Fault timeline", ["event"], [(line,) for line in result["timeline"]])
    report.table(
        "Memory per process (RSS, MiB; first sample when the traffic starts)",
        ["process", "first", "last", "peak", "growth"],
        result["memory"].rows(),
    )
    report.table("Requests", ["kind", "count"], sorted(tally.requests.items()))
    report.table(
        "5xx by phase", ["phase", "kind", "count"], [(p, k, n) for (p, k), n in sorted(tally.server_errors.items())]
    )
    report.table("Degraded (200) answers by phase", ["phase", "count"], sorted(tally.degraded.items()))
    report.table("4xx", ["kind", "status", "count"], [(k, s, n) for (k, s), n in sorted(tally.client_errors.items())])
    return report.write(args.report)


def _growths(memory: MemorySamples) -> list[float]:
    return [memory.last[name] - memory.first[name] for name in memory.first]


def main() -> None:
    args = _arguments()
    if not args.database_url:
        sys.exit("set --database-url or AISLE_TEST_DATABASE_URL (a PostgreSQL database this run may fill)")
    run, token = uuid.uuid4().hex[:8], secrets.token_urlsafe(24)
    workdir = args.workdir / f"soak-{run}"
    own = OwnServices.from_environment(workdir / "services.log") if args.own_services else None
    proxies = {} if own else {"OpenSearch": _proxy(args.opensearch), "Redis": _proxy(args.redis)}
    env = _environment(args, run, token, own, proxies)
    workers = [name for name in args.worker_processes.split(",") if name]
    with ExitStack() as stack:
        processes = [stack.enter_context(WorkerProcess(w, env, workdir / f"worker-{w}.log")) for w in workers]
        server_args = [] if workers else ["--with-workers"]
        server = stack.enter_context(AisleServer(workdir, workdir / "serve.log", env=env, args=server_args))
        assert server.process is not None
        pids = {"api": server.process.pid} | {p.name: p.process.pid for p in processes if p.process is not None}
        result = asyncio.run(_soak(args, token, pids, server.url, _fault_plan(args, own, proxies)))
        result["dead"] = [p.name for p in processes if not p.alive()]
    for proxy in proxies.values():
        proxy.close()
    print(f"report: {_report(args, result)}")
    print(
        result["verdict"] | {"5xx": sum(result["tally"].server_errors.values()), "growth": _growths(result["memory"])}
    )


def _environment(
    args: argparse.Namespace, run: str, token: str, own: OwnServices | None, proxies: dict[str, CuttableProxy]
) -> dict[str, str]:
    if own is not None:
        opensearch, redis, kafka = own.urls["opensearch"], own.urls["redis"], own.urls["kafka"]
    else:
        redis_db = args.redis.rsplit("/", 1)[-1] if args.redis.count("/") >= 3 else "15"
        opensearch = f"http://{proxies['OpenSearch'].address}"
        redis, kafka = f"redis://{proxies['Redis'].address}/{redis_db}", args.kafka
    return {
        "AISLE_PROFILE": "distributed",
        "AISLE_DATABASE_URL": args.database_url,
        "AISLE_OPENSEARCH_URL": opensearch,
        "AISLE_REDIS_URL": redis,
        "AISLE_KAFKA_BOOTSTRAP": kafka,
        "AISLE_SEARCH_INDEX": f"aisle-soak-{run}",
        "AISLE_TOPIC_PREFIX": f"soak.{run}.",
        "AISLE_INTERNAL_TOKEN": token,
        "AISLE_SELLER_WRITES_PER_MINUTE": "1e9",
        "AISLE_SEARCHES_PER_MINUTE": "1e9",
        # No reservation may expire during the run: the stock check at the end counts every one still held.
        "AISLE_RESERVATION_TTL_SECONDS": str(int(args.minutes * 60 + 3600)),
    }


if __name__ == "__main__":
    main()
