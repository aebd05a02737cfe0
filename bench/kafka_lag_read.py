"""What one reading of the index builders' lag costs: the call `/readyz` makes (in the background, at most every
AISLE_READY_BACKLOG_READ_SECONDS per API process) to size what a fleet of API processes asks of the brokers.

Method
  1. Topics of a fresh prefix are created with ``--partitions`` partitions and ``--events`` product events are
     published to them; a consumer group takes and commits half of them.
  2. ``KafkaEventStream.positions`` (one metadata request, the group's committed offsets, then each partition's
     watermarks: one request per partition) is called ``--readings`` times, one after another, from this process.
  3. The latency of a reading (p50/p99), the readings per second one caller makes, and the lag read are reported;
     the topics and the group are deleted at the end.

Run from the repository root against a running broker (deploy/local/up.sh starts one):
    .venv/bin/python bench/kafka_lag_read.py [--bootstrap 127.0.0.1:9092] [--partitions 3] [--readings 300]
        [--out bench/reports/kafka-lag-read.md]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, however the script is started

from common import Report, ms, summarize
from confluent_kafka.admin import AdminClient

from aisle.adapters.bus.kafka import KafkaEventStream
from aisle.domain.events import PRODUCT_UPDATED
from aisle.services.ports import OutboxEntry

GROUP = "aisle-index-builder"


def main() -> None:
    args = _arguments()
    started = time.monotonic()
    prefix = f"bench.{uuid.uuid4().hex[:10]}."
    stream = KafkaEventStream(args.bootstrap, topic_prefix=prefix, partitions=args.partitions)
    try:
        _publish_and_take_half(stream, args.events)
        took = []
        for _ in range(args.readings):
            begun = time.perf_counter()
            positions = stream.positions(GROUP, [PRODUCT_UPDATED])
            took.append((time.perf_counter() - begun) * 1000)
        waiting = sum(end - committed for committed, end in positions.values())
    finally:
        stream.close()
        _forget(args.bootstrap, prefix)
    _report(args, took, waiting, len(positions), (time.monotonic() - started) / 60)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--readings", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("bench/reports/kafka-lag-read.md"))
    return parser.parse_args()


def _publish_and_take_half(stream: KafkaEventStream, events: int) -> None:
    subscription = stream.subscription(GROUP, [PRODUCT_UPDATED])
    now = datetime.now(UTC)
    stream.publish([OutboxEntry(n, PRODUCT_UPDATED, n % 97, {"n": n}, now, 0) for n in range(1, events + 1)])
    taken, deadline = 0, time.monotonic() + 60
    while taken < events // 2 and time.monotonic() < deadline:
        taken += len(subscription.poll(min(100, events // 2 - taken), 0.5))
    subscription.commit()
    subscription.close()


def _forget(bootstrap: str, prefix: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    for future in admin.delete_topics(topics).values() if topics else []:
        future.result(timeout=10)
    for future in admin.delete_consumer_groups([prefix + GROUP]).values():
        future.result(timeout=10)


def _report(args: argparse.Namespace, took: list[float], waiting: int, partitions: int, minutes: float) -> None:
    stats = summarize(took)
    report = Report("Reading the index builders' lag from Kafka (what /readyz asks, distributed)")
    report.run_and_machine(minutes)
    report.facts(
        "Setup",
        {
            "broker": f"{args.bootstrap} (single node, KRaft)",
            "partitions read": partitions,
            "events published / left uncommitted": f"{args.events} / {waiting}",
            "readings": stats["n"],
        },
    )
    rate = 1000 / stats["mean"] if stats["mean"] else float("nan")
    rows = [[ms(stats["p50"]), ms(stats["p95"]), ms(stats["p99"]), ms(stats["max"]), f"{rate:.0f}"]]
    report.table("One reading", ["p50 ms", "p95 ms", "p99 ms", "max ms", "readings/s, one caller in a row"], rows)
    path = report.write(args.out)
    print(path.read_text())


if __name__ == "__main__":
    main()
