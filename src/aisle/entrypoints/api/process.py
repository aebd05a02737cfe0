"""One API process of `aisle serve --workers N`: uvicorn starts N of these on one port, each builds its own
container from the AISLE_* environment. Each process also answers /metrics on a port of its own (when
AISLE_METRICS_PORT is set: that port + its slot number), since the shared port reaches any one of them."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import OrderedDict
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import start_http_server
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aisle.adapters.leadership import FileLock, claim_slot
from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.entrypoints.heap import settle_heap
from aisle.entrypoints.logs import configure_logging
from aisle.settings import Settings

PROCESS_HEADER = b"x-aisle-process"
PARENT_CHECK_SECONDS = 1.0
_held: list[FileLock] = []  # the slot lock lives as long as the process


def serving_app() -> FastAPI:
    """The uvicorn factory (``aisle.entrypoints.api.process:serving_app``)."""
    settings = Settings(run_background_workers=True)
    configure_logging(settings.log_level, log_format=settings.log_format)  # a fresh process: nothing set it up
    _stop_when_orphaned(os.getppid())
    slot, lock = claim_slot(Path(settings.data_dir) / "processes")
    _held.append(lock)
    if settings.metrics_port is not None:
        start_http_server(settings.metrics_port + slot, addr="127.0.0.1")
    app = create_app(bootstrap(settings, one_of_processes=True))
    app.add_middleware(ProcessHeaderMiddleware, name=f"{slot}:{os.getpid()}")
    app.add_middleware(ConnectionRecyclingMiddleware, limit=settings.requests_per_connection)
    settle_heap()
    return app


def _stop_when_orphaned(parent: int) -> None:
    """Stops this process (SIGTERM: a graceful shutdown) once its supervisor is gone. Killed with SIGKILL, the
    supervisor cannot stop its processes, and they would go on holding the port and the leader lock, with none
    to replace one that dies and no `aisle serve` left to stop."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class ProcessHeaderMiddleware:
    """Names the process that answered (slot:pid) in a response header: which of N processes served a request."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.value = name.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _with_header(send, PROCESS_HEADER, self.value))


class ConnectionRecyclingMiddleware:
    """Closes a keep-alive connection after ``limit`` requests (``Connection: close`` on the last answer, as
    nginx's keepalive_requests does). The kernel places a connection on a process once, when it opens (see
    listening.py), so 8 clients that keep theirs open stay where they first landed for as long as they run, and by
    the hash 6 or more of the 8 share one of two processes in 29% of starts. A client that reconnects every few
    requests is placed again each time, so over a few seconds the load evens out."""

    TRACKED = 4096  # connections counted at once; one closed early is forgotten when newer ones push it out

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._served: OrderedDict[object, int] = OrderedDict()  # (client host, port) -> requests answered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") if scope["type"] == "http" else None
        if client is None or not self._last_on_its_connection(tuple(client)):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _with_header(send, b"connection", b"close"))

    def _last_on_its_connection(self, client: tuple[object, ...]) -> bool:
        served = self._served.pop(client, 0) + 1
        if served >= self.limit:
            return True
        self._served[client] = served
        if len(self._served) > self.TRACKED:
            self._served.popitem(last=False)
        return False


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    """``send`` that adds one header to the response."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message.setdefault("headers", []).append((name, value))
        await send(message)

    return sending
