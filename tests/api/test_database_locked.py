"""Another process keeping SQLite's write lock (a second tool, a backup, a `sqlite3` shell left in a transaction)
past the wait: a write answers 503 problem+json with Retry-After and changes nothing, reads and searches go on, and
writes work again as soon as the lock is let go. It used to be a 500 after 30 s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import SellerClient, make_settings, product_body
from tests.support.sqlite_lock import write_lock_held_by_another_process


@pytest.fixture
def client_waiting_briefly(tmp_path: Path) -> Iterator[TestClient]:
    container = bootstrap(make_settings(tmp_path, sqlite_lock_wait_seconds=0.3))
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client
    container.stop()


def test_a_write_while_another_process_keeps_the_lock_is_a_503_and_changes_nothing(
    client_waiting_briefly: TestClient, tmp_path: Path
):
    seller = SellerClient(client_waiting_briefly, "Patient Lamps")
    seller.create(title="Brass desk lamp", variants=[{"sku": "LOCK-1", "price": 30}])
    with write_lock_held_by_another_process(tmp_path / "aisle.db"):
        refused = seller.request("POST", "/products", json=product_body(title="Iron floor lamp"))
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "database" in refused.json()["detail"] and "nothing was done" in refused.json()["detail"]
        assert int(refused.headers["Retry-After"]) > 0
        assert seller.request("GET", "/products").json()["total"] == 1  # reads go on
        found = client_waiting_briefly.get("/api/v1/products/search", params={"q": "brass lamp"})
        assert found.status_code == 200 and found.json()["total"] == 1
    again = seller.request("POST", "/products", json=product_body(title="Iron floor lamp"))
    assert again.status_code == 201, again.text
    assert seller.request("GET", "/products").json()["total"] == 2
