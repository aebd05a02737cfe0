"""A database that cannot be reached: a shopper's browser gets the store's own 503 page, with Retry-After, where an
API client gets problem+json. Every new database connection is refused, over the real app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from aisle.bootstrap import Container
from aisle.services.ports import DatabaseUnavailable
from tests.api.conftest import SellerClient

PAGE = {"Accept": "text/html,application/xhtml+xml"}


@contextmanager
def database_unreachable(container: Container) -> Iterator[None]:
    def refuse(_dbapi_connection: Any, _record: Any) -> None:
        raise DatabaseUnavailable("connection refused")  # what the engine makes of PostgreSQL refusing

    container.engine.dispose()  # no pooled connection left: each request must open one
    event.listen(container.engine, "connect", refuse)
    try:
        yield
    finally:
        event.remove(container.engine, "connect", refuse)
        container.engine.dispose()


def test_a_shopper_gets_the_stores_503_page_and_an_api_client_a_problem(client, seller: SellerClient, container):
    product_id = seller.create(title="Unseen lamp", status="ACTIVE", variants=[{"sku": "UNSEEN-1", "price": 5}])[
        "product_id"
    ]
    with database_unreachable(container):
        page = client.get(f"/p/{product_id}", headers=PAGE)
        api = client.get(f"/api/v1/products/{product_id}")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "We will be right back" in page.text and int(page.headers["Retry-After"]) > 0
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/p/{product_id}", headers=PAGE).status_code == 200  # back as soon as the database is
