"""Sellers and shoppers who try to game the marketplace (issue 11): coupon squatting and review flooding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import INTERNAL_TOKEN, SellerClient, make_settings

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
NOW = datetime.now(UTC)
WINDOW = {"starts_at": (NOW - timedelta(hours=1)).isoformat(), "ends_at": (NOW + timedelta(days=2)).isoformat()}


def _coupon(code: str, value: int) -> dict:
    return {"code": code, "kind": "PERCENT", "value": value, **WINDOW}


def _quote(client, variant_id: str, code: str) -> dict:
    return client.post(
        "/api/v1/pricing/quote", json={"lines": [{"variant_id": variant_id, "quantity": 1}], "coupon": code}
    )


def test_sellers_cannot_claim_platform_codes(client, seller: SellerClient, other_seller: SellerClient):
    mine = seller.create(variants=[{"sku": "MINE", "price": 100}])["variants"][0]["variant_id"]
    platform = client.post("/api/v1/pricing/coupons", json=_coupon("WELCOME10", 10), headers=INTERNAL)
    assert platform.status_code == 201, platform.text
    squatted = client.post("/api/v1/pricing/coupons", json=_coupon("welcome10", 90), headers=seller.headers)
    assert squatted.status_code == 409, squatted.text
    assert squatted.json()["errors"] == [{"field": "code", "reason": "WELCOME10 is taken; choose another"}]
    assert _quote(client, mine, "WELCOME10").json()["coupon_savings"] == 10.0


def test_a_code_is_unique_across_the_platform(client, seller: SellerClient, other_seller: SellerClient):
    """Neither another seller nor the platform can take a seller's code: a shopper typing it would silently get
    someone else's discount (the platform's won every quote, and of two sellers' the lower seller id)."""
    mine = seller.create(variants=[{"sku": "MINE", "price": 100}])["variants"][0]["variant_id"]
    theirs = other_seller.create(variants=[{"sku": "THEIRS", "price": 100}])["variants"][0]["variant_id"]
    assert client.post("/api/v1/pricing/coupons", json=_coupon("SUMMER", 20), headers=seller.headers).status_code == 201
    for headers in (other_seller.headers, INTERNAL):
        taken = client.post("/api/v1/pricing/coupons", json=_coupon("SUMMER", 5), headers=headers)
        assert taken.status_code == 409, taken.text
        assert taken.json()["errors"] == [{"field": "code", "reason": "SUMMER is taken; choose another"}]
    assert _quote(client, mine, "SUMMER").json()["coupon_savings"] == 20.0
    not_theirs = _quote(client, theirs, "SUMMER")
    assert (
        not_theirs.status_code == 422
        and "is no code of this store or of the sellers of these items" in not_theirs.json()["detail"]
    )  # for their products
    redeemed = client.post(
        "/api/v1/pricing/coupons/SUMMER/redeem", json={"order_id": "o-1", "seller_id": seller.id}, headers=INTERNAL
    )
    assert redeemed.status_code == 200, redeemed.text


def _confirm(client, order_id: str, *product_ids: str):
    return client.post(
        "/api/v1/orders/confirmations", json={"order_id": order_id, "product_ids": list(product_ids)}, headers=INTERNAL
    )


def test_a_blank_order_id_verifies_nothing(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    blank = _confirm(client, "   ", product_id)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "order_id"
    review = client.post(f"/api/v1/products/{product_id}/reviews", json={"rating": 5, "order_id": " "})
    assert review.status_code == 422 and review.json()["errors"][0]["field"] == "order_id"


def test_an_order_confirmation_naming_an_unknown_product_is_refused_whole(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    refused = _confirm(client, "order-5", product_id, "987654321")
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["product_ids[1]"]
    review = {"rating": 5, "body": "great", "order_id": "order-5"}
    unverified = client.post(f"/api/v1/products/{product_id}/reviews", json=review)
    assert unverified.status_code == 422, "nothing of the refused confirmation was kept"
    seller.request("DELETE", f"/products/{product_id}")
    assert _confirm(client, "order-6", product_id).status_code == 201, "a product deleted since was still bought"


def test_one_review_per_reviewer_per_product(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    first = client.post(f"/api/v1/products/{product_id}/reviews", json={"rating": 1, "body": "bad"})
    assert first.status_code == 201 and first.json()["verified"] is False
    flood = [client.post(f"/api/v1/products/{product_id}/reviews", json={"rating": 1, "body": "bad"}) for _ in range(5)]
    assert {r.status_code for r in flood} <= {409, 429} and all(r.status_code != 201 for r in flood)
    assert client.get(f"/api/v1/products/{product_id}").json()["reviews_summary"]["count"] == 1


def test_a_review_with_a_confirmed_order_is_verified(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    assert _confirm(client, "order-77", product_id).status_code == 201
    assert _confirm(client, "order-77", product_id).status_code == 201  # checkout may retry
    unconfirmed = client.post(
        f"/api/v1/products/{product_id}/reviews", json={"rating": 5, "body": "x", "order_id": "o-9"}
    )
    assert unconfirmed.status_code == 422 and unconfirmed.json()["errors"][0]["field"] == "order_id"
    verified = client.post(
        f"/api/v1/products/{product_id}/reviews", json={"rating": 5, "body": "great", "order_id": "order-77"}
    )
    assert verified.status_code == 201 and verified.json()["verified"] is True
    twice = client.post(
        f"/api/v1/products/{product_id}/reviews", json={"rating": 4, "body": "x", "order_id": "order-77"}
    )
    assert twice.status_code == 409
    client.post(f"/api/v1/products/{product_id}/reviews", json={"rating": 1, "body": "meh"})
    summary = client.get(f"/api/v1/products/{product_id}").json()["reviews_summary"]
    assert (summary["count"], summary["verified_count"]) == (2, 1)
    assert (
        client.post("/api/v1/orders/confirmations", json={"order_id": "o", "product_ids": [product_id]}).status_code
        == 401
    )


def _limited_client(tmp_path: Path, **limits):
    container = bootstrap(make_settings(tmp_path, **limits))
    return container, TestClient(create_app(container), raise_server_exceptions=False)


def test_reviews_are_rate_limited_per_client(tmp_path: Path):
    container, client = _limited_client(tmp_path, reviews_per_minute_per_client=3)
    with client:
        seller = SellerClient(client, "Limited")
        products = [seller.create(variants=[{"sku": f"R{n}", "price": 5}])["product_id"] for n in range(5)]
        answers = [client.post(f"/api/v1/products/{p}/reviews", json={"rating": 3, "body": "x"}) for p in products]
        assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
        assert int(answers[-1].headers["Retry-After"]) >= 1
    container.stop()


def test_reviews_are_rate_limited_per_product(tmp_path: Path):
    container, client = _limited_client(tmp_path, reviews_per_minute_per_product=2)
    with client:
        seller = SellerClient(client, "Limited")
        product_id = seller.create()["product_id"]
        statuses = []
        for n in range(4):  # four different verified buyers: the product's own limit stops the flood
            _confirm(client, f"order-{n}", product_id)
            body = {"rating": 1, "body": "x", "order_id": f"order-{n}"}
            statuses.append(client.post(f"/api/v1/products/{product_id}/reviews", json=body).status_code)
        assert statuses == [201, 201, 429, 429]
    container.stop()


def test_broken_reviews_do_not_use_up_a_products_limit(tmp_path: Path):
    container, client = _limited_client(tmp_path, reviews_per_minute_per_product=2)
    with client:
        product_id = SellerClient(client, "Limited").create()["product_id"]
        url = f"/api/v1/products/{product_id}/reviews"
        for _ in range(6):  # bodies that can never be a review (within the client's own limit of 10)
            assert client.post(url, json={"rating": 9}).status_code == 422
        for n in range(2):  # two verified buyers review it: the product's limit of 2
            _confirm(client, f"order-{n}", product_id)
            review = client.post(url, json={"rating": 5, "body": "Lovely", "order_id": f"order-{n}"})
            assert review.status_code == 201, review.text
        _confirm(client, "order-9", product_id)
        third = client.post(url, json={"rating": 3, "body": "Fine", "order_id": "order-9"})
        assert third.status_code == 429 and "this product" in third.json()["detail"].lower()
    container.stop()


def test_quotes_are_rate_limited_per_client(tmp_path: Path):
    """POST /pricing/quote tries coupon codes: without a limit it is an oracle for every code there is."""
    container, client = _limited_client(tmp_path, quotes_per_minute=3)
    with client:
        seller = SellerClient(client, "Quoted")
        variant_id = seller.create()["variants"][0]["variant_id"]
        line = {"variant_id": variant_id, "quantity": 1}
        guesses = [{"lines": [line], "coupon": f"GUESS{n}"} for n in range(5)]
        answers = [client.post("/api/v1/pricing/quote", json=guess) for guess in guesses]
        assert [a.status_code for a in answers] == [422, 422, 422, 429, 429]
        assert answers[-1].headers["content-type"] == "application/problem+json"
        assert int(answers[-1].headers["Retry-After"]) >= 1
    container.stop()
