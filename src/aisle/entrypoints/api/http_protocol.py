"""uvicorn's HTTP protocol, answering a request it cannot parse the way aisle answers every other error, and
bounding what a request's head may cost before the app sees it.

uvicorn answers bytes its parser refuses (broken framing, a request line past the parser's limit) with a plain-text
"Invalid HTTP request received."; a client reading problem+json everywhere else gets it here too, with what to
change. uvicorn's httptools protocol also reads headers without limit (an 8 MB header was answered; four unfinished
50 MB ones held 185 MB) and waits for them without end: here they are refused past MAX_HEAD_BYTES (431, or 414
when the URL is what is too long) and after HEAD_READ_SECONDS (408).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from aisle.entrypoints.api.problems import PROBLEM, problem_body

MAX_HEAD_BYTES = 80 * 1024  # the request line and headers together
HEAD_READ_SECONDS = 15.0  # from a connection's start, or a request's first byte, to the end of its headers

UNREADABLE = problem_body(400, "The request could not be read as HTTP/1.1: it is malformed.")
HEAD_TOO_LARGE = problem_body(
    431,
    "The request line and headers are over 80 KB. Send long input in a POST body, not in headers or the URL.",
)
URI_TOO_LONG = problem_body(414, "The URL is too long (64 KB at most). Send long input in a POST body, not in the URL.")
HEAD_TOO_SLOW = problem_body(
    408, f"The request's headers did not arrive within {HEAD_READ_SECONDS:g} seconds: send the request again."
)

REASONS = {400: b"Bad Request", 408: b"Request Timeout", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}
LONG_URL_BYTES = 32 * 1024  # a head refused with a URL this long was refused for its URL (the parser stops at 64 KB)


class HeadTooLarge(Exception):
    """Raised from a parser callback to stop the parser: uvicorn then answers through send_400_response."""


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = MAX_HEAD_BYTES
    head_read_seconds = HEAD_READ_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0  # read since the request began, while its head is not finished
        self._head_read = 0  # of its request line and whole headers
        self._reading_head = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._reading_head and not self.transport.is_closing():
            # a header not finished yet reaches no callback: the parser holds it, so it is counted here
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._send_problem(self._too_large())

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._head_read = 0
        self._reading_head = True
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)  # kept before it is counted: a refusal says whether the URL was what was too long
        self._read_in_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._read_in_head(len(name) + len(value))
        super().on_header(name, value)

    def _read_in_head(self, size: int) -> None:
        """Whole headers, all in one read, reach the callbacks before the read is counted."""
        self._head_read += size
        if self._head_read > self.max_head_bytes:
            raise HeadTooLarge

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._disarm_head_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        too_large = self._head_read > self.max_head_bytes or len(self.url or b"") > LONG_URL_BYTES
        self._send_problem(self._too_large() if too_large else UNREADABLE)

    def _too_large(self) -> dict[str, Any]:
        return URI_TOO_LONG if len(self.url or b"") > LONG_URL_BYTES else HEAD_TOO_LARGE

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_read_seconds, self._head_too_slow)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        """A request begun and its headers not finished gets 408; a connection that sent nothing is closed."""
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._reading_head:
            self._send_problem(HEAD_TOO_SLOW)
        elif self.cycle is None:
            self.transport.close()

    def _send_problem(self, problem: dict[str, Any]) -> None:
        body = orjson.dumps(problem)
        status = int(problem["status"])
        head = [b"HTTP/1.1 %d %s\r\n" % (status, REASONS[status])]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"content-type: " + PROBLEM.encode() + b"\r\n")
        head.append(b"content-length: " + str(len(body)).encode() + b"\r\n")
        head.append(b"connection: close\r\n\r\n")
        self.transport.write(b"".join(head) + body)
        self.transport.close()
