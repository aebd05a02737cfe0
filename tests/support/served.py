"""An app served by uvicorn on a real socket, in a thread of the test process: for what a test client cannot show
(a body that stalls, a browser)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.support.ports import free_port

START_SECONDS = 30  # a shared, loaded 2-core machine starts servers slowly; nothing here measures time


@contextmanager
def served_in_thread(app: Any, **config: Any) -> Iterator[str]:
    """The app's base URL while it is served; the server stops on leaving (its lifespan stops the app's
    background work). ``config``: more of uvicorn's settings (``http``: the protocol class)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
