"""A client that stops sending its body half way gets 408 and loses nothing; the server goes on serving. Served
by uvicorn on a real socket: a test client hands the app every body whole."""

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
from tests.api.conftest import INTERNAL_TOKEN, make_settings, product_body
from tests.support.served import served_in_thread

READ_TIMEOUT = 0.5  # seconds without the next part of a body; nothing here measures time


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    container = bootstrap(make_settings(tmp_path, body_read_timeout_seconds=READ_TIMEOUT))
    with served_in_thread(create_app(container)) as url:
        yield url
    container.stop()


def _send_part_of(url: str, path: str, headers: dict[str, str], body: bytes, sent: int) -> tuple[int, dict, dict]:
    """Sends the headers and the first ``sent`` bytes of the body, then nothing; the answer's status, headers
    and JSON body."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[:sent])
        answer = b""
        while chunk := conn.recv(65536):  # the server closes the connection after its answer
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answered = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in answered.items()}, json.loads(payload)


def test_a_body_that_stops_arriving_is_408_and_nothing_is_created(served: str):
    auth = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    made = httpx.post(f"{served}/api/v1/sellers", json={"name": "Stalling Seller"}, headers=auth, timeout=30)
    seller = {"Authorization": f"Bearer {made.json()['api_key']}"}
    body = json.dumps(product_body()).encode()
    status, headers, problem = _send_part_of(
        served, "/api/v1/seller/products", {**seller, "Content-Type": "application/json"}, body, sent=len(body) // 2
    )
    assert status == 408
    assert headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == 408 and "stopped arriving" in problem["detail"]
    # nothing half-made, and the server still answers: the same SKUs, sent whole, are new (else 409)
    created = httpx.post(f"{served}/api/v1/seller/products", json=product_body(), headers=seller, timeout=30)
    assert created.status_code == 201, created.text


def test_a_body_sent_whole_is_not_hurried(served: str):
    # the whole body at once, however long the server then takes: no 408
    found = httpx.get(f"{served}/api/v1/products/search", params={"q": "anything"}, timeout=30)
    assert found.status_code == 200
    time.sleep(READ_TIMEOUT * 2)  # a kept-alive connection idle between requests is not a stalled body
    created = httpx.post(
        f"{served}/api/v1/sellers",
        json={"name": "Patient Seller"},
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
        timeout=30,
    )
    assert created.status_code == 201
