"""The distributed event stream on Kafka: the outbox relay publishes, workers consume as consumer groups."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

import orjson
from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic

from aisle.adapters.tracing import continuing
from aisle.domain.events import (
    INVENTORY_CHANGED,
    PRICE_CHANGED,
    PRODUCT_CREATED,
    PRODUCT_DELETED,
    PRODUCT_UPDATED,
    REVIEW_ADDED,
)
from aisle.services.ports import BusUnavailable, OutboxEntry, Positions, SubscriptionLost

log = logging.getLogger(__name__)


class QuietRepeats(logging.Filter):
    """librdkafka says the same thing many times a second while a broker is down (a line per reconnect attempt:
    3,577 from one worker over three outages). The first line of each kind goes through, then one every ``every``
    seconds saying how many like it were held back; lines of a kind differ only in their numbers."""

    def __init__(self, every: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._every = every
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, int]] = {}  # kind: when one last went through, how many held since

    def filter(self, record: logging.LogRecord) -> bool:
        kind, now = NUMBERS.sub("#", record.getMessage()), self._clock()
        with self._lock:
            last, held = self._seen.get(kind, (None, 0))
            if last is not None and now - last < self._every:
                self._seen[kind] = (last, held + 1)
                return False
            if len(self._seen) >= MAX_KINDS_REMEMBERED:
                self._seen.clear()
            self._seen[kind] = (now, 0)
        if held:
            record.msg, record.args = f"{record.getMessage()} ({held} more like it held back)", ()
        return True


NUMBERS = re.compile(r"\d+")
MAX_KINDS_REMEMBERED = 1_000
client_log = logging.getLogger(__name__ + ".client")  # what librdkafka itself says
client_log.addFilter(QuietRepeats())

INDEX_REBUILD = "index.rebuild"
# Every event that means "this product's document changed" shares one topic, so the index builder reads one
# stream and sees them in order per product.
TOPIC_BY_EVENT = {
    PRODUCT_CREATED: PRODUCT_UPDATED,
    PRODUCT_UPDATED: PRODUCT_UPDATED,
    PRODUCT_DELETED: PRODUCT_UPDATED,
    REVIEW_ADDED: PRODUCT_UPDATED,
    PRICE_CHANGED: PRICE_CHANGED,
    INVENTORY_CHANGED: INVENTORY_CHANGED,
    INDEX_REBUILD: INDEX_REBUILD,
}


DEFAULT_REPLICATION = 3
POSITIONS_TIMEOUT_SECONDS = 2.0  # readiness asks for them: an unreachable broker must not hold a probe long

REBALANCE_ERRORS = frozenset(
    {KafkaError.ILLEGAL_GENERATION, KafkaError.REBALANCE_IN_PROGRESS, KafkaError.UNKNOWN_MEMBER_ID}
)


class EventStreamError(BusUnavailable):
    """Events could not be delivered (or topics not created); the outbox keeps them and the relay retries."""


def topic_for(name: str, prefix: str) -> str:
    return prefix + TOPIC_BY_EVENT.get(name, name)


def encode_entry(entry: OutboxEntry) -> bytes:
    return orjson.dumps(
        {
            "event_id": entry.event_id,
            "name": entry.name,
            "key": entry.key,
            "payload": entry.payload,
            "created_at": entry.created_at.isoformat(),
            "attempts": entry.attempts,
            "traceparent": entry.traceparent,
        }
    )


def decode_entry(value: bytes | None) -> OutboxEntry:
    """Raises ValueError (or KeyError/TypeError) on anything that is not an encoded entry."""
    if value is None:
        raise ValueError("message has no value")
    doc = orjson.loads(value)
    if not isinstance(doc, dict) or not isinstance(doc["payload"], dict):
        raise ValueError("not an event document")
    return OutboxEntry(
        event_id=int(doc["event_id"]),
        name=str(doc["name"]),
        key=int(doc["key"]),
        payload=doc["payload"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        attempts=int(doc["attempts"]),
        traceparent=doc.get("traceparent") if isinstance(doc.get("traceparent"), str) else None,
    )


class KafkaEventStream:
    def __init__(
        self,
        bootstrap: str,
        topic_prefix: str = "aisle.",
        client_id: str = "aisle",
        delivery_timeout_seconds: float = 10.0,
        partitions: int = 3,
        replication_factor: int | None = None,
        min_insync_replicas: int | None = None,
        create_topics: bool = True,
        consumer_settings: Mapping[str, Any] | None = None,
        instance_id: str | None = None,
        wrap_producer: Callable[[Producer], Producer] = lambda producer: producer,
        wrap_consumer: Callable[[Consumer], Consumer] = lambda consumer: consumer,
    ) -> None:
        """``delivery_timeout_seconds`` bounds one ``publish`` (the first publish to a new topic may also spend up to
        that long creating it). ``create_topics=False`` where topics are provisioned by operations (and the
        client may not create them). ``replication_factor`` None: 3, or the number of brokers when fewer;
        ``min_insync_replicas`` None: one less than the replication factor (at least 1), so with ``acks=all`` an
        acknowledged event is on two brokers of three and one broker may fail. ``consumer_settings``: extra
        librdkafka settings for subscriptions, e.g. short session timeouts in tests. ``instance_id``: a name this
        process keeps across restarts (static group membership): a restarted consumer takes its partitions back at
        once instead of waiting out a rebalance around the departed member. ``wrap_producer``/``wrap_consumer``:
        what each new client goes through (the composition root's tracing instrumentation, when traces are on)."""
        self._bootstrap = bootstrap
        self._prefix = topic_prefix
        self._client_id = client_id
        self._timeout = delivery_timeout_seconds
        self._partitions = partitions
        self._replication = replication_factor
        self._min_insync = min_insync_replicas
        self._consumer_settings = dict(consumer_settings or {})
        self._instance_id = instance_id
        self._wrap_producer = wrap_producer
        self._wrap_consumer = wrap_consumer
        self._lock = threading.Lock()
        self._producer: Producer | None = None
        self._admin: AdminClient | None = None
        self._offset_readers: dict[str, Consumer] = {}
        self._reading = threading.Lock()  # one reading of positions at a time, and their readers
        self._known_topics: set[str] = set()
        self._create_topics = create_topics

    def topics_for(self, names: Iterable[str]) -> list[str]:
        return sorted({topic_for(name, self._prefix) for name in names})

    def publish(self, entries: Sequence[OutboxEntry]) -> None:
        if not entries:
            return
        with self._lock:
            self._ensure_topics(self.topics_for(e.name for e in entries))
            producer = self._producer or self._new_producer()
            self._producer = producer
            try:
                self._produce_all(producer, entries)
            except Exception:
                self._discard_producer()  # a fresh producer next time: no stale queue, no fatal state carried over
                raise

    def check(self) -> None:
        """The brokers answer a metadata request within the delivery timeout, else EventStreamError."""
        with self._lock:
            admin = self._shared_admin()
            try:
                admin.list_topics(timeout=self._timeout)
            except KafkaException as error:
                raise EventStreamError(f"could not reach the brokers of {self._bootstrap}: {error}") from error

    def subscription(self, group: str, names: Sequence[str]) -> KafkaSubscription:
        topics = self.topics_for(names)
        with self._lock:
            self._ensure_topics(topics)
        settings = {
            "bootstrap.servers": self._bootstrap,
            "client.id": self._client_id,
            # Groups share the prefix with their topics: two deployments on one cluster never join each other's group.
            "group.id": self._prefix + group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
            "logger": client_log,
            **self._static_membership(group),
            **self._consumer_settings,
        }
        return KafkaSubscription(self._wrap_consumer(Consumer(settings)), topics, frozenset(names))

    def positions(self, group: str, names: Sequence[str]) -> Positions:
        """Per partition of the topics of these names: the group's committed offset (the earliest offset kept,
        while it has committed none there: it starts from the beginning) and the partition's end.

        Read by a consumer of that group that never joins it (committed offsets and watermarks), not by the admin
        client: the admin client's offset requests, timed out while the brokers restarted, crashed the whole
        process in librdkafka (an assertion in rd_kafka_enq_once_del_source_return) within two restarts."""
        timeout = min(self._timeout, POSITIONS_TIMEOUT_SECONDS)
        try:
            with self._reading:
                reader = self._offset_readers.get(group) or self._new_offset_reader(group)
                self._offset_readers[group] = reader
                topics = reader.list_topics(timeout=timeout).topics
                partitions = [
                    TopicPartition(topic, number)
                    for topic in self.topics_for(names)
                    if topic in topics
                    for number in topics[topic].partitions
                ]
                if not partitions:
                    return {}
                committed = {(tp.topic, tp.partition): tp.offset for tp in reader.committed(partitions, timeout)}
                kept = {
                    (tp.topic, tp.partition): reader.get_watermark_offsets(tp, timeout, cached=False)
                    for tp in partitions
                }
        except KafkaException as error:
            raise EventStreamError(f"could not read the offsets of {group} on {self._bootstrap}: {error}") from error
        return {
            f"{topic}/{number}": (max(committed[(topic, number)], start), end)
            for (topic, number), (start, end) in kept.items()
        }

    def _new_offset_reader(self, group: str) -> Consumer:
        """A consumer of the group that never subscribes: it only reads the group's committed offsets."""
        return Consumer(
            {
                "bootstrap.servers": self._bootstrap,
                "client.id": self._client_id,
                "group.id": self._prefix + group,
                "enable.auto.commit": False,
                "socket.timeout.ms": max(int(min(self._timeout, POSITIONS_TIMEOUT_SECONDS) * 1000), 10),
                "logger": client_log,
            }
        )

    def _static_membership(self, group: str) -> dict[str, Any]:
        if self._instance_id is None:
            return {}
        # A member that does not come back within the session timeout gives its partitions to the others.
        return {"group.instance.id": f"{self._instance_id}-{group}", "session.timeout.ms": 15_000}

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.flush(self._timeout)
                self._producer = None
        with self._reading:
            for reader in self._offset_readers.values():
                reader.close()
            self._offset_readers = {}

    def _produce_all(self, producer: Producer, entries: Sequence[OutboxEntry]) -> None:
        failures: list[str] = []

        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                failures.append(f"{message.topic()} key {message.key()!r}: {error.str()}")

        for entry in entries:
            self._produce_one(producer, entry, on_delivery)
        undelivered = producer.flush(self._timeout)
        if failures or undelivered:
            raise EventStreamError(
                f"{len(failures) + undelivered} of {len(entries)} events not delivered to {self._bootstrap} "
                f"({undelivered} still queued after {self._timeout:g} s); first failure: "
                f"{failures[0] if failures else 'flush timed out'}"
            )

    def _produce_one(self, producer: Producer, entry: OutboxEntry, on_delivery: Any) -> None:
        topic = topic_for(entry.name, self._prefix)
        value = encode_entry(entry)
        key = str(entry.key).encode()
        with continuing(entry.traceparent):  # the producer's span (when traced) joins the recording request's trace
            try:
                producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
            except BufferError:  # the local queue is full: let deliveries drain it, then try once more
                producer.poll(self._timeout)
                producer.produce(topic, value=value, key=key, on_delivery=on_delivery)

    def _new_producer(self) -> Producer:
        # An in-flight request is only timed out when its request times out: the two timeouts together stay within
        # delivery_timeout_seconds, so flush(delivery_timeout_seconds) sees every delivery report.
        total_ms = max(int(self._timeout * 1000), 30)
        request_ms = max(total_ms // 3, 10)
        return self._wrap_producer(
            Producer(
                {
                    "bootstrap.servers": self._bootstrap,
                    "client.id": self._client_id,
                    "enable.idempotence": True,  # retries never duplicate or reorder a message
                    "acks": "all",
                    "linger.ms": 5,
                    "compression.type": "lz4",
                    "partitioner": "murmur2_random",  # the Java client's partitioner: same key, same partition
                    "message.timeout.ms": total_ms - request_ms,
                    "request.timeout.ms": request_ms,
                    "socket.timeout.ms": request_ms,
                    "logger": client_log,
                }
            )
        )

    def _discard_producer(self) -> None:
        if self._producer is not None:
            self._producer.purge()
            self._producer.poll(0)
            self._producer = None

    def _ensure_topics(self, topics: Iterable[str]) -> None:
        """Creates missing topics (idempotently): auto-created ones would get the broker's default partition count."""
        missing = [t for t in topics if t not in self._known_topics]
        if not missing or not self._create_topics:
            return
        admin = self._shared_admin()
        factor = self._replication or min(DEFAULT_REPLICATION, self._broker_count(admin))
        insync = self._min_insync or max(1, factor - 1)
        config = {"min.insync.replicas": str(insync)}
        new_topics = [
            NewTopic(t, num_partitions=self._partitions, replication_factor=factor, config=config) for t in missing
        ]
        futures = admin.create_topics(new_topics, request_timeout=self._timeout, operation_timeout=self._timeout)
        admin.poll(0)  # hands librdkafka's log lines to Python logging
        for topic, future in futures.items():
            try:
                future.result()
            except KafkaException as error:
                if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise EventStreamError(f"could not create topic {topic} on {self._bootstrap}: {error}") from error
            self._known_topics.add(topic)

    def _broker_count(self, admin: AdminClient) -> int:
        try:
            return max(1, len(admin.list_topics(timeout=self._timeout).brokers))
        except KafkaException as error:
            raise EventStreamError(f"could not read the brokers of {self._bootstrap}: {error}") from error

    def _shared_admin(self) -> AdminClient:
        """The admin client of topic creation and ``check`` (the caller holds ``_lock``), made on first use."""
        if self._admin is None:
            self._admin = self._new_admin()
        return self._admin

    def _new_admin(self) -> AdminClient:
        socket_ms = max(int(self._timeout * 1000), 10)
        settings: dict[str, Any] = {"bootstrap.servers": self._bootstrap, "client.id": self._client_id}
        settings.update({"socket.timeout.ms": socket_ms, "logger": client_log})
        return AdminClient(settings)


class KafkaSubscription:
    """One member of a consumer group. Offsets are committed only by ``commit``: what was polled but not committed
    comes again after a crash or a close."""

    def __init__(self, consumer: Consumer, topics: list[str], names: frozenset[str]) -> None:
        self._consumer = consumer
        self._names = names
        self._uncommitted = False
        self._rebalanced = False
        self._closed = False
        consumer.subscribe(
            topics, on_assign=self._on_rebalance, on_revoke=self._on_rebalance, on_lost=self._on_rebalance
        )

    def poll(self, max_events: int, timeout_seconds: float) -> list[OutboxEntry]:
        messages = self._consumer.consume(num_messages=max_events, timeout=timeout_seconds)
        if messages:
            self._uncommitted = True
        if self._rebalanced:
            messages = self._still_owned(messages)
        entries = (self._entry_from(m) for m in messages)
        return [e for e in entries if e is not None and e.name in self._names]

    def commit(self) -> None:
        if not self._uncommitted:
            return
        try:
            committed = self._consumer.commit(asynchronous=False)
        except KafkaException as error:
            code = error.args[0].code()
            if code in REBALANCE_ERRORS:
                # The offsets stay stored: the next commit (after a poll has joined the new generation) sends them.
                # Partitions that moved meanwhile are read again by their new owner: at least once, never lost.
                log.info("commit deferred by a group rebalance: %s", error.args[0].str())
                return
            if _fatal(error.args[0]):
                raise SubscriptionLost(f"the consumer can commit no more: {error.args[0].str()}") from error
            if code != KafkaError._NO_OFFSET:
                raise
            committed = []
        failed = [tp for tp in committed or [] if tp.error is not None]
        if failed:
            raise EventStreamError(f"commit failed for {failed[0].topic}[{failed[0].partition}]: {failed[0].error}")
        self._uncommitted = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with suppress(KafkaException):  # a consumer in a fatal state cannot leave its group cleanly
                self._consumer.close()

    def _on_rebalance(self, consumer: Consumer, partitions: list[Any]) -> None:
        self._rebalanced = True

    def _still_owned(self, messages: list[Message]) -> list[Message]:
        """Drops messages of partitions revoked during this poll: their new owner reads them from the committed
        offset, so handing them out here too would deliver them twice."""
        self._rebalanced = False
        owned = {(tp.topic, tp.partition) for tp in self._consumer.assignment()}
        return [m for m in messages if (m.topic(), m.partition()) in owned]

    def _entry_from(self, message: Message) -> OutboxEntry | None:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return None
            if _fatal(error):
                raise SubscriptionLost(f"the consumer can read no more: {error.str()}")
            log.warning("consumer error on %s: %s", message.topic(), error.str())
            return None
        try:
            return decode_entry(message.value())
        except (ValueError, KeyError, TypeError) as problem:
            log.warning(
                "skipping malformed event at %s[%d]@%d: %r",
                message.topic(),
                message.partition(),
                message.offset(),
                problem,
            )
            return None


def _fatal(error: KafkaError) -> bool:
    """Whether the consumer can do nothing more: librdkafka marks some errors fatal, and reports others under the
    code _FATAL ("Commit failed: Local: Fatal error" once fenced)."""
    return bool(error.fatal()) or error.code() == KafkaError._FATAL
