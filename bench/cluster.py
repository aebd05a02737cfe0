"""aisle on the local cluster (`make cluster-up`): index-builder throughput with 1, 2 and 3 consumer processes on
3 partitions, and search throughput on one OpenSearch node versus the 2-data-node cluster, side by side.

Index builders. --products generated products are imported into PostgreSQL (--database-url is emptied first;
their import events are marked delivered to no one). Then for each of 1, 2, 3 processes: one `product.updated`
event per product is produced to fresh 3-partition, 3-replica topics (at --produce-rate events/s at most, so the
brokers are not flooded), N `aisle worker index-builder` processes start in one new consumer group with a fresh
index alias, and the index's document count is sampled every 0.5 s until it holds every product. Throughput is
the slope from 10% to 90% indexed (start-up and the group's first rebalance fall before 10%).

Search. --docs generated search documents are indexed through OpenSearchEngine into the single node (1 shard,
no replica) and into the cluster (2 primaries, 1 replica, all three HTTP nodes as hosts). Then the same query mix
(keywords, filters, facets, sorts) runs from --clients threads for --seconds against each, one after the other.

Numbers only: nothing here asserts on time. The machine is shared (six other engineers' tests) and loaded.
Report: bench/reports/cluster.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import REPO, Report, command_line, machine, now_utc, summarize
from search_latency_data import CategoryIds, catalog, engine_query, query_mix

REPORTS = Path(__file__).parent / "reports"
CLUSTER_OS = "http://127.0.0.1:9200,http://127.0.0.1:9201,http://127.0.0.1:9202"
CLUSTER_KAFKA = "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"


def main() -> None:
    args = _arguments()
    REPORTS.mkdir(exist_ok=True)
    before = machine()
    builders = index_builder_runs(args)
    searches = search_runs(args)
    write_report(args, before, builders, searches)


# -- index builders -----------------------------------------------------------------------------------------------


def index_builder_runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    run = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "AISLE_PROFILE": "distributed",
        "AISLE_DATABASE_URL": args.database_url,
        "AISLE_OPENSEARCH_URL": args.cluster_opensearch,
        "AISLE_KAFKA_BOOTSTRAP": args.cluster_kafka,
        "AISLE_DATA_DIR": str(REPO / "var" / "bench-cluster"),
    }
    product_ids = import_products(env, args.products)
    results = []
    for processes in (1, 2, 3):
        # A fresh prefix per run: new topics holding the whole backlog, and a new consumer group reading it.
        run_env = env | {
            "AISLE_TOPIC_PREFIX": f"bench.{run}.{processes}.",
            "AISLE_SEARCH_INDEX": f"bench-{run}-{processes}",
        }
        produced = produce_events(run_env, product_ids, args.produce_rate)
        print(f"produced {len(product_ids):,} product.updated events at {produced:.0f}/s", flush=True)
        result = drain_with(run_env, processes, len(product_ids), args.cluster_opensearch)
        result["produce_rate"] = produced
        results.append(result)
        print(f"{processes} index builder(s): {result['per_second']:.0f} products/s", flush=True)
        _client(args.cluster_opensearch).indices.delete(index=f"{run_env['AISLE_SEARCH_INDEX']}-*", ignore=404)
    return results


def import_products(env: dict[str, str], count: int) -> list[int]:
    from aisle.adapters.bus.inprocess import InProcessBus
    from aisle.adapters.importers.synthetic import generate_catalog
    from aisle.bootstrap import bootstrap
    from aisle.services.clock import utc_now
    from aisle.services.outbox_relay import OutboxRelay
    from aisle.settings import Settings

    os.environ.update({k: v for k, v in env.items() if k.startswith("AISLE_")})
    _empty_database(env["AISLE_DATABASE_URL"])
    container = bootstrap(Settings(run_background_workers=False))
    try:
        seller = container.sellers.get_or_create("Cluster bench (generated)").seller_id
        container.importer(index=False).run(seller, generate_catalog(count, with_reviews=False), lambda _n: None)
        relay = OutboxRelay(container.uow, InProcessBus(), utc_now)  # import events: delivered to no one
        while relay.relay_once():
            pass
        with container.uow(readonly=True) as uow:
            return [p.product_id for p in uow.products.active_after(0, count * 2)]
    finally:
        container.stop()


def _empty_database(url: str) -> None:
    from sqlalchemy import text

    from aisle.adapters.sql.engine import make_engine
    from aisle.adapters.sql.migrate import upgrade_to_head
    from aisle.adapters.sql.schema import metadata

    engine = make_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables) + " CASCADE"))
    engine.dispose()


def produce_events(env: dict[str, str], product_ids: list[int], rate: float) -> float:
    from aisle.adapters.bus.kafka import KafkaEventStream
    from aisle.domain.events import PRODUCT_UPDATED
    from aisle.services.clock import utc_now
    from aisle.services.ports import OutboxEntry

    stream = KafkaEventStream(env["AISLE_KAFKA_BOOTSTRAP"], topic_prefix=env["AISLE_TOPIC_PREFIX"])
    batch, started = max(1, int(rate / 10)), time.monotonic()
    for n, start in enumerate(range(0, len(product_ids), batch)):
        entries = [
            OutboxEntry(event_id=pid, name=PRODUCT_UPDATED, key=pid, payload={}, created_at=utc_now(), attempts=0)
            for pid in product_ids[start : start + batch]
        ]
        stream.publish(entries)
        time.sleep(max(0.0, started + (n + 1) * batch / rate - time.monotonic()))
    stream.close()
    return len(product_ids) / (time.monotonic() - started)


def drain_with(env: dict[str, str], processes: int, expected: int, opensearch: str) -> dict[str, Any]:
    logs = REPO / "var" / "bench-cluster"
    logs.mkdir(parents=True, exist_ok=True)
    workers = [
        subprocess.Popen(
            [str(REPO / ".venv/bin/aisle"), "worker", "index-builder"],
            env=env,
            stdout=(logs / f"worker-{processes}-{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(processes)
    ]
    client, alias = _client(opensearch), env["AISLE_SEARCH_INDEX"]
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < 170:
            count = _count(client, alias)
            samples.append((time.monotonic() - started, count))
            if count >= expected:
                break
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    return {"processes": processes, "products": expected, **_slope(samples, expected)}


def _slope(samples: list[tuple[float, int]], expected: int) -> dict[str, Any]:
    def first_at(share: float) -> tuple[float, int] | None:
        return next(((t, n) for t, n in samples if n >= share * expected), None)

    low, high = first_at(0.1), first_at(0.9)
    done = first_at(1.0)
    per_second = (high[1] - low[1]) / (high[0] - low[0]) if low and high and high[0] > low[0] else float("nan")
    return {
        "per_second": per_second,
        "first_doc_seconds": next((t for t, n in samples if n > 0), float("nan")),
        "all_indexed_seconds": done[0] if done else float("nan"),
        "indexed": samples[-1][1] if samples else 0,
    }


def _count(client: Any, alias: str) -> int:
    try:
        client.indices.refresh(index=alias)
        return int(client.count(index=alias)["count"])
    except Exception:  # the alias does not exist until the first builder starts
        return 0


def _client(hosts: str) -> Any:
    from opensearchpy import OpenSearch

    return OpenSearch(hosts.split(","), timeout=30)


# -- search -------------------------------------------------------------------------------------------------------


def search_runs(args: argparse.Namespace) -> list[dict[str, Any]]:
    from aisle.adapters.search.opensearch_engine import OpenSearchEngine
    from aisle.services.clock import utc_now

    categories = CategoryIds()
    pairs = list(catalog(args.docs, keep_seeds_below=args.docs, categories=categories))
    documents = [doc for doc, _ in pairs]
    queries = query_mix([seed for _, seed in pairs if seed is not None], 5000)
    targets = (
        ("1 node (1 shard, 0 replicas)", args.single_opensearch, 1, 0),
        ("cluster: 2 data nodes + manager (2 shards, 1 replica)", args.cluster_opensearch, 2, 1),
    )
    results = []
    for label, hosts, shards, replicas in targets:
        alias = f"bench-cluster-search-{uuid.uuid4().hex[:8]}"
        engine = OpenSearchEngine(hosts, alias, utc_now, shards=shards, replicas=replicas, timeout_seconds=10)
        try:
            for start in range(0, len(documents), 1000):
                engine.upsert(documents[start : start + 1000])
            engine.refresh()
            _wait_green(hosts, alias)
            result = hammer(_searcher(engine, categories), queries, args.clients, args.seconds)
        finally:
            _client(hosts).indices.delete(index=f"{alias}-*", ignore=404)
            engine.close()
        results.append({"target": label, "docs": len(documents), "clients": args.clients, **result})
        print(f"{label}: {result['per_second']:.0f} searches/s, p50 {result['p50']:.1f} ms", flush=True)
    return results


def _searcher(engine: Any, categories: CategoryIds) -> Callable[[dict], int]:
    return lambda query: engine.search(engine_query(query, categories.id_of)).total


def _wait_green(hosts: str, alias: str) -> None:
    _client(hosts).cluster.health(index=alias, wait_for_status="green", timeout="120s", request_timeout=130)


def hammer(search: Callable[[dict], int], queries: list[dict], clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(offset: int) -> None:
        mine: list[float] = []
        n = offset
        while not stop.is_set():
            started = time.perf_counter()
            try:
                search(queries[n % len(queries)])
                mine.append((time.perf_counter() - started) * 1000)
            except Exception as error:
                errors.append(repr(error))
            n += clients
        with lock:
            latencies.extend(mine)

    for q in queries[:200]:  # warm-up
        search(q)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"per_second": len(latencies) / elapsed, "errors": len(errors), **summarize(latencies)}


# -- report -------------------------------------------------------------------------------------------------------


def write_report(args: argparse.Namespace, before: dict, builders: list[dict], searches: list[dict]) -> None:
    report = Report("aisle on a cluster: index builders per partition, search on 1 node vs 2 data nodes")
    report.facts(
        "Run",
        {
            "date": now_utc(),
            "command": f"`{command_line()}`",
            **before,
            "load after": machine()["load average (1/5/15 min)"],
        },
    )
    report.text(
        None,
        "The machine is shared by seven engineers running tests and is loaded (see the load averages): "
        "compare rows of one run, not with other reports. Nothing here asserts on time.",
    )
    report.table(
        "Index builders: 1, 2, 3 processes in one consumer group on 3 partitions",
        ["processes", "products", "products/s (10%→90%)", "first doc (s)", "all indexed (s)"],
        [
            [
                r["processes"],
                f"{r['products']:,}",
                f"{r['per_second']:.0f}",
                f"{r['first_doc_seconds']:.1f}",
                f"{r['all_indexed_seconds']:.1f}",
            ]
            for r in builders
        ],
        note=f"Backlog of one `product.updated` event per product, produced at {builders[0]['produce_rate']:.0f} "
        "events/s before the builders start; each builder loads the product from PostgreSQL, builds the document "
        "and bulk-writes it into a 2-shard, 1-replica index on the cluster.",
    )
    report.table(
        "Search: the same query mix on 1 node and on the cluster",
        ["target", "docs", "clients", "searches/s", "p50 ms", "p95 ms", "p99 ms", "errors"],
        [
            [
                r["target"],
                f"{r['docs']:,}",
                r["clients"],
                f"{r['per_second']:.0f}",
                f"{r['p50']:.1f}",
                f"{r['p95']:.1f}",
                f"{r['p99']:.1f}",
                r["errors"],
            ]
            for r in searches
        ],
        note="OpenSearchEngine.search (the engine query the search service sends; no re-rank or hydration), "
        "client threads in this process. On a shared machine the single node is the one `make services-up` "
        "started (1 GB heap), which the other engineers' tests use at the same time, while the cluster serves only "
        "this bench: the gap between the rows is mostly that, not what a second data node is worth. Both share "
        "the same 2 cores, so a cluster on one machine cannot add CPU; on separate machines each data node would "
        "bring its own.",
    )
    path = report.write(REPORTS / "cluster.md")
    print(f"report: {path}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("AISLE_BENCH_DATABASE_URL"), required=False)
    parser.add_argument("--cluster-opensearch", default=os.environ.get("AISLE_CLUSTER_OPENSEARCH_URL", CLUSTER_OS))
    parser.add_argument("--cluster-kafka", default=os.environ.get("AISLE_CLUSTER_KAFKA_BOOTSTRAP", CLUSTER_KAFKA))
    parser.add_argument("--single-opensearch", default="http://127.0.0.1:9200", help="the one-node OpenSearch")
    parser.add_argument("--products", type=int, default=4000, help="products for the index-builder runs")
    parser.add_argument("--produce-rate", type=float, default=250.0, help="events/s at most while producing")
    parser.add_argument("--docs", type=int, default=20000, help="documents for the search runs")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="per search target")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or AISLE_BENCH_DATABASE_URL): a PostgreSQL database the bench empties and fills")
    return args


if __name__ == "__main__":
    main()
