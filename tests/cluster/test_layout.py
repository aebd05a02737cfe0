"""aisle's defaults on a cluster: a replicated index, replicated topics, and index builders sharing the partitions."""

from __future__ import annotations

import time

from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from tests.cluster.conftest import ClusterControl, Stack
from tests.cluster.test_failover import Shop


def test_index_and_topics_are_replicated_and_two_index_builders_share_the_partitions(
    stack: Stack, cluster: ClusterControl
) -> None:
    Shop(stack)  # writes: the relay creates the topics, the index builder the index
    deadline = time.monotonic() + 60
    while not cluster.opensearch.indices.exists_alias(name=stack.alias):
        assert time.monotonic() < deadline, f"the index builders did not create {stack.alias}"
        time.sleep(0.5)
    settings = cluster.opensearch.indices.get_settings(index=stack.alias)
    (index_settings,) = (found["settings"]["index"] for found in settings.values())
    assert (index_settings["number_of_shards"], index_settings["number_of_replicas"]) == ("2", "1")

    admin = AdminClient({"bootstrap.servers": cluster.kafka_bootstrap, "log_level": 3})
    topic = stack.prefix + "product.updated"
    partitions = _wait_for_topic(admin, topic)
    assert len(partitions) == 3
    assert all(len(info.replicas) == 3 for info in partitions.values())
    configs = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic)])
    (described,) = (future.result() for future in configs.values())
    assert described["min.insync.replicas"].value == "2"

    group = stack.prefix + "aisle-index-builder"
    members = _wait_for_members(admin, group, 2)
    owned = [sorted((tp.topic, tp.partition) for tp in m.assignment.topic_partitions) for m in members]
    assert all(owned), f"a member of {group} owns no partition: {owned}"
    flat = [tp for each in owned for tp in each]
    assert len(flat) == len(set(flat)), f"a partition is owned twice: {owned}"
    assert {p for t, p in flat if t == topic} == {0, 1, 2}


def _wait_for_topic(admin: AdminClient, topic: str) -> dict:
    deadline = time.monotonic() + 60
    while (found := admin.list_topics(timeout=30).topics.get(topic)) is None or found.error is not None:
        assert time.monotonic() < deadline, f"{topic} was not created"
        time.sleep(0.5)
    return found.partitions


def _wait_for_members(admin: AdminClient, group: str, count: int) -> list:
    deadline = time.monotonic() + 90
    while True:
        (described,) = (f.result() for f in admin.describe_consumer_groups([group]).values())
        settled = [m for m in described.members if m.assignment.topic_partitions]
        if len(described.members) >= count and len(settled) == len(described.members):
            return described.members
        assert time.monotonic() < deadline, f"{group}: {len(described.members)} members, {len(settled)} assigned"
        time.sleep(1)
