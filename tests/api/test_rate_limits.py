from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import INTERNAL_TOKEN, SellerClient, make_settings, product_body


@pytest.fixture
def tight_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path, seller_writes_per_minute=3, seller_stock_writes_per_minute=4, searches_per_minute=5
    )
    container = bootstrap(settings)
    with TestClient(create_app(container)) as client:
        yield client
    container.stop()


def test_seller_writes_are_limited_per_seller_with_retry_after(tight_client):
    busy, calm = SellerClient(tight_client, "Busy"), SellerClient(tight_client, "Calm")
    statuses = [
        busy.request("POST", "/products", json=product_body(variants=[{"sku": f"S{n}", "price": 5}])).status_code
        for n in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]
    refused = busy.request("POST", "/products", json=product_body(variants=[{"sku": "S9", "price": 5}]))
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert busy.request("GET", "/products").status_code == 200  # reads are not limited
    assert busy.request("GET", "/products").json()["total"] == 3  # the refused writes wrote nothing
    assert calm.request("POST", "/products", json=product_body(variants=[{"sku": "C1", "price": 5}])).status_code == 201


def test_searches_are_limited_per_client(tight_client):
    statuses = [tight_client.get("/api/v1/products/search", params={"q": "mug"}).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]


def test_writes_through_the_seller_portal_count_against_the_same_limit(tight_client):
    busy = SellerClient(tight_client, "Portal Busy")
    tight_client.get("/seller")
    key = busy.headers["Authorization"].removeprefix("Bearer ")
    token = tight_client.cookies["aisle_csrf"]
    tight_client.post("/seller/sign-in", data={"api_key": key, "csrf_token": token}, follow_redirects=False)
    form = {"csrf_token": token, "title": "Lamp", "status": "DRAFT", "v_price": "5", "v_compare": "", "v_attrs": ""}
    statuses = [
        tight_client.post("/seller/products/new", data={**form, "v_sku": f"P{n}"}, follow_redirects=False).status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 303]
    assert busy.request("POST", "/products", json=product_body(variants=[{"sku": "A1", "price": 5}])).status_code == 429
    refused = tight_client.post("/seller/products/new", data={**form, "v_sku": "P9"}, follow_redirects=False)
    assert refused.status_code == 429
    assert busy.request("GET", "/products").json()["total"] == 3


def test_a_sellers_stock_changes_are_limited_apart_and_the_platforms_are_not(tight_client):
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    busy = SellerClient(tight_client, "Stock Busy")
    variant = busy.create()["variants"][0]["variant_id"]  # one of the 3 product writes
    east = {"warehouse_id": "east", "name": "East", "region": "us-east"}
    assert tight_client.post("/api/v1/warehouses", json=east, headers=internal).status_code == 201

    def restock(headers: dict) -> int:
        body = {"operation": "RESTOCK", "warehouse_id": "east", "quantity": 1}
        return tight_client.patch(f"/api/v1/inventory/{variant}", json=body, headers=headers).status_code

    assert [restock(busy.headers) for _ in range(6)] == [200] * 4 + [429] * 2
    assert [restock(internal) for _ in range(6)] == [200] * 6
    assert tight_client.get(f"/api/v1/inventory/{variant}", headers=internal).json()["available"] == 10
    other = busy.create(variants=[{"sku": "OTHER-1", "price": 20}])["product_id"]
    deal = {"scope": "PRODUCT", "target_id": other, "kind": "PERCENT", "value": 10}
    deal |= {"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2999-01-01T00:00:00Z"}
    assert tight_client.post("/api/v1/pricing/deals", json=deal, headers=busy.headers).status_code == 201
    refused = tight_client.post("/api/v1/pricing/deals", json=deal, headers=busy.headers)  # the 4th write
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert tight_client.get("/api/v1/pricing/deals", headers=busy.headers).json()["deals"][0]["value"] == 10
    assert len(tight_client.get("/api/v1/pricing/deals", headers=busy.headers).json()["deals"]) == 1
