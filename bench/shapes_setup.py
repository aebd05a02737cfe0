"""Set-up for bench/shapes.py: reset each shape's storage, import the same generated catalog into it, stock it,
mark the import's outbox events delivered, and build the search index with `aisle reindex`.

Both shapes get the very same products (generate_catalog with seed 7, reviews on), imported in-process through
`bootstrap(Settings(...)).importer().run`, so they start from the same, consistent state.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import redis
from common import REPO

PG_ADMIN = ["psql", "-h", "127.0.0.1", "-U", "aisle", "-v", "ON_ERROR_STOP=1", "-qtA"]
DATABASE = "aisle_shapes"
ALIAS = "aisle-shapes"
REDIS_DB = 14
TOPIC_PREFIX = "shapes."
WORD = re.compile(r"^[a-z]{3,}$")


def shape_env(shape: str, data_dir: Path, run_id: str, token: str) -> dict[str, str]:
    """The AISLE_* environment of one shape (server, `aisle reindex` and the in-process set-up alike)."""
    env = {
        "AISLE_INTERNAL_TOKEN": token,
        "AISLE_SEARCHES_PER_MINUTE": "1e9",
        "AISLE_SELLER_WRITES_PER_MINUTE": "1e9",
        "AISLE_DATA_DIR": str(data_dir),
    }
    if shape == "distributed":
        env.update(
            AISLE_PROFILE="distributed",
            AISLE_DATABASE_URL=f"postgresql+psycopg://aisle:aisle@127.0.0.1:5432/{DATABASE}",
            AISLE_OPENSEARCH_URL="http://127.0.0.1:9200",
            AISLE_SEARCH_INDEX=ALIAS,
            AISLE_REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
            AISLE_KAFKA_BOOTSTRAP="127.0.0.1:9092",
            AISLE_TOPIC_PREFIX=f"{TOPIC_PREFIX}{run_id}.",
        )
    return env


def reset_distributed(say: Callable[[str], None]) -> None:
    """Fresh schema in aisle_shapes (created if missing), no aisle-shapes indexes, an empty Redis DB 14, no Kafka
    topics left by earlier runs."""
    pg_env = {**os.environ, "PGPASSWORD": "aisle", "PGOPTIONS": "-c client_min_messages=warning"}
    exists = subprocess.run(
        [*PG_ADMIN, "-d", "aisle", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"],
        env=pg_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run([*PG_ADMIN, "-d", "aisle", "-c", f"CREATE DATABASE {DATABASE}"], env=pg_env, check=True)
    subprocess.run(
        [*PG_ADMIN, "-d", DATABASE, "-c", "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"],
        env=pg_env,
        check=True,
    )
    found = httpx.get(f"http://127.0.0.1:9200/_cat/indices/{ALIAS}-*", params={"h": "index"}, timeout=30)
    names = [n for n in found.text.split() if re.fullmatch(re.escape(ALIAS) + r"-\d{20}", n)]
    if names:
        httpx.delete(f"http://127.0.0.1:9200/{','.join(names)}", timeout=60).raise_for_status()
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()
    topics = _drop_old_topics()
    say(
        f"  reset: schema of {DATABASE}, {len(names)} {ALIAS} index(es) deleted, Redis DB {REDIS_DB} flushed, "
        f"{topics} Kafka topic(s) of earlier runs (shapes.*) deleted"
    )


def _drop_old_topics() -> int:
    """Each run publishes to its own shapes.<run id>. topics; the ones earlier runs left are deleted here."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": "127.0.0.1:9092"})
    old = [topic for topic in admin.list_topics(timeout=10).topics if topic.startswith(TOPIC_PREFIX)]
    for future in admin.delete_topics(old, operation_timeout=30).values() if old else ():
        future.result()
    return len(old)


def load_shape(env: dict[str, str], products: int, say: Callable[[str], None]) -> dict[str, Any]:
    """Import, stock, drain the outbox, then `aisle reindex` in a subprocess. Returns timings and ids."""
    from aisle.adapters.bus.inprocess import InProcessBus
    from aisle.adapters.importers.synthetic import generate_catalog
    from aisle.bootstrap import bootstrap
    from aisle.domain.inventory import Warehouse
    from aisle.services.clock import utc_now
    from aisle.services.outbox_relay import OutboxRelay
    from aisle.settings import Settings

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # Settings reads AISLE_* from the environment, exactly as the server will
    try:
        container = bootstrap(Settings(run_background_workers=False))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    out: dict[str, Any] = {}
    try:
        seller = container.sellers.get_or_create("Shapes Goods (generated)").seller_id
        started = time.perf_counter()
        summary = container.importer(index=False).run(
            seller, generate_catalog(products, with_reviews=True), lambda _n: None
        )
        out["import_seconds"] = time.perf_counter() - started
        out["imported"], out["reviews"] = summary.imported, summary.reviews
        started = time.perf_counter()
        out["stocked"] = container.inventory.stock_catalog(Warehouse("shapes-main", "Shapes bench", "us-east"), _stock)
        out["stock_seconds"] = time.perf_counter() - started
        # Import and stocking left one outbox event per product, review and stock level. The reindex below indexes
        # every product anyway, so they are marked delivered to no subscriber (as bench/common.py does); otherwise
        # the server would spend the measured minutes re-indexing the whole catalog from them.
        started, drained = time.perf_counter(), 0
        relay = OutboxRelay(container.uow, InProcessBus(), utc_now)
        while delivered := relay.relay_once():
            drained += delivered
        out["drained"], out["drain_seconds"] = drained, time.perf_counter() - started
        out["product_ids"] = _active_ids(container, 3000)
    finally:
        container.stop()
    say(
        f"  imported {out['imported']:,} products, {out['reviews']:,} reviews in {out['import_seconds']:.0f} s; "
        f"stocked {out['stocked']:,} variants in {out['stock_seconds']:.0f} s; drained {drained:,} events"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [str(REPO / ".venv/bin/aisle"), "reindex"], env={**os.environ, **env}, capture_output=True, text=True
    )
    out["reindex_seconds"] = time.perf_counter() - started
    out["reindex_output"] = (done.stdout + done.stderr).strip().splitlines()[-2:]
    if done.returncode != 0:
        raise RuntimeError(f"aisle reindex failed ({done.returncode}): {done.stderr[-2000:]}")
    say(f"  aisle reindex: {out['reindex_seconds']:.0f} s ({' / '.join(out['reindex_output'])})")
    return out


def _stock(variant_id: int) -> int:
    roll = zlib.crc32(str(variant_id).encode()) % 100
    return 0 if roll < 5 else 10 + roll * 3


def _active_ids(container: Any, limit: int) -> list[str]:
    with container.uow(readonly=True) as uow:
        return [str(p.product_id) for p in uow.products.active_after(0, limit)]


def seeds_and_queries(products: int, count: int) -> list[dict[str, Any]]:
    """A query mix drawn from the catalog's own title words (bench/search_latency_data.query_mix)."""
    from search_latency_data import Seed, query_mix

    from aisle.adapters.importers.synthetic import generate_catalog
    from aisle.domain.search.stopwords import STOP_WORDS

    seeds = []
    for record in generate_catalog(min(products, 5000), with_reviews=True):
        data = record.data
        brand_words = {w.lower() for w in (data["brand"] or "").split()}
        words = tuple(
            w
            for w in (t.lower().strip(",") for t in data["title"].split())
            if WORD.match(w) and w not in STOP_WORDS and w not in brand_words
        )
        if not words:
            continue
        ratings = [r.rating for r in record.reviews]
        seeds.append(
            Seed(
                words,
                data["brand"] or "",
                float(min(v["price"] for v in data["variants"])),
                tuple(data["category_path"]),
                sum(ratings) / len(ratings) if ratings else None,
            )
        )
    return query_mix(seeds, count)
