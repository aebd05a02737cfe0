"""Logs are JSON lines, each with its request id; every request leaves an access line; the id a 500 promises reaches
the log (issue 11: no logging was configured, so it reached nothing)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aisle.entrypoints.api.app import create_app
from tests.support.logs import logging_to


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with logging_to(io.StringIO()) as stream:
        yield stream


def _parsed(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize("given", ["<script>alert(1)</script>", "../../etc/passwd", "x" * 5000, " spaced id", ""])
def test_a_request_id_that_reads_as_no_id_is_replaced_by_ours(client, given):
    answer = client.get("/healthz", headers={"X-Request-Id": given})
    kept = client.get("/healthz", headers={"X-Request-Id": "00-4bf92f3577b34da6-a3ce929d0e0e4736.1:2"})
    assert answer.headers["x-request-id"] != given and len(answer.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "00-4bf92f3577b34da6-a3ce929d0e0e4736.1:2"


def test_access_lines_and_a_500_carry_the_request_id(container, log_lines: io.StringIO):
    app = create_app(container)

    @app.get("/boom")
    def boom() -> None:
        logging.getLogger("aisle.test").info("about to fail")
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        ok = client.get("/healthz", headers={"X-Request-Id": "req-ok-1"})
        failed = client.get("/boom")
    assert ok.status_code == 200 and failed.status_code == 500
    promised = failed.json()["request_id"]
    assert failed.headers["x-request-id"] == promised  # as on every other answer
    lines = _parsed(log_lines)
    access = [line for line in lines if line["logger"] == "aisle.access"]
    assert {(a["path"], a["status"], a["request_id"]) for a in access} >= {
        ("/healthz", 200, "req-ok-1"),
        ("/boom", 500, promised),
    }
    assert {a["client"] for a in access} == {"testclient"}  # the address rate limits count by
    about = [line for line in lines if line["msg"] == "about to fail"]
    assert about and about[0]["request_id"] == promised  # a line logged inside the route
    crash = [line for line in lines if line["msg"].startswith("unhandled error on GET /boom")]
    assert crash and crash[0]["request_id"] == promised and "RuntimeError: a bug" in crash[0]["exc"]
    assert all(set(line) >= {"ts", "level", "logger", "msg", "request_id"} for line in lines)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "is_json"), [(io.StringIO(), True), (_Terminal(), False)])
def test_auto_format_is_json_for_a_pipe_and_readable_on_a_terminal(stream: io.StringIO, is_json: bool):
    with logging_to(stream, log_format="auto"):
        logging.getLogger("aisle.test").info("hello %s", "shopper", extra={"request_id": "req-42"})
    line = stream.getvalue().strip()
    if is_json:
        assert json.loads(line)["request_id"] == "req-42"
    else:
        assert line.endswith("INFO    aisle.test: hello shopper  [request req-42]")


def test_a_request_is_logged_once_whatever_uvicorn_left_its_access_logger_as():
    # `serve --workers N`: uvicorn sets its loggers up in each process before aisle's logging is configured
    logging.getLogger("uvicorn.access").propagate = True
    with logging_to(io.StringIO()) as stream:
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /healthz HTTP/1.1" 200')
        logging.getLogger("aisle.access").info("GET /healthz 200")
    assert [json.loads(line)["logger"] for line in stream.getvalue().splitlines()] == ["aisle.access"]


def test_a_json_line_carries_no_terminal_colour_codes(log_lines: io.StringIO):
    # uvicorn logs "Started server process [%d]" with a coloured copy of itself for terminals, as an extra field
    extra = {"color_message": "Started server process [\x1b[36m%d\x1b[0m]"}
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42, extra=extra)
    [line] = _parsed(log_lines)
    assert line["msg"] == "Started server process [42]" and "color_message" not in line
