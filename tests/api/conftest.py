from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aisle.bootstrap import Container, bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.settings import Settings
from tests.support.documented import DocumentedClient

INTERNAL_TOKEN = "test-internal-token"


def make_settings(data_dir: Path, **overrides) -> Settings:
    overrides.setdefault("vocabulary_refresh_seconds", 0.2)
    return Settings(data_dir=data_dir, internal_token=INTERNAL_TOKEN, **overrides)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(make_settings(tmp_path))
    yield built
    built.stop()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with DocumentedClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client


class SellerClient:
    """A seller's view of the API: its key goes on every request."""

    def __init__(self, client: TestClient, name: str) -> None:
        created = client.post(
            "/api/v1/sellers", json={"name": name}, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}
        )
        assert created.status_code == 201, created.text
        self.id = created.json()["seller_id"]
        self.headers = {"Authorization": f"Bearer {created.json()['api_key']}"}
        self.client = client

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        return self.client.request(
            method, "/api/v1/seller" + path, headers={**self.headers, **(headers or {})}, **kwargs
        )

    def create(self, **overrides) -> dict:
        response = self.request("POST", "/products", json=product_body(**overrides))
        assert response.status_code == 201, response.text
        return response.json()


def product_body(**overrides) -> dict:
    body = {
        "title": "Trailblazer Running Shoe",
        "description": "Light, grippy and waterproof.",
        "brand": "Acme",
        "status": "ACTIVE",
        "images": ["https://img.example/shoe.jpg"],
        "attributes": {"material": "mesh"},
        "variants": [
            {
                "sku": "TB-42-BLK",
                "price": 89.99,
                "compare_price": 119.99,
                "attributes": {"size": "42", "color": "black"},
            },
            {"sku": "TB-43-BLK", "price": 89.99, "attributes": {"size": "43", "color": "black"}},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def seller(client: TestClient) -> SellerClient:
    return SellerClient(client, "Acme Outdoor")


@pytest.fixture
def other_seller(client: TestClient) -> SellerClient:
    return SellerClient(client, "Rival Goods")


def wait_for_outbox(container: Container, timeout: float = 20.0) -> None:
    """Every event relayed means every change indexed and every stale cache entry dropped: subscribers run before
    an event counts as delivered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with container.uow(readonly=True) as uow:
            if uow.outbox.pending_count() == 0:
                return
        time.sleep(0.02)
    raise AssertionError("the outbox relay did not catch up")


def category_id(container: Container, path: list[str]) -> str:
    """The id of the category at ``path`` ("Clothing", "Women", "Dresses"), created with its parents if new."""
    with container.uow() as uow:
        category = uow.categories.get_or_create_path(path, container.ids.next_id)
        uow.commit()
    return str(category.category_id)


def searchable(container: Container) -> None:
    """Everything written is indexed, and the category tree and query understanding are read again."""
    wait_for_outbox(container)
    container.categories.forget()
    container.understanding.rebuild()


Listed = tuple[str, list[str], float] | tuple[str, list[str], float, str]


def list_products(seller: SellerClient, container: Container, sku_prefix: str, rows: Iterable[Listed]) -> None:
    """Lists one ACTIVE single-variant product per (title, category path, price[, description]), then makes them
    searchable."""
    for n, (title, path, price, *description) in enumerate(rows):
        body = {
            "title": title,
            "description": description[0] if description else "",
            "status": "ACTIVE",
            "category_id": category_id(container, path),
            "variants": [{"sku": f"{sku_prefix}-{n}", "price": price}],
        }
        assert seller.request("POST", "/products", json=body).status_code == 201, title
    searchable(container)


def search_titles(client: TestClient, q: str, **params: object) -> list[str]:
    """The titles of a search's first page, in order."""
    response = client.get("/api/v1/products/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [r["title"] for r in response.json()["results"]]
