"""`aisle serve --workers 2` for real: two API processes over one SQLite database and one Tantivy index. One leads
(runs the relay and index builder); killing it with SIGKILL hands the lead to the other; both see every commit."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port

TOKEN = "workers-test-token"
REQUESTS_PER_CONNECTION = 5
WAIT_SECONDS = 120  # a shared, loaded 2-core machine starts processes slowly; nothing here measures time


def _free_port_pair() -> int:
    """A port free together with the next one: process n of two serves its metrics on base + n."""
    while True:
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            base = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", base + 1))
            except (OSError, OverflowError):  # OverflowError: the base was the last port there is
                continue  # the next port is taken (an earlier test's server, a client's ephemeral port): try again
            return base


class Served:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = f"http://127.0.0.1:{free_port()}"
        self.metrics_port = _free_port_pair()
        self.supervisor: subprocess.Popen[bytes] | None = None

    def leader_pid(self) -> int:
        return int((self.data_dir / "leader.lock").read_text() or 0)

    def leaders(self) -> list[int]:
        """The aisle_leader gauge of each process, from its own metrics port."""
        found = []
        for port in (self.metrics_port, self.metrics_port + 1):
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            found += [int(float(line.split()[1])) for line in text.splitlines() if line.startswith("aisle_leader ")]
        return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    served = Served(tmp_path)
    port = served.url.rsplit(":", 1)[1]
    env = {**os.environ, "AISLE_DATA_DIR": str(tmp_path), "AISLE_INTERNAL_TOKEN": TOKEN}
    env |= {"AISLE_METRICS_PORT": str(served.metrics_port), "AISLE_SELLER_WRITES_PER_MINUTE": "100000"}
    env |= {"AISLE_SEARCHES_PER_MINUTE": "100000", "AISLE_REQUESTS_PER_CONNECTION": str(REQUESTS_PER_CONNECTION)}
    command = [str(Path(sys.executable).parent / "aisle"), "serve", "--port", port, "--workers", "2"]
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _eventually(lambda: len(served.leaders()) == 2, "both processes answering on their metrics ports")
        served.supervisor = process
        children = _children_of(process.pid)
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        for pid in children if "children" in locals() else ():
            _kill_if_alive(pid)  # left behind by a supervisor that could not stop them
        log.close()


def _children_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _kill_if_alive(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _eventually(check, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


def _create_product(served: Served, api_key: str) -> tuple[str, str]:
    word = "zq" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))
    body = {"title": f"Lamp {word}", "status": "ACTIVE", "variants": [{"sku": word, "price": 12.5}]}
    response = httpx.post(
        f"{served.url}/api/v1/seller/products", json=body, headers={"Authorization": f"Bearer {api_key}"}, timeout=60
    )
    assert response.status_code == 201, response.text
    return response.json()["product_id"], word


def _seller_key(served: Served) -> str:
    created = httpx.post(
        f"{served.url}/api/v1/sellers", json={"name": "Lamps"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    return str(created.json()["api_key"])


def _found_by_every_process(served: Served, product_id: str, word: str) -> None:
    """Fresh connections land on either process; each must find the product (its reader saw the commit)."""
    found_by: set[str] = set()

    def both_found() -> bool:
        response = httpx.get(f"{served.url}/api/v1/products/search", params={"q": word}, timeout=30)
        if any(r["product_id"] == product_id for r in response.json()["results"]):
            found_by.add(response.headers["x-aisle-process"].split(":")[0])
        return found_by == {"0", "1"}

    _eventually(both_found, f"both processes find {word}")


def _every_process_shows(served: Served, product_id: str, title: str) -> None:
    shown_by: set[str] = set()

    def both_show() -> bool:
        response = httpx.get(f"{served.url}/api/v1/products/{product_id}", timeout=30)
        if response.json()["title"] == title:
            shown_by.add(response.headers["x-aisle-process"].split(":")[0])
        return shown_by == {"0", "1"}

    _eventually(both_show, f"both processes show the title {title!r}")


def test_one_process_leads_and_another_takes_over_when_it_is_killed(served: Served):
    assert sorted(served.leaders()) == [0, 1]  # exactly one leader
    api_key = _seller_key(served)
    product_id, word = _create_product(served, api_key)
    _found_by_every_process(served, product_id, word)
    _every_process_shows(served, product_id, f"Lamp {word}")  # both have the page cached now
    patched = httpx.patch(
        f"{served.url}/api/v1/seller/products/{product_id}",
        json={"title": f"Desk lamp {word}"},
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=60,
    )
    assert patched.status_code == 200, patched.text
    _every_process_shows(served, product_id, f"Desk lamp {word}")  # the other process dropped its cached page

    first_leader = served.leader_pid()
    os.kill(first_leader, signal.SIGKILL)
    _eventually(lambda: served.leader_pid() not in (0, first_leader), "another process takes the lead")
    _eventually(lambda: sorted(served.leaders()) == [0, 1], "the killed process is replaced, still one leader")

    _found_by_every_process(served, *_create_product(served, api_key))  # the new leader indexes


def test_keep_alive_connections_are_closed_after_a_few_requests_and_land_on_every_process(served: Served):
    host, port = served.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    closing = []
    for _ in range(REQUESTS_PER_CONNECTION):
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        closing.append(response.getheader("connection"))
    assert closing == [None] * (REQUESTS_PER_CONNECTION - 1) + ["close"]
    assert connection.sock is None  # http.client saw the close and dropped the socket

    def keep_alive_client(_n: int) -> list[str]:
        with httpx.Client(base_url=served.url, timeout=30) as client:  # reconnects when the server closes
            return [client.get("/healthz").headers["x-aisle-process"].split(":")[0] for _ in range(40)]

    with ThreadPoolExecutor(8) as pool:
        answered_by = Counter(slot for answers in pool.map(keep_alive_client, range(8)) for slot in answers)
    # 8 clients reconnecting every 5 requests open 64 connections, the kernel places each on either process
    assert set(answered_by) == {"0", "1"}
    assert min(answered_by.values()) >= 32, answered_by  # at least a tenth of the 320 answers each


def test_every_process_logs_its_requests_as_json_lines(served: Served):
    answered: set[str] = set()
    with httpx.Client(base_url=served.url, timeout=30) as client:  # reconnects land on either process
        for _ in range(8 * REQUESTS_PER_CONNECTION):
            answered.add(client.get("/healthz").headers["x-aisle-process"].split(":")[1])
    assert len(answered) == 2

    def logged_by() -> set[str]:
        lines = (served.data_dir / "serve.log").read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        return {str(r.get("pid")) for r in records if r.get("logger") == "aisle.access"}

    _eventually(lambda: logged_by() >= answered, "an access line from each process, by its pid")


def test_a_reindex_beside_two_processes_is_followed_by_the_leader_alone(served: Served):
    """Both processes follow the switch to the new index; only the leader, which holds the index's writer,
    re-syncs what changed during the build (the other one's attempt failed on the writer's lock)."""
    api_key = _seller_key(served)
    env = {**os.environ, "AISLE_DATA_DIR": str(served.data_dir), "AISLE_INTERNAL_TOKEN": TOKEN}
    reindex = [str(Path(sys.executable).parent / "aisle"), "reindex"]
    written: list[tuple[str, str]] = []
    with ThreadPoolExecutor(1) as pool:  # products written all through the build: the switch has some to re-sync
        building = pool.submit(subprocess.run, reindex, env=env, capture_output=True, text=True, timeout=120)
        while not building.done() or len(written) < 5:
            written.append(_create_product(served, api_key))
        done = building.result()
    assert done.returncode == 0, done.stdout + done.stderr
    for product_id, word in written[-3:]:
        _found_by_every_process(served, product_id, word)
    _found_by_every_process(served, *_create_product(served, api_key))  # writes after it are indexed too
    time.sleep(2)  # the re-sync after the switch runs on the processes' own threads
    assert "LockBusy" not in (served.data_dir / "serve.log").read_text()


def test_a_second_server_cannot_join_the_port(served: Served, tmp_path_factory):
    """Each process listens with SO_REUSEPORT, which would let another server with the same option share the port
    and answer for another data dir; `aisle serve` checks the port without it first, and stops."""
    other = tmp_path_factory.mktemp("other")
    env = {**os.environ, "AISLE_DATA_DIR": str(other), "AISLE_INTERNAL_TOKEN": TOKEN}
    port = served.url.rsplit(":", 1)[1]
    command = [str(Path(sys.executable).parent / "aisle"), "serve", "--port", port, "--workers", "2"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=WAIT_SECONDS)
    assert refused.returncode == 1
    assert "Address already in use" in refused.stdout + refused.stderr
    assert httpx.get(f"{served.url}/healthz", timeout=30).status_code == 200  # the first server still answers


def test_a_request_too_long_to_parse_gets_a_problem_and_the_server_goes_on(served: Served):
    host, port = served.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)  # httpx refuses to send such a URL
    connection.request("GET", "/api/v1/products/search?q=" + "a" * 100_000)
    response = connection.getresponse()
    assert response.status == 414
    assert response.getheader("content-type") == "application/problem+json"
    problem = json.loads(response.read())
    assert problem["status"] == 414 and "URL" in problem["detail"]
    assert httpx.get(f"{served.url}/api/v1/products/search", params={"q": "a"}, timeout=30).status_code == 200


def test_the_processes_share_one_rate_limit_per_client(served: Served):
    """The price quote allows a client 120 a minute (AISLE_QUOTES_PER_MINUTE): so it does across both processes,
    not 120 in each. Every request on a new connection, so that both processes answer."""
    body = {"lines": [{"variant_id": "1", "quantity": 1}], "coupon": "GUESS0001"}
    started = time.monotonic()
    answers = [httpx.post(f"{served.url}/api/v1/pricing/quote", json=body, timeout=60) for _ in range(300)]
    elapsed = time.monotonic() - started
    assert {a.headers["x-aisle-process"].split(":")[0] for a in answers} == {"0", "1"}
    allowed = sum(a.status_code != 429 for a in answers)
    refilled = math.ceil(elapsed * 120 / 60)  # the tokens that came back while the requests were sent
    assert 120 <= allowed <= 120 + refilled, (allowed, elapsed)


def _refused(url: str) -> bool:
    try:
        httpx.get(url, timeout=5)
    except httpx.ConnectError:
        return True
    return False


def test_the_processes_stop_when_their_supervisor_is_killed(served: Served):
    assert served.supervisor is not None
    served.supervisor.send_signal(signal.SIGKILL)  # it cannot stop them itself
    served.supervisor.wait(30)
    metrics = [f"http://127.0.0.1:{served.metrics_port + n}/metrics" for n in (0, 1)]
    _eventually(lambda: all(_refused(url) for url in (f"{served.url}/healthz", *metrics)), "no process left")
    # the port is free again: a new server can start on it
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", int(served.url.rsplit(":", 1)[1])))
