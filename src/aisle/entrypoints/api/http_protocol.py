"""uvicorn's HTTP protocol, answering a request it cannot parse the way aisle answers every other error.

uvicorn answers bytes its parser refuses (a request line or headers past the parser's ~80 KB, broken framing)
with a plain-text "Invalid HTTP request received."; a client reading problem+json everywhere else gets it here too,
with what to change.
"""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from aisle.entrypoints.api.problems import PROBLEM, problem_body

UNREADABLE = problem_body(
    400,
    "The request could not be read as HTTP/1.1: its request line or headers are over 80 KB, or malformed. "
    "Send long input in a POST body, not in the URL.",
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        body = orjson.dumps(UNREADABLE)
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head.append(name + b": " + value + b"\r\n")
        head.append(b"content-type: " + PROBLEM.encode() + b"\r\n")
        head.append(b"content-length: " + str(len(body)).encode() + b"\r\n")
        head.append(b"connection: close\r\n\r\n")
        self.transport.write(b"".join(head) + body)
        self.transport.close()
