"""`aisle worker` processes for real, each serving its own /metrics: the relay counts what the index builders must
take, the index builder counts what it made searchable (the pair behind the AisleIndexBuilderStalled alert)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.settings import Settings
from tests.conftest import opensearch_url, redis_url
from tests.distributed.conftest import TOKEN, create_product, distributed_settings, new_seller, proxy_for
from tests.support.ports import free_port
from tests.support.proxy import CuttableProxy

WAIT_SECONDS = 120  # workers connecting to four services on a loaded machine; nothing here measures time
AISLE = Path(sys.executable).parent / "aisle"


def _metric(port: int, name: str) -> float | None:
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return None  # not listening yet
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


def _wait_for(what: str, probe, workers: list[subprocess.Popen]):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if found := probe():
            return found
        if exited := [w.args[2] for w in workers if w.poll() is not None]:
            raise AssertionError(f"worker {exited} exited early")
        time.sleep(0.5)
    raise AssertionError(f"{what} not seen within {WAIT_SECONDS} s")


@pytest.fixture
def opensearch() -> Iterator[CuttableProxy]:
    proxy = proxy_for(opensearch_url())
    yield proxy
    proxy.close()


@pytest.fixture
def settings(fresh_database: str, opensearch: CuttableProxy) -> Iterator[Settings]:
    redis = proxy_for(redis_url())
    yield distributed_settings(fresh_database, opensearch, redis, with_workers=False)
    redis.close()


def _environment(settings: Settings, data_dir: Path) -> dict[str, str]:
    aisle = {f"AISLE_{k.upper()}": str(v) for k, v in settings.model_dump(exclude_none=True).items()}
    return {**os.environ, **aisle, "AISLE_DATA_DIR": str(data_dir)}


def test_each_worker_process_serves_its_own_metrics(settings: Settings, opensearch: CuttableProxy, tmp_path: Path):
    relay_port, builder_port = free_port(), free_port()
    env = _environment(settings, tmp_path)
    logs = (tmp_path / "workers.log").open("ab")
    workers = [
        subprocess.Popen([str(AISLE), "worker", "relay", "--metrics-port", str(relay_port)], env=env, stderr=logs),
        subprocess.Popen(  # the other way to name the port: the setting
            [str(AISLE), "worker", "index-builder"], env={**env, "AISLE_METRICS_PORT": str(builder_port)}, stderr=logs
        ),
    ]
    failing = 'aisle_loop_failures_in_a_row{loop="index-builder"}'
    api = bootstrap(settings.model_copy(update={"run_background_workers": False}))
    try:
        with TestClient(create_app(api)) as client:
            seller = new_seller(client)

            def searchable(title: str) -> bool:
                found = client.get("/api/v1/products/search", params={"q": title}).json()
                exact = [r["title"] for r in found["results"] if not r["near_match"]]
                return exact == [title] and "degraded" not in found  # not the database's fallback

            _wait_for("the index builder's metrics", lambda: _metric(builder_port, failing) == 0, workers)
            create_product(client, seller, "Worker Metrics Kettle", "WM-1")
            _wait_for("the product in search", lambda: searchable("Worker Metrics Kettle"), workers)
            delivered = _wait_for(
                "the relay's count", lambda: _metric(relay_port, "aisle_index_events_delivered_total"), workers
            )
            indexed = _wait_for(
                "the builder's count", lambda: _metric(builder_port, "aisle_index_lag_seconds_count"), workers
            )
            assert delivered >= 1 and indexed >= 1
            assert _metric(relay_port, "aisle_index_lag_seconds_count") == 0  # each reports only its own work
            assert _metric(relay_port, 'aisle_loop_failures_in_a_row{loop="outbox-relay"}') == 0
            assert _metric(relay_port, "aisle_leader") is None  # a worker leads nothing and serves no cache
            # nor does an API process started without the workers (`aisle serve`, no --with-workers)
            api_scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
            assert re.search(r"^aisle_leader 0\.0$", api_scrape, re.MULTILINE)
            scraped = httpx.get(f"http://127.0.0.1:{builder_port}/metrics", timeout=10).text
            for serving_only in ("aisle_http_request_duration_seconds", "aisle_search_duration_seconds"):
                assert serving_only not in scraped  # nor answers requests: no families that always read zero

            opensearch.cut()  # the index builder cannot index what comes now, and says so
            try:
                create_product(client, seller, "Worker Metrics Toaster", "WM-2")
                _wait_for("the builder's failures", lambda: (_metric(builder_port, failing) or 0) >= 1, workers)
                for _ in range(4):  # searches browse the database, and the API rests OpenSearch after 3 failures
                    assert "degraded" in client.get("/api/v1/products/search", params={"q": "toaster"}).json()
                scrape = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
                assert re.search(r'^aisle_dependency_resting\{dependency="search"\} 1\.0$', scrape, re.MULTILINE)
                degraded = re.search(r"^aisle_search_degraded_total (\S+)$", scrape, re.MULTILINE)
                assert degraded is not None and float(degraded.group(1)) >= 4
            finally:
                opensearch.restore()
            _wait_for("the builder's recovery", lambda: _metric(builder_port, failing) == 0, workers)
            _wait_for("the second product in search", lambda: searchable("Worker Metrics Toaster"), workers)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        api.stop()
        logs.close()


def test_a_worker_refuses_a_metrics_port_already_taken(settings: Settings, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [str(AISLE), "worker", "pruner", "--metrics-port", str(port)],
            env=_environment(settings, tmp_path),
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )
    assert run.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
    assert "--metrics-port" in run.stderr


def test_a_worker_whose_database_is_cut_still_answers_scrapes_with_its_failing_loop(settings: Settings, tmp_path: Path):
    database = urlsplit(settings.database_url)
    postgres = proxy_for(settings.database_url)
    through_proxy = database._replace(netloc=f"{database.netloc.rsplit('@', 1)[0]}@{postgres.address}").geturl()
    port = free_port()
    env = {**_environment(settings, tmp_path), "AISLE_DATABASE_URL": through_proxy}
    logs = (tmp_path / "relay.log").open("ab")
    relay = subprocess.Popen([str(AISLE), "worker", "relay", "--metrics-port", str(port)], env=env, stderr=logs)
    failing = 'aisle_loop_failures_in_a_row{loop="outbox-relay"}'
    try:
        _wait_for("the relay's metrics", lambda: _metric(port, failing) == 0, [relay])
        assert _metric(port, "aisle_outbox_pending") is not None
        postgres.cut()
        try:
            _wait_for("the relay's failures", lambda: (_metric(port, failing) or 0) >= 1, [relay])
            assert _metric(port, "aisle_outbox_pending") is None  # left out: the database did not answer
        finally:
            postgres.restore()
        _wait_for("the relay's recovery", lambda: _metric(port, failing) == 0, [relay])
        assert _metric(port, "aisle_outbox_pending") is not None
    finally:
        relay.terminate()
        relay.wait(timeout=60)
        postgres.close()
        logs.close()
    said = [line for line in (tmp_path / "relay.log").read_text().splitlines() if "left out of this scrape" in line]
    assert said, "each scrape during the outage says what it left out"
    # one line each, naming the error, without a traceback (an outage lasts many scrapes)
    assert all(re.search(r"did not answer \(\w+: .+\)", line) and "Traceback" not in line for line in said), said[0]
