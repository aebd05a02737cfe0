"""Failover tests against a real 3-node OpenSearch and 3-broker Kafka: `make cluster-up`, then `make test-cluster`.

The cluster is given by AISLE_TEST_CLUSTER_OPENSEARCH_URL and AISLE_TEST_CLUSTER_KAFKA_BOOTSTRAP; its nodes are
killed and restarted with deploy/local/cluster.sh, which reads the same AISLE_CLUSTER_* port variables as the
`cluster-up` that started it. The aisle under test runs as real processes (an API with its workers and a second
index builder), so a node dies under the same clients a deployment has.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError
from sqlalchemy import Engine

from aisle.adapters.sql.engine import make_engine
from tests.conftest import redis_url, required_service
from tests.distributed.conftest import fresh_database  # noqa: F401  (a fixture used by `stack`)
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SH = REPO / "deploy" / "local" / "cluster.sh"
NODES = ("opensearch-1", "opensearch-2", "opensearch-manager", "kafka-1", "kafka-2", "kafka-3")
TOKEN = "cluster-test-token"


def cluster_opensearch_url() -> str:
    return required_service(
        "AISLE_TEST_CLUSTER_OPENSEARCH_URL",
        "OpenSearch cluster",
        "http://127.0.0.1:9200,http://127.0.0.1:9201,http://127.0.0.1:9202 after `make cluster-up`",
    )


def cluster_kafka_bootstrap() -> str:
    return required_service(
        "AISLE_TEST_CLUSTER_KAFKA_BOOTSTRAP",
        "Kafka cluster",
        "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094 after `make cluster-up`",
    )


class ClusterControl:
    """deploy/local/cluster.sh, driven from the tests."""

    def __init__(self, opensearch_url: str, kafka_bootstrap: str) -> None:
        self.opensearch_url = opensearch_url
        self.kafka_bootstrap = kafka_bootstrap
        self.opensearch = OpenSearch(opensearch_url.split(","), timeout=10, max_retries=5)

    def run(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            ["bash", str(CLUSTER_SH), *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"cluster.sh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def kill(self, node: str) -> None:
        self.run("kill", node)

    def start(self, node: str) -> None:
        self.run("start", node)

    def leader(self, kind: str) -> str:
        return self.run("leader", kind).strip().splitlines()[-1]

    def ensure_all_up(self) -> None:
        for node in NODES:
            self.start(node)  # a running node is left alone
        self.wait_green()

    def wait_green(self, timeout_seconds: float = 600) -> None:
        """Asks in short requests until the cluster is green: a node still starting refuses connections, and on a
        slow or busy machine recovery takes minutes, which must cost this wait time, not fail the test."""
        deadline = time.monotonic() + timeout_seconds
        last: object = "no answer yet"
        while time.monotonic() < deadline:
            try:
                last = self.opensearch.cluster.health(
                    wait_for_status="green", wait_for_nodes=3, timeout="15s", request_timeout=30
                )
            except TransportError as error:  # 408 when not green within 15 s; connection errors while a node starts
                last = error
            else:
                if last["status"] == "green":
                    return
            time.sleep(1)
        raise AssertionError(
            f"the OpenSearch cluster did not turn green within {timeout_seconds:g} s: {last}\n"
            f"shards not started: {self.shards_not_started()}"
        )

    def shards_not_started(self) -> object:
        try:
            return [s for s in self.opensearch.cat.shards(format="json", request_timeout=30) if s["state"] != "STARTED"]
        except TransportError as error:
            return error


@pytest.fixture(scope="session")
def cluster() -> ClusterControl:
    control = ClusterControl(cluster_opensearch_url(), cluster_kafka_bootstrap())
    control.ensure_all_up()
    return control


@dataclass
class Stack:
    """aisle on the cluster: an API process running the relay, index builder, cache invalidator and expirer, plus
    a second index-builder process in the same consumer group."""

    base_url: str
    env: dict[str, str]
    database: Engine
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def alias(self) -> str:
        return self.env["AISLE_SEARCH_INDEX"]

    @property
    def prefix(self) -> str:
        return self.env["AISLE_TOPIC_PREFIX"]

    def spawn(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        aisle = Path(sys.executable).parent / "aisle"
        self.processes.append(subprocess.Popen([str(aisle), *args], env=self.env, stdout=log, stderr=log))

    def wait_ready(self, timeout_seconds: float = 180) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                raise AssertionError(f"an aisle process exited early:\n{self.log_tails()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"the API was not ready within {timeout_seconds} s:\n{self.log_tails()}")

    def log_tails(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.database.dispose()


@pytest.fixture
def stack(cluster: ClusterControl, fresh_database: str, tmp_path: Path) -> Iterator[Stack]:  # noqa: F811
    run = uuid.uuid4().hex[:10]
    port = free_port()
    env = {
        **os.environ,
        "AISLE_PROFILE": "distributed",
        "AISLE_DATA_DIR": str(tmp_path / "data"),
        "AISLE_DATABASE_URL": fresh_database,
        "AISLE_OPENSEARCH_URL": cluster.opensearch_url,
        "AISLE_SEARCH_INDEX": f"aisle-cluster-{run}",
        "AISLE_REDIS_URL": redis_url(),
        "AISLE_KAFKA_BOOTSTRAP": cluster.kafka_bootstrap,
        "AISLE_TOPIC_PREFIX": f"cluster.{run}.",
        "AISLE_INTERNAL_TOKEN": TOKEN,
        "AISLE_SELLER_WRITES_PER_MINUTE": "1000000",
        "AISLE_SEARCHES_PER_MINUTE": "1000000",
    }
    # Shards, replicas, partitions, replication factor and min.insync.replicas are left to their defaults: on this
    # cluster they must come out as 2 / 1 and 3 / 3 / 2 (test_layout checks).
    for setting in ("SEARCH_SHARDS", "SEARCH_REPLICAS", "KAFKA_PARTITIONS", "KAFKA_REPLICATION_FACTOR"):
        env.pop(f"AISLE_{setting}", None)
    env.pop("AISLE_KAFKA_MIN_INSYNC_REPLICAS", None)
    logs = tmp_path / "logs"
    logs.mkdir()
    built = Stack(f"http://127.0.0.1:{port}", env, make_engine(fresh_database), logs)
    try:
        built.spawn("api", "serve", "--port", str(port), "--with-workers")
        built.wait_ready()
        built.spawn("index-builder-2", "worker", "index-builder")
        yield built
    finally:
        built.stop()
        _forget(cluster, built)


def _forget(cluster: ClusterControl, stack: Stack) -> None:
    """The cluster outlives the test: drop this run's indexes and topics."""
    from confluent_kafka.admin import AdminClient

    cluster.opensearch.indices.delete(index=f"{stack.alias}-*", ignore=404, request_timeout=60)
    admin = AdminClient({"bootstrap.servers": cluster.kafka_bootstrap, "log_level": 3})
    topics = [t for t in admin.list_topics(timeout=20).topics if t.startswith(stack.prefix)]
    if topics:
        for future in admin.delete_topics(topics, operation_timeout=30).values():
            future.result()
