"""The event-stream contract: what the in-process twin and Kafka both do for the relay and the workers' groups."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

from aisle.adapters.bus.inprocess import InProcessBus
from aisle.adapters.bus.kafka import EventStreamError, KafkaEventStream, topic_for
from aisle.adapters.sql.engine import create_schema, make_engine
from aisle.adapters.sql.unit_of_work import SqlUnitOfWork, sql_unit_of_work_factory
from aisle.domain.events import (
    INVENTORY_CHANGED,
    PRICE_CHANGED,
    PRODUCT_CREATED,
    PRODUCT_DELETED,
    PRODUCT_UPDATED,
    REVIEW_ADDED,
    Event,
)
from aisle.domain.ids import SnowflakeIds
from aisle.services.clock import utc_now
from aisle.services.consumers import ConsumerLoop
from aisle.services.outbox_relay import MAX_ATTEMPTS, OutboxRelay
from aisle.services.ports import BusUnavailable, EventStream, EventSubscription, OutboxEntry, SubscriptionLost
from tests.conftest import kafka_bootstrap

# Short group timeouts: members that join or leave are noticed within a heartbeat, not after seconds.
FAST_GROUPS = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 200}
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.2
PRODUCT_NAMES = [PRODUCT_CREATED, PRODUCT_UPDATED, REVIEW_ADDED, PRODUCT_DELETED]
ALL_NAMES = [*PRODUCT_NAMES, PRICE_CHANGED, INVENTORY_CHANGED]
T0 = datetime(2025, 3, 9, 14, 30, 15, 123456, tzinfo=UTC)


class Harness:
    """A stream plus the subscriptions a test opened, closed at the end; Kafka tests get their own topic prefix."""

    def __init__(self, stream: EventStream, prefix: str = "") -> None:
        self.stream = stream
        self.prefix = prefix
        self.opened: list[EventSubscription] = []
        self._next_id = 1

    def subscribe(self, group: str, names: Sequence[str] = ALL_NAMES) -> EventSubscription:
        subscription = self.stream.subscription(group, names)
        self.opened.append(subscription)
        return subscription

    def entries(
        self, count: int, keys: Sequence[int] = (7,), names: Sequence[str] = (PRODUCT_UPDATED,)
    ) -> list[OutboxEntry]:
        made = []
        for i in range(count):
            event_id = self._next_id
            self._next_id += 1
            made.append(
                OutboxEntry(
                    event_id=event_id,
                    name=names[i % len(names)],
                    key=keys[i % len(keys)],
                    payload={"seq": event_id, "title": "Trail Shoe — ünïcode ✓", "price": 59.99, "tags": [], "x": None},
                    created_at=T0 + timedelta(seconds=i, microseconds=i),
                    attempts=i % 3,
                )
            )
        return made

    def close(self) -> None:
        for subscription in self.opened:
            subscription.close()


def kafka_harness() -> Iterator[Harness]:
    bootstrap = kafka_bootstrap()
    prefix = f"test.{uuid.uuid4().hex[:12]}."  # this test's own topics and groups
    stream = KafkaEventStream(bootstrap, topic_prefix=prefix, consumer_settings=FAST_GROUPS)
    harness = Harness(stream, prefix)
    yield harness
    harness.close()
    stream.close()
    forget_kafka_prefix(bootstrap, prefix)


def forget_kafka_prefix(bootstrap: str, prefix: str) -> None:
    """Deletes this test's topics and groups: the broker is shared with other runs."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 4})
    topics = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    listed = admin.list_consumer_groups(request_timeout=10).result().valid
    groups = [g.group_id for g in listed if g.group_id.startswith(prefix)]
    futures = [*admin.delete_topics(topics).values()] if topics else []
    futures += [*admin.delete_consumer_groups(groups).values()] if groups else []
    for future in futures:
        try:
            future.result(timeout=10)
        except KafkaException as gone:  # the broker may drop an empty group between listing and deleting it
            if gone.args[0].code() not in ALREADY_GONE:
                raise


# ... or keep a static member (``instance_id``) until its session times out: its group is left to the broker
ALREADY_GONE = (KafkaError.GROUP_ID_NOT_FOUND, KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.NON_EMPTY_GROUP)


@pytest.fixture(params=["inprocess", "kafka"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "inprocess":
        made = Harness(InProcessBus())
        yield made
        made.close()
        return
    yield from kafka_harness()


@pytest.fixture
def kafka() -> Iterator[Harness]:
    yield from kafka_harness()


def collect(subscription: EventSubscription, count: int, commit: bool = False) -> list[OutboxEntry]:
    """Polls until ``count`` events arrived (bounded), then once more briefly to catch any extra."""
    got: list[OutboxEntry] = []
    deadline = time.monotonic() + WAIT_SECONDS
    while len(got) < count and time.monotonic() < deadline:
        got += subscription.poll(100, POLL_SECONDS)
        if commit:
            subscription.commit()
    got += subscription.poll(100, POLL_SECONDS)
    return got


def ids(entries: Sequence[OutboxEntry]) -> list[int]:
    return [e.event_id for e in entries]


def by_key(entries: Sequence[OutboxEntry]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = {}
    for entry in entries:
        grouped.setdefault(entry.key, []).append(entry.event_id)
    return grouped


def test_round_trip_keeps_every_field(harness: Harness) -> None:
    subscription = harness.subscribe("roundtrip")
    sent = harness.entries(12, keys=[1, 2**62, 3], names=ALL_NAMES)
    harness.stream.publish(sent)
    got = collect(subscription, len(sent))
    assert sorted(got, key=lambda e: e.event_id) == sent
    assert all(e.created_at.tzinfo is not None for e in got)


def test_order_per_key_is_preserved(harness: Harness) -> None:
    subscription = harness.subscribe("ordered")
    sent = harness.entries(600, keys=[11, 12, 13, 14, 15, 16, 17], names=PRODUCT_NAMES)  # one topic: ordered per key
    for start in range(0, len(sent), 150):
        harness.stream.publish(sent[start : start + 150])
    got = collect(subscription, len(sent), commit=True)
    assert len(got) == len(sent)
    assert by_key(got) == by_key(sent)


def test_every_group_sees_every_event(harness: Harness) -> None:
    indexer, invalidator = harness.subscribe("index-builder"), harness.subscribe("cache-invalidator")
    sent = harness.entries(40, keys=range(10), names=ALL_NAMES)
    harness.stream.publish(sent)
    assert sorted(ids(collect(indexer, len(sent), commit=True))) == ids(sent)
    assert sorted(ids(collect(invalidator, len(sent), commit=True))) == ids(sent)


class Member(threading.Thread):
    """A worker process in miniature: polls and commits in its own thread, as each group member does in production
    (one thread driving two members would stall: a member's commit can wait on a rebalance the other must join)."""

    def __init__(self, subscription: EventSubscription) -> None:
        super().__init__(daemon=True)
        self.subscription = subscription
        self.received: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            batch = self.subscription.poll(10, POLL_SECONDS)
            if batch:
                time.sleep(0.01)  # handling takes a moment: the in-process twin's other member gets its turn
            self.received += ids(batch)
            self.subscription.commit()

    def stop(self) -> None:
        self.stopping.set()
        self.join(WAIT_SECONDS)


def test_subscriptions_of_one_group_split_the_events(harness: Harness) -> None:
    # One topic: Kafka balances partition counts across all subscribed topics, not within each topic.
    members = [Member(harness.subscribe("workers", PRODUCT_NAMES)), Member(harness.subscribe("workers", PRODUCT_NAMES))]
    for member in members:
        member.start()
    try:
        warmups = publish_until_every_member_receives(harness, members)
        sent = harness.entries(300, keys=range(30), names=PRODUCT_NAMES)
        harness.stream.publish(sent)
        received = lambda: [[i for i in m.received if i not in warmups] for m in members]  # noqa: E731
        wait_for(lambda: sum(map(len, received())) >= len(sent))
        time.sleep(3 * POLL_SECONDS)  # room for a duplicate to show up
    finally:
        for member in members:
            member.stop()
    first, second = received()
    assert first and second, "both members should get a share"
    assert sorted(first + second) == ids(sent), "every event exactly once across the group"


def publish_until_every_member_receives(harness: Harness, members: list[Member]) -> set[int]:
    """Warm-up waves until each member received some: Kafka has then finished assigning the partitions."""
    warmups: set[int] = set()
    deadline = time.monotonic() + WAIT_SECONDS
    while not all(m.received for m in members) and time.monotonic() < deadline:
        wave = harness.entries(12, keys=range(12))
        harness.stream.publish(wave)
        warmups.update(ids(wave))
        time.sleep(2 * POLL_SECONDS)
    assert all(m.received for m in members), "the group did not settle"
    return warmups


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_uncommitted_events_come_again_and_committed_ones_do_not(harness: Harness) -> None:
    sent = harness.entries(30, keys=range(5), names=ALL_NAMES)
    crashed = harness.subscribe("at-least-once")
    harness.stream.publish(sent)
    assert sorted(ids(collect(crashed, len(sent)))) == ids(sent)
    crashed.close()  # no commit: as if the worker died mid-batch

    retry = harness.subscribe("at-least-once")
    assert sorted(ids(collect(retry, len(sent), commit=True))) == ids(sent)
    retry.close()
    assert_group_resumes_after_its_commits(harness, "at-least-once")


def test_positions_count_what_waits_for_a_group_until_it_commits(harness: Harness) -> None:
    def waiting(group: str) -> int:
        return sum(end - committed for committed, end in harness.stream.positions(group, ALL_NAMES).values())

    builder = harness.subscribe("builder")
    harness.subscribe("other")
    sent = harness.entries(12, keys=range(4), names=ALL_NAMES)
    harness.stream.publish(sent)
    assert waiting("builder") == waiting("other") == len(sent)
    assert sorted(ids(collect(builder, len(sent)))) == ids(sent)
    assert waiting("builder") == len(sent)  # polled, not committed: a crash now would hand them over again
    builder.commit()
    assert (waiting("builder"), waiting("other")) == (0, len(sent))  # each group is counted on its own
    harness.stream.publish(harness.entries(3))
    assert waiting("builder") == 3


def assert_group_resumes_after_its_commits(harness: Harness, group: str) -> None:
    """A new member of the group gets one fresh event and nothing that was committed before."""
    fresh = harness.entries(1)
    harness.stream.publish(fresh)
    assert ids(collect(harness.subscribe(group), 1)) == ids(fresh)


def test_a_subscription_gets_only_the_names_it_asks_for(harness: Harness) -> None:
    wanted = [PRODUCT_UPDATED, REVIEW_ADDED]
    subscription = harness.subscribe("reviews", wanted)
    sent = harness.entries(60, keys=range(4), names=ALL_NAMES)
    harness.stream.publish(sent)
    expected = [e for e in sent if e.name in wanted]
    got = collect(subscription, len(expected))
    assert by_key(got) == by_key(expected)


def test_consumer_loop_hands_a_failed_batch_over_again_and_commits_only_after(harness: Harness) -> None:
    handled: list[int] = []
    failures = [RuntimeError("search engine down")]

    def handle(batch: list[OutboxEntry]) -> None:
        if failures:
            raise failures.pop()
        handled.extend(ids(batch))

    sent = harness.entries(20, keys=range(4))
    loop = ConsumerLoop(lambda: harness.subscribe("indexer"), handle, max_events=500, timeout_seconds=POLL_SECONDS)
    loop.step()  # joins the group (the in-process twin keeps nothing for a group not yet there)
    harness.stream.publish(sent)
    with pytest.raises(RuntimeError):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            loop.step()
    deadline = time.monotonic() + WAIT_SECONDS
    while len(handled) < len(sent) and time.monotonic() < deadline:
        loop.step()
    assert sorted(handled) == ids(sent)
    loop.close()
    assert_group_resumes_after_its_commits(harness, "indexer")


class LoopThread(threading.Thread):
    """A worker's consumer loop in its own thread, stepping again after a failure as its BackgroundLoop does."""

    def __init__(self, loop: ConsumerLoop) -> None:
        super().__init__(daemon=True)
        self.loop = loop
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.loop.step()
            except RuntimeError:
                time.sleep(0.05)
        self.loop.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(WAIT_SECONDS)


def test_a_member_whose_batches_keep_failing_leaves_its_events_to_the_members_that_can_handle_them(
    harness: Harness,
) -> None:
    """An index builder that cannot reach the search engine (a wrong address in that process alone) held its
    partitions until Kafka gave up on it (5 minutes), while the builders that could index them waited."""
    tried: list[int] = []
    handled: list[int] = []

    def unreachable(batch: list[OutboxEntry]) -> None:
        tried.extend(ids(batch))
        raise RuntimeError("search engine unreachable from this process")

    def join() -> EventSubscription:
        return harness.subscribe("indexer", PRODUCT_NAMES)

    stuck = ConsumerLoop(join, unreachable, timeout_seconds=POLL_SECONDS, leave_after_seconds=1.0)
    healthy = ConsumerLoop(join, lambda batch: handled.extend(ids(batch)), timeout_seconds=POLL_SECONDS)
    threads = [LoopThread(stuck), LoopThread(healthy)]
    for thread in threads:
        thread.start()
    sent: list[OutboxEntry] = []
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while not tried and time.monotonic() < deadline:  # waves until the stuck member got a share
            wave = harness.entries(12, keys=range(12), names=PRODUCT_NAMES)
            harness.stream.publish(wave)
            sent += wave
            time.sleep(2 * POLL_SECONDS)
        assert tried, "the failing member never got any events"
        wait_for(lambda: set(ids(sent)) <= set(handled))
        assert not stuck.in_group
    finally:
        for thread in threads:
            thread.stop()
    assert set(handled) == set(ids(sent)), "every event handled by the member that can"


def test_a_member_that_left_joins_again_once_its_events_go_through(harness: Harness) -> None:
    handled: list[int] = []
    broken = [RuntimeError("search engine down")]

    def handle(batch: list[OutboxEntry]) -> None:
        if broken:
            raise broken[0]
        handled.extend(ids(batch))

    loop = ConsumerLoop(
        lambda: harness.subscribe("indexer", PRODUCT_NAMES),
        handle,
        timeout_seconds=POLL_SECONDS,
        leave_after_seconds=0.5,
        probe_every_seconds=0.2,
    )
    loop.step()  # joins the group
    before = harness.entries(10, keys=range(5), names=PRODUCT_NAMES)
    harness.stream.publish(before)
    deadline = time.monotonic() + WAIT_SECONDS
    while loop.in_group and time.monotonic() < deadline:
        try:
            loop.step()
        except RuntimeError:
            time.sleep(0.05)
    assert not loop.in_group, "the loop never left the group"

    broken.clear()  # the search engine answers again
    after = harness.entries(10, keys=range(5), names=PRODUCT_NAMES)
    harness.stream.publish(after)
    deadline = time.monotonic() + WAIT_SECONDS
    while not set(ids(before + after)) <= set(handled) and time.monotonic() < deadline:
        loop.step()
        time.sleep(0.01)
    assert loop.in_group
    assert set(handled) == set(ids(before + after))
    loop.close()


def test_a_member_fenced_by_another_with_its_static_id_subscribes_again_once_that_one_is_gone(kafka: Harness) -> None:
    # Two processes that once shared a node id shared a static member id: the newer fences the older, whose
    # consumer is dead for good. Its loop makes a new one, rather than failing on the dead one forever.
    bootstrap = kafka_bootstrap()

    def stream() -> KafkaEventStream:
        return KafkaEventStream(bootstrap, topic_prefix=kafka.prefix, consumer_settings=FAST_GROUPS, instance_id="n7")

    older, newer = stream(), stream()
    handled: list[int] = []
    loop = ConsumerLoop(lambda: older.subscription("indexer", PRODUCT_NAMES), lambda b: handled.extend(ids(b)))
    first = kafka.entries(5, keys=range(5), names=PRODUCT_NAMES)
    kafka.stream.publish(first)
    deadline = time.monotonic() + WAIT_SECONDS
    while not set(ids(first)) <= set(handled) and time.monotonic() < deadline:
        loop.step()
    fencing = newer.subscription("indexer", PRODUCT_NAMES)
    lost = False
    deadline = time.monotonic() + WAIT_SECONDS
    while not lost and time.monotonic() < deadline:
        fencing.poll(10, POLL_SECONDS)
        fencing.commit()
        try:
            loop.step()
        except SubscriptionLost:
            lost = True
    assert lost, "the older member was never fenced"
    assert not loop.in_group
    fencing.close()
    newer.close()
    second = kafka.entries(5, keys=range(5), names=PRODUCT_NAMES)
    kafka.stream.publish(second)
    deadline = time.monotonic() + WAIT_SECONDS
    while not set(ids(second)) <= set(handled) and time.monotonic() < deadline:
        with contextlib.suppress(SubscriptionLost):
            loop.step()
    assert set(ids(second)) <= set(handled)
    loop.close()
    older.close()


def test_event_names_map_to_product_price_inventory_and_rebuild_topics() -> None:
    for name in PRODUCT_NAMES:
        assert topic_for(name, "aisle.") == "aisle.product.updated"
    assert topic_for(PRICE_CHANGED, "aisle.") == "aisle.price.changed"
    assert topic_for(INVENTORY_CHANGED, "aisle.") == "aisle.inventory.changed"
    assert topic_for("index.rebuild", "aisle.") == "aisle.index.rebuild"
    assert topic_for("seller.created", "aisle.") == "aisle.seller.created"


def test_kafka_skips_malformed_messages(kafka: Harness) -> None:
    subscription = kafka.subscribe("tolerant")
    stream = kafka.stream
    assert isinstance(stream, KafkaEventStream)
    raw = Producer({"bootstrap.servers": kafka_bootstrap()})
    topic = stream.topics_for([PRODUCT_UPDATED])[0]
    for value in (b"not json", b'{"event_id": 1}', b"[1, 2]", None):
        raw.produce(topic, key=b"7", value=value)
    raw.flush(10)
    good = kafka.entries(1)
    stream.publish(good)
    assert collect(subscription, 1) == good


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("create_topics", [True, False], ids=["creating-topics", "producing"])
def test_publishing_to_a_dead_broker_raises_within_the_delivery_timeout(create_topics: bool) -> None:
    stream = KafkaEventStream(closed_port(), delivery_timeout_seconds=1.0, create_topics=create_topics)
    started = time.monotonic()
    with pytest.raises(EventStreamError, match=r"127\.0\.0\.1"):
        stream.publish(Harness(stream).entries(3))
    assert time.monotonic() - started < 3.0


def test_a_look_at_the_brokers_says_whether_they_answer(kafka: Harness) -> None:
    kafka.stream.check()  # a live broker: nothing raised
    with pytest.raises(EventStreamError, match=r"could not reach the brokers of 127\.0\.0\.1"):
        KafkaEventStream(closed_port(), delivery_timeout_seconds=0.5).check()


def test_relay_keeps_events_while_kafka_is_down_and_delivers_each_once_when_it_returns(
    kafka: Harness, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    create_schema(engine)
    uow = sql_unit_of_work_factory(engine, SnowflakeIds(node_id=1).next_id, utc_now)
    events = [Event(PRODUCT_UPDATED, key=k % 5, payload={"n": k}) for k in range(25)]
    with uow() as writing:  # the write succeeds while Kafka is down: the events wait in the outbox
        writing.outbox.add(events, utc_now())
        writing.commit()

    down = KafkaEventStream(closed_port(), topic_prefix=kafka.prefix, delivery_timeout_seconds=0.5)
    for hours in range(MAX_ATTEMPTS + 2):  # an outage longer than any backoff: no event is blamed, none parked
        with pytest.raises(BusUnavailable):
            OutboxRelay(uow, down, after(timedelta(hours=hours))).relay_once()  # type: ignore[arg-type]
    assert pending(uow) == len(events)
    with uow(readonly=True) as reading:
        assert {e.attempts for e in reading.outbox.claim_pending(100, utc_now())} == {0}

    subscription = kafka.subscribe("after-outage")
    later = after(timedelta(hours=1))  # past the relay's backoff
    assert OutboxRelay(uow, kafka.stream, later).drain() == len(events)  # type: ignore[arg-type]
    assert pending(uow) == 0
    got = collect(subscription, len(events), commit=True)
    assert len(got) == len(events) == len(set(ids(got)))
    assert [e.payload["n"] for e in sorted(got, key=lambda e: e.event_id)] == list(range(25))
    engine.dispose()


def pending(uow: Callable[..., SqlUnitOfWork]) -> int:
    with uow(readonly=True) as reading:
        return reading.outbox.pending_count()


def after(delta: timedelta) -> Callable[[], datetime]:
    return lambda: utc_now() + delta


def test_new_topics_are_replicated_as_far_as_the_brokers_allow(kafka: Harness) -> None:
    """Unset replication settings: 3 copies (fewer brokers: as many as there are) and min.insync.replicas one
    less (at least 1), so the single test broker gets 1 / 1 and a 3-broker cluster 3 / 2 (tests/cluster)."""
    from confluent_kafka.admin import ConfigResource, ResourceType

    kafka.stream.publish(kafka.entries(1))
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap()})
    topic = f"{kafka.prefix}{PRODUCT_UPDATED}"
    metadata = admin.list_topics(timeout=10)
    factor = min(3, len(metadata.brokers))
    partitions = metadata.topics[topic].partitions
    assert len(partitions) == 3
    assert {len(p.replicas) for p in partitions.values()} == {factor}
    (config,) = (f.result() for f in admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)]).values())
    assert config["min.insync.replicas"].value == str(max(1, factor - 1))
