"""/healthz answers while every request thread waits on a dependency that hangs: a liveness probe must not see a
process as dead (and restart it) because its database or store stopped answering."""

from __future__ import annotations

import threading

from anyio.to_thread import current_default_thread_limiter
from fastapi.testclient import TestClient

from aisle.entrypoints.api.app import create_app

WAIT_SECONDS = 60  # a bound for a loaded machine, not a measurement


def test_healthz_answers_while_every_request_thread_is_stuck(container):
    app = create_app(container, manage_background=False)
    hung, entered = threading.Event(), threading.Semaphore(0)

    @app.get("/stuck")
    def stuck() -> None:  # a request waiting on a database that never answers
        entered.release()
        hung.wait(WAIT_SECONDS)

    with TestClient(app) as client:
        threads = client.portal.call(lambda: current_default_thread_limiter().total_tokens)
        callers = [threading.Thread(target=client.get, args=("/stuck",)) for _ in range(int(threads) + 5)]
        for caller in callers:
            caller.start()
        try:
            for _ in range(int(threads)):
                assert entered.acquire(timeout=WAIT_SECONDS), "the requests never filled the thread pool"
            answered: list[int] = []
            probe = threading.Thread(target=lambda: answered.append(client.get("/healthz").status_code))
            probe.start()
            probe.join(WAIT_SECONDS)
            assert answered == [200], "/healthz waited behind the stuck requests"
        finally:
            hung.set()
            for caller in callers:
                caller.join(WAIT_SECONDS)
