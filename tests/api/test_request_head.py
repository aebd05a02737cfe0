"""A request's head (request line and headers) is bounded before the app sees it: too large is 431, too slow
408, both problem+json, and the server goes on serving. Served by uvicorn on a real socket with aisle's protocol,
as `aisle serve` runs it."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.entrypoints.api.http_protocol import MAX_HEAD_BYTES, ProblemHttpToolsProtocol
from tests.api.conftest import make_settings
from tests.support.served import served_in_thread


class QuickProtocol(ProblemHttpToolsProtocol):
    head_read_seconds = 0.5  # nothing here measures time: a stalled head is answered, however late


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    container = bootstrap(make_settings(tmp_path))
    with served_in_thread(create_app(container), http=QuickProtocol) as url:
        yield url
    container.stop()


def _exchange(url: str, sent: bytes) -> bytes:
    """What the server answers to ``sent`` before it closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        conn.sendall(sent)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def _status_and_problem(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower()
    return int(head.split()[1]), json.loads(body)


def test_headers_over_the_limit_are_431_and_the_server_goes_on(served: str):
    big = b"x" * (MAX_HEAD_BYTES + 1)
    status, problem = _status_and_problem(_exchange(served, b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + big))
    assert status == 431 and problem["status"] == 431 and "80 KB" in problem["detail"]
    many = b"".join(b"X-Part-%d: %s\r\n" % (n, b"y" * 1000) for n in range(100))  # 100 KB in small headers
    status, _ = _status_and_problem(_exchange(served, b"GET /healthz HTTP/1.1\r\nHost: a\r\n" + many + b"\r\n"))
    assert status == 431
    assert httpx.get(f"{served}/healthz", headers={"X-Fine": "z" * 8000}).status_code == 200
    for size in (70_000, 100_000):  # past the parser's own limit for a URL, and past ours for the head
        long_url = b"GET /healthz?q=" + b"a" * size + b" HTTP/1.1\r\nHost: a\r\n\r\n"
        status, problem = _status_and_problem(_exchange(served, long_url))
        assert status == 414 and "URL" in problem["detail"], size
    status, problem = _status_and_problem(_exchange(served, b"GET /healthz HTTP/1.1\r\nHost a\r\n\r\n"))
    assert status == 400 and "malformed" in problem["detail"]


def test_headers_that_stop_arriving_are_408(served: str):
    status, problem = _status_and_problem(_exchange(served, b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Half"))
    assert status == 408 and "did not arrive" in problem["detail"]
    assert _exchange(served, b"") == b""  # a connection that sends nothing is closed, unanswered
    assert httpx.get(f"{served}/healthz").status_code == 200


def test_a_keep_alive_connection_serves_its_requests_past_the_head_timeout(served: str):
    with httpx.Client(base_url=served) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(QuickProtocol.head_read_seconds * 2)  # idle, within uvicorn's keep-alive
        assert client.post("/api/v1/products/search", content=b"x" * 500_000).status_code in (404, 405)
