"""Through the HTTP API on PostgreSQL: after every pooled backend was terminated (what a restart does to the pool),
concurrent requests all succeed; a connection lost under a request is a 503 to retry, never a 500 (issues 10/11)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.services.ports import ConnectionLost
from aisle.settings import Settings
from tests.contract.test_postgres_restart import _named_url, _terminate_backends

TOKEN = "postgres-restart-token"


def test_requests_after_the_pool_lost_every_connection_all_succeed(fresh_database: str, tmp_path: Path):
    name = f"aisle-api-restart-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        data_dir=tmp_path, database_url=_named_url(name), internal_token=TOKEN, run_background_workers=False
    )
    container = bootstrap(settings)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        created = client.post("/api/v1/sellers", json={"name": "Restart"}, headers={"Authorization": f"Bearer {TOKEN}"})
        seller = {"Authorization": f"Bearer {created.json()['api_key']}"}
        body = {"title": "Restart Lamp", "status": "ACTIVE", "variants": [{"sku": "RL-1", "price": 10}]}
        product_id = client.post("/api/v1/seller/products", json=body, headers=seller).json()["product_id"]
        with ThreadPoolExecutor(8) as pool:  # several pooled connections in use at once
            list(pool.map(lambda _n: client.get(f"/api/v1/seller/products/{product_id}", headers=seller), range(16)))

        assert _terminate_backends(name) >= 2

        def read_and_write(n: int) -> tuple[int, int]:
            page = client.get(f"/api/v1/seller/products/{product_id}", headers=seller)
            write = client.post(
                "/api/v1/seller/products",
                json={**body, "title": f"Restart Lamp {n}", "variants": [{"sku": f"RL-{n + 2}", "price": 10}]},
                headers=seller,
            )
            return page.status_code, write.status_code

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(read_and_write, range(16)))
    container.stop()
    assert answers == [(200, 201)] * 16


def test_a_connection_lost_under_a_request_is_a_503_to_retry(fresh_database: str, tmp_path: Path):
    settings = Settings(data_dir=tmp_path, database_url=fresh_database, internal_token=TOKEN)
    container = bootstrap(settings)
    app = create_app(container, manage_background=False)

    @app.get("/lost")
    def lost() -> None:
        raise ConnectionLost("terminating connection due to administrator command")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/lost")
    container.stop()
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "Send it again" in answer.json()["detail"]
