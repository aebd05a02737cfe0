"""What a failover cost, read from the real stores: the index, the Kafka topics, the outbox and the stock."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterable

import httpx
import orjson
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient
from opensearchpy import OpenSearch
from sqlalchemy import Engine, select

from aisle.adapters.sql import schema

CHUNK = 500


def index_differences(search: OpenSearch, alias: str, expected: dict[str, float]) -> dict[str, str]:
    """Products the API acknowledged that a search does not find, or finds with another price than the last one
    acknowledged (a lost event). Reads with a search, so only what a shopper's search sees counts."""
    found: dict[str, float] = {}
    ids = list(expected)
    search.indices.refresh(index=alias, request_timeout=30)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        body = {"query": {"ids": {"values": chunk}}, "size": len(chunk), "_source": ["price"]}
        for hit in search.search(index=alias, body=body, request_timeout=30)["hits"]["hits"]:
            found[hit["_id"]] = float(hit["_source"]["price"])
    differences = {}
    for product_id, price in expected.items():
        if product_id not in found:
            differences[product_id] = "not found by a search"
        elif abs(found[product_id] - price) > 1e-6:
            differences[product_id] = f"indexed at {found[product_id]}, last acknowledged {price}"
    return differences


def settle_index(search: OpenSearch, alias: str, expected: dict[str, float], within: float = 120) -> dict[str, str]:
    """Waits for the index builders to catch up with every acknowledged write; returns what is still different."""
    deadline = time.monotonic() + within
    while True:
        differences = index_differences(search, alias, expected)
        if not differences or time.monotonic() > deadline:
            return differences
        time.sleep(1.0)


def outbox_event_ids(database: Engine) -> tuple[set[int], int]:
    """Delivered event ids, and how many events are not delivered (pending or parked)."""
    with database.connect() as connection:
        rows = connection.execute(select(schema.outbox.c.event_id, schema.outbox.c.status)).all()
    delivered = {int(event_id) for event_id, status in rows if status == "DELIVERED"}
    return delivered, len(rows) - len(delivered)


def topic_event_ids(bootstrap: str, topics: Iterable[str]) -> Counter[int]:
    """Every event id on the topics, read from the first offset to the last, with how often each appears."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"audit-{uuid.uuid4().hex}", "enable.auto.commit": False}
    )
    seen: Counter[int] = Counter()
    try:
        metadata = consumer.list_topics(timeout=30)
        wanted = [
            TopicPartition(topic, partition)
            for topic in topics
            if topic in metadata.topics
            for partition in metadata.topics[topic].partitions
        ]
        ends = {(tp.topic, tp.partition): _end_offset(consumer, tp) for tp in wanted}
        consumer.assign([TopicPartition(tp.topic, tp.partition, 0) for tp in wanted])
        remaining = {key for key, end in ends.items() if end > 0}
        deadline = time.monotonic() + 120
        while remaining and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=1.0):
                if message.error() is not None:
                    continue
                seen[int(orjson.loads(message.value())["event_id"])] += 1
                if message.offset() + 1 >= ends[(message.topic(), message.partition())]:
                    remaining.discard((message.topic(), message.partition()))
        assert not remaining, f"could not read to the end of {sorted(remaining)}"
    finally:
        consumer.close()
    return seen


_LEADERSHIP_MOVING = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.OFFSET_NOT_AVAILABLE,  # a new leader whose high watermark has not caught up with the followers yet
}


def _end_offset(consumer: Consumer, partition: TopicPartition) -> int:
    """The partition's end, asked again while its leadership is still moving: right after a broker returns, the
    preferred leader takes its partitions back and a broker asked meanwhile answers NOT_LEADER_FOR_PARTITION, or
    OFFSET_NOT_AVAILABLE until its high watermark catches up."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return int(consumer.get_watermark_offsets(partition, timeout=30)[1])
        except KafkaException as error:
            moving = error.args[0].code() in _LEADERSHIP_MOVING or error.args[0].retriable()
            if not moving or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stock_of(base_url: str, variant_id: str, internal: dict[str, str]) -> tuple[int, int]:
    """(available, reserved) summed over warehouses."""
    stock = httpx.get(f"{base_url}/api/v1/inventory/{variant_id}", headers=internal, timeout=30).json()
    return int(stock["available"]), int(stock["reserved"])


def partitions_led_by(bootstrap: str, topic: str, broker: int) -> list[int]:
    """[] also while the topic does not exist yet."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    found = admin.list_topics(timeout=30).topics.get(topic)
    if found is None or found.error is not None:
        return []
    return sorted(p for p, info in found.partitions.items() if info.leader == broker)


def under_replicated(bootstrap: str, prefix: str) -> list[str]:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    topics = admin.list_topics(timeout=30).topics
    return [
        f"{name}[{p}] isr={info.isrs}"
        for name, topic in topics.items()
        if name.startswith(prefix)
        for p, info in topic.partitions.items()
        if len(info.isrs) < len(info.replicas)
    ]
