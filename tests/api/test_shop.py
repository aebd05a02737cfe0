from __future__ import annotations

import threading

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, wait_for_outbox


def test_the_product_page_has_the_seed_shape(client, seller: SellerClient, container):
    with container.uow() as uow:
        category = uow.categories.get_or_create_path(["Sports", "Running", "Shoes"], container.ids.next_id)
        uow.commit()
    product = seller.create(category_id=str(category.category_id))
    page = client.get(f"/api/v1/products/{product['product_id']}")
    assert page.status_code == 200
    body = page.json()
    assert body["product_id"] == product["product_id"]
    assert [c["name"] for c in body["category_path"]] == ["Sports", "Running", "Shoes"]
    assert body["seller"] == {"id": seller.id, "name": "Acme Outdoor", "rating": None}
    assert body["variants"][0]["price"] == {"amount": 89.99, "currency": "USD", "was": 119.99, "deal": None}
    assert body["variants"][0]["inventory"] == {"status": "OUT_OF_STOCK", "quantity_hint": None}  # none stocked yet
    assert body["reviews_summary"] == {
        "avg": None,
        "count": 0,
        "verified_count": 0,
        "distribution": dict.fromkeys("54321", 0),
    }
    assert body["related_products"] == []
    assert body["images"] == [{"url": "https://img.example/shoe.jpg"}]  # an external image: its URL only


def test_only_active_products_are_visible_to_shoppers(client, seller: SellerClient):
    draft = seller.create(status="DRAFT")
    assert client.get(f"/api/v1/products/{draft['product_id']}").status_code == 404
    seller.request("PATCH", f"/products/{draft['product_id']}", json={"status": "ACTIVE"})
    assert client.get(f"/api/v1/products/{draft['product_id']}").status_code == 200
    seller.request("PATCH", f"/products/{draft['product_id']}", json={"status": "INACTIVE"})
    assert client.get(f"/api/v1/products/{draft['product_id']}").status_code == 404
    assert (
        client.post(f"/api/v1/products/{draft['product_id']}/reviews", json={"rating": 5, "body": "x"}).status_code
        == 404
    )


def test_a_cached_page_follows_every_change_at_once(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    assert client.get(f"/api/v1/products/{product_id}").json()["title"] == "Trailblazer Running Shoe"
    change = {"variants": [{"sku": "TB-42-BLK", "price": 10.5}], "confirm_price_change": True}
    assert seller.request("PATCH", f"/products/{product_id}", json=change).status_code == 200
    page = client.get(f"/api/v1/products/{product_id}").json()
    assert page["variants"][0]["price"]["amount"] == 10.5
    client.post(f"/api/v1/products/{product_id}/reviews", json={"rating": 4, "title": "good"})
    assert client.get(f"/api/v1/products/{product_id}").json()["reviews_summary"]["count"] == 1


def test_a_page_the_client_holds_is_304_until_it_changes(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    first = client.get(f"/api/v1/products/{product_id}")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(f"/api/v1/products/{product_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    listed = client.get(f"/api/v1/products/{product_id}", headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304 and listed.headers["Vary"] == "Accept-Encoding"
    two_lines = client.get(
        f"/api/v1/products/{product_id}", headers=[("If-None-Match", '"x"'), ("If-None-Match", etag)]
    )
    assert two_lines.status_code == 304
    change = {"variants": [{"sku": "TB-42-BLK", "price": 10.5}], "confirm_price_change": True}
    assert seller.request("PATCH", f"/products/{product_id}", json=change).status_code == 200
    changed = client.get(f"/api/v1/products/{product_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json()["variants"][0]["price"]["amount"] == 10.5


def test_the_category_tree_is_304_to_its_etag(client, seller: SellerClient):
    tree = client.get("/api/v1/categories")
    assert client.get("/api/v1/categories", headers={"If-None-Match": tree.headers["ETag"]}).status_code == 304
    assert client.get("/api/v1/categories", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_reviews_update_the_summary_and_page(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    ratings = [5, 5, 4, 3, 1, 5]
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    for n in range(len(ratings)):  # one reviewer per order: each shopper reviews once
        confirmation = {"order_id": f"order-{n}", "product_ids": [product_id]}
        assert client.post("/api/v1/orders/confirmations", json=confirmation, headers=internal).status_code == 201
    threads = [
        threading.Thread(
            target=lambda n=n, r=r: client.post(
                f"/api/v1/products/{product_id}/reviews", json={"rating": r, "body": "ok", "order_id": f"order-{n}"}
            )
        )
        for n, r in enumerate(ratings)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = client.get(f"/api/v1/products/{product_id}").json()["reviews_summary"]
    assert summary == {
        "avg": 3.83,
        "count": 6,
        "verified_count": 6,
        "distribution": {"5": 3, "4": 1, "3": 1, "2": 0, "1": 1},
    }
    listed = client.get(f"/api/v1/products/{product_id}/reviews", params={"page_size": 4}).json()
    assert listed["total"] == 6 and len(listed["items"]) == 4
    assert listed["items"][0]["generated"] is False
    second = client.get(f"/api/v1/products/{product_id}/reviews", params={"page": 2, "page_size": 4}).json()
    assert len(second["items"]) == 2


def test_bad_reviews_are_422_naming_the_field(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    for body, field in [
        ({"rating": 6, "body": "x"}, "rating"),
        ({"rating": "5", "body": "x"}, "rating"),
        ({"rating": 4.5, "body": "x"}, "rating"),
        ({"rating": 3, "body": "x" * 5001}, "body"),
        ({"rating": 3}, "body"),
        ({"rating": 5, "title": "   ", "body": "\u200b\u200b"}, "body"),  # only invisible characters
    ]:
        response = client.post(f"/api/v1/products/{product_id}/reviews", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field


def test_categories_tree_counts_active_products(client, seller: SellerClient, container):
    with container.uow() as uow:
        shoes = uow.categories.get_or_create_path(["Sports", "Running", "Shoes"], container.ids.next_id)
        uow.categories.get_or_create_path(["Sports", "Cycling"], container.ids.next_id)
        uow.commit()
    seller.create(category_id=str(shoes.category_id))
    seller.create(category_id=str(shoes.category_id), status="DRAFT", variants=[{"sku": "D-1", "price": 1}])
    tree = client.get("/api/v1/categories").json()["categories"]
    sports = tree[0]
    assert sports["name"] == "Sports" and sports["product_count"] == 1
    assert [c["name"] for c in sports["children"]] == ["Cycling", "Running"]
    assert sports["children"][1]["children"][0]["path"] == "Sports > Running > Shoes"


def test_unknown_category_is_422(seller: SellerClient):
    response = seller.request("POST", "/products", json={**_minimal(), "category_id": "12345"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "category_id", "reason": "unknown category 12345"}]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def _minimal() -> dict:
    return {"title": "Thing", "variants": [{"sku": "T-1", "price": 1}]}


def test_metrics_expose_the_slo_signals(client, seller: SellerClient, container):
    product_id = seller.create()["product_id"]
    wait_for_outbox(container)  # else the creation event may drop the cached page between the two reads
    client.get(f"/api/v1/products/{product_id}")
    client.get(f"/api/v1/products/{product_id}")
    client.get("/api/v1/products/search", params={"q": "zzzzqqq"})
    text = client.get("/metrics", headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}).text
    assert 'aisle_pdp_duration_seconds_count{cache="hit"}' in text
    assert 'aisle_pdp_duration_seconds_count{cache="miss"}' in text
    assert "aisle_search_zero_results_total" in text
    assert "aisle_cache_hits" in text and "aisle_outbox_pending" in text and "aisle_outbox_parked 0.0" in text
    assert "aisle_outbox_oldest_pending_seconds 0.0" in text  # every event delivered
    # each background loop this process runs, the leader's included, with its failures since it last worked
    assert 'aisle_loop_failures_in_a_row{loop="leader-election"} 0.0' in text
    assert 'aisle_loop_failures_in_a_row{loop="outbox-relay"} 0.0' in text
    assert 'route="/api/v1/products/{product_id}"' in text


def test_a_head_request_is_counted_under_its_route(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    assert client.head(f"/api/v1/products/{product_id}").status_code in (200, 404)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}).text
    # the registry is the process's: other tests' requests are in it too
    assert 'method="HEAD",route="/api/v1/products/{product_id}"' in text


def test_the_openapi_document_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/v1/seller/products",
        "/api/v1/seller/products/{product_id}/rollback",
        "/api/v1/seller/products/bulk",
        "/api/v1/products/search",
        "/api/v1/products/autocomplete",
        "/api/v1/products/{product_id}",
        "/api/v1/inventory/{variant_id}",
        "/api/v1/inventory/reservations",
        "/api/v1/pricing/quote",
        "/api/v1/pricing/coupons/{code}/redeem",
        "/healthz",
        "/readyz",
        "/metrics",
    ]:
        assert path in paths, path
    assert "application/x-ndjson" in paths["/api/v1/seller/products/bulk"]["post"]["requestBody"]["content"]
