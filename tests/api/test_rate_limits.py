from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import SellerClient, make_settings, product_body


@pytest.fixture
def tight_client(tmp_path: Path) -> Iterator[TestClient]:
    container = bootstrap(make_settings(tmp_path, seller_writes_per_minute=3, searches_per_minute=5))
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
