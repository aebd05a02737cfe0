"""A database out of disk space: the write gets a 503 that says so, nothing is half-written, reads go on, and
writes work again once there is room. SQLite's max_page_count caps the file the way a full disk does (the same
SQLITE_FULL error), without needing a small filesystem."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from aisle.bootstrap import Container
from tests.api.conftest import SellerClient, product_body

MAX_ATTEMPTS = 200


@contextmanager
def disk_full(container: Container) -> Iterator[None]:
    def cap(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(container.engine, "connect", cap)
    container.engine.dispose()  # every connection from now on is capped at the file's current size
    try:
        yield
    finally:
        event.remove(container.engine, "connect", cap)
        container.engine.dispose()


def _product(n: int) -> dict:
    return product_body(title=f"Filler lamp {n}", description="x" * 1900, variants=[{"sku": f"FULL-{n}", "price": 5}])


def test_a_write_on_a_full_disk_is_a_503_that_says_so_and_loses_nothing(client, seller: SellerClient, container):
    seller.create(**_product(0))
    created = 1
    with disk_full(container):
        for n in range(1, MAX_ATTEMPTS):
            response = seller.request("POST", "/products", json=_product(n))
            if response.status_code != 201:
                break
            created += 1  # the file's free pages fill first
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "out of disk space" in response.json()["detail"]
        assert int(response.headers["Retry-After"]) > 0
        assert seller.request("GET", "/products").json()["total"] == created  # reads go on; nothing half-written
    assert seller.request("POST", "/products", json=_product(MAX_ATTEMPTS)).status_code == 201
    assert seller.request("GET", "/products").json()["total"] == created + 1


def test_an_unexpected_error_closes_the_connection_it_answered_on(container):
    """The server drops the connection after a 500 (Starlette raises the error again once the answer is sent):
    the answer says so, so a keep-alive client opens a new one instead of writing into the closed socket."""
    from fastapi.testclient import TestClient

    from aisle.entrypoints.api.app import create_app

    app = create_app(container)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        failed = test_client.get("/boom")
    assert failed.status_code == 500 and failed.headers["connection"] == "close"
