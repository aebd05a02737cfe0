"""ASGI middleware: a request id on every request and response, a ceiling on body size (413), a body that keeps
arriving (408), bodies sent uncompressed (415), and the headers every answer should carry."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aisle.domain.errors import FieldError
from aisle.entrypoints.api.methods import DocumentedMethods
from aisle.entrypoints.api.problems import problem
from aisle.entrypoints.logs import log_access, request_id_var
from aisle.services.commits import RequestCommits, request_commits

REQUEST_ID = "x-request-id"
_REQUEST_ID_FORM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID.encode(), b"").decode("latin-1")
        # a caller's id is kept when it reads as an id (a trace's, a proxy's UUID), else replaced by ours: it goes
        # into every log line and answer, where markup, paths or kilobytes of it have no business
        request_id = given if _REQUEST_ID_FORM.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)  # every log line of this request carries it
        commits = request_commits.set(RequestCommits())  # whether its change was saved, should the database go
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((REQUEST_ID.encode(), request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            log_access(scope["method"], scope["path"], status, time.perf_counter() - started, client and client[0])
            request_id_var.reset(token)
            request_commits.reset(commits)


# Pages: never framed by another site (a seller portal's buttons under a decoy), no plugins, no <base> elsewhere;
# scripts and styles are not restricted here (the API docs page runs its own)
PAGE_HEADERS = [
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'self'; object-src 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class SafeHeadersMiddleware:
    """``nosniff`` on every answer; on pages, PAGE_HEADERS; and ``no-store`` on what answers a request made with
    credentials (an API key, the internal token, the seller portal), which may hold a new API key or one seller's
    data. A header the route set itself is kept. The router's redirect from a trailing slash ("/search/") names
    no host: it would name the one the client's Host header gave, which a forged header makes another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        private = path.startswith("/seller") or any(name == b"authorization" for name, _ in scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                wanted = [(b"x-content-type-options", b"nosniff")]
                if dict(headers).get(b"content-type", b"").startswith(b"text/html"):
                    wanted += PAGE_HEADERS
                if private:
                    wanted.append((b"cache-control", b"no-store"))
                elif path.startswith("/static/"):  # not versioned by name: kept an hour, then revalidated (ETag)
                    wanted.append((b"cache-control", b"public, max-age=3600"))
                headers += [(name, value) for name, value in wanted if name not in present]
                if message["status"] >= 400 and not path.startswith("/api/"):
                    _vary_on(headers, b"Accept")  # a page for a browser, problem+json for anyone else
                if message["status"] == 307 and path.endswith("/"):
                    _relative_location(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _relative_location(headers: list[tuple[bytes, bytes]]) -> None:
    """The Location header's path and query only: the same host as the request, whatever its Host header said."""
    for at, (name, value) in enumerate(headers):
        if name.lower() == b"location":
            target = urlsplit(value.decode("latin-1"))
            relative = target.path + (f"?{target.query}" if target.query else "")
            headers[at] = (name, relative.encode("latin-1"))


def _vary_on(headers: list[tuple[bytes, bytes]], field: bytes) -> None:
    """Adds ``field`` to the answer's Vary (one field line, as the gzip middleware writes it)."""
    for at, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            headers[at] = (name, value + b", " + field)
            return
    headers.append((b"vary", field))


class EncodedSlashMiddleware:
    """404 for a path with an encoded slash (%2F): routing reads the decoded path, so "/api/v1%2Fsellers" would reach
    /api/v1/sellers past a proxy's rule written for that path. No aisle path holds one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%2f" in scope.get("raw_path", b"").lower():
            detail = "No such path: an encoded slash (%2F) is not a path separator here"
            await problem(Request(scope), 404, detail)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class UndocumentedMethodMiddleware:
    """405 for a method the OpenAPI document does not list at a path it spells out, before routing can read that
    path as another route's parameter (methods.py)."""

    def __init__(self, app: ASGIApp, methods: DocumentedMethods) -> None:
        self.app = app
        self.methods = methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            documented = self.methods.of_literal_path(scope["path"])
            if documented is not None and scope["method"] not in documented:
                allow = {"Allow": ", ".join(sorted(documented))}
                await problem(Request(scope), 405, "Method Not Allowed", headers=allow)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class HeadAsGetMiddleware:
    """HEAD answers what GET would, without the body (RFC 9110, 9.3.2): uptime monitors and `curl -I` ask with HEAD,
    and FastAPI's routes answer only the methods they declare."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            await send({**message, "body": b""} if message["type"] == "http.response.body" else message)

        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, without_body)
        finally:
            if "route" in as_get:  # the route the router found, for the metrics of this HEAD request
                scope["route"] = as_get["route"]


class BodyLimitMiddleware:
    """Refuses bodies over the limit for their path, by Content-Length up front or by counting a chunked stream;
    bodies whose next part does not come within ``read_timeout`` seconds (408: a client that stalls mid-body
    would hold its connection and its half-read body for as long as it likes); and compressed bodies, which
    would be read as garbage (and could unpack past any limit): 415, as RFC 7694 says, with Accept-Encoding
    naming what is taken."""

    def __init__(self, app: ASGIApp, limit_for_path: Callable[[str], int], read_timeout: float) -> None:
        self.app = app
        self.limit_for_path = limit_for_path
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        coding = _codings(scope, b"content-encoding")  # every such header, not the last: "gzip" then "identity"
        if coding.replace("identity", "").strip(", "):
            await self._refuse_coding(scope, receive, send, coding)
            return
        transfer = _codings(scope, b"transfer-encoding")
        if transfer.replace("chunked", "").strip(", "):  # "gzip, chunked": read as plain text, it would be garbage
            detail = f"The body is sent with Transfer-Encoding: {transfer[:40]}; only chunked is taken."
            response = problem(Request(scope), 501, detail, [FieldError("transfer-encoding", "only chunked is taken")])
            await response(scope, receive, send)
            return
        limit = self.limit_for_path(scope["path"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        # a body is on its way: a length or a chunked stream; else the app's receive waits for the disconnect
        arriving = (declared not in (None, b"0")) or b"transfer-encoding" in headers

        async def counting_receive() -> Message:
            nonlocal received, arriving
            if not arriving:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.read_timeout)
            except TimeoutError:
                # Raised inside the app's body read, as the 413 below: the app's own handler answers.
                detail = f"The request body stopped arriving: nothing came for {self.read_timeout:g} seconds."
                raise HTTPException(408, detail, headers={"Connection": "close"}) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                arriving = message.get("more_body", False)
                if received > limit:
                    # Raised inside the app's body read, so the app's own handler answers 413 problem+json.
                    raise HTTPException(413, f"The request body is larger than {limit} bytes.")
            else:
                arriving = False
            return message

        await self.app(scope, counting_receive, send)

    async def _refuse_coding(self, scope: Scope, receive: Receive, send: Send, coding: str) -> None:
        detail = f"The body is sent with Content-Encoding: {coding[:40]}; send it uncompressed."
        errors = [FieldError("content-encoding", f"is {coding[:40]}, only identity is taken")]
        response = problem(Request(scope), 415, detail, errors, headers={"Accept-Encoding": "identity"})
        await response(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(Request(scope), 413, f"The request body is larger than {limit} bytes.", limit_bytes=limit)
        await response(scope, receive, send)


def _codings(scope: Scope, name: bytes) -> str:
    """A header's codings over every line that sends it, lowercased and comma-joined."""
    values = (value.decode("latin-1").strip().lower() for key, value in scope["headers"] if key == name)
    return ", ".join(value for value in values if value)


class MetricsMiddleware:
    """Times every request by its route template (not its raw path, which would explode the label set)."""

    def __init__(self, app: ASGIApp, observe: Callable[[str, str, int, float], None]) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.observe(route, scope["method"], status, time.perf_counter() - started)


class AcceptEncodingMiddleware:
    """Reads Accept-Encoding as RFC 9110 12.5.3 has it, for the gzip middleware inside, which only looks for the
    substring "gzip": "gzip;q=0" refuses gzip, and coding names are case-insensitive ("GZIP")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(name, value) for name, value in scope["headers"] if name != b"accept-encoding"]
            sent = b",".join(value for name, value in scope["headers"] if name == b"accept-encoding")
            if sent:
                wanted = b"gzip" if accepts_gzip(sent.decode("latin-1")) else b"identity"
                scope["headers"] = [*headers, (b"accept-encoding", wanted)]  # in place: the router notes the route here
        await self.app(scope, receive, send)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether gzip is acceptable: named with a weight above 0, or, when not named, "*" is."""
    weights: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if coding:
            weights[coding.lower()] = weight
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0
