"""Idempotency keys are scoped to (caller, operation, target) and bound to the request (issue 11)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.api.conftest import SellerClient, product_body
from tests.api.test_inventory import INTERNAL, patch, stocked  # noqa: F401  (the fixture)


def _reserve(client, variant: str, quantity: int, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return patch(client, variant, {"operation": "RESERVE", "quantity": quantity, "owner": "cart"}, headers)


def test_the_same_key_on_another_reservation_is_not_replayed(client, stocked):  # noqa: F811
    a = _reserve(client, stocked["variant"], 1).json()["reservation_id"]
    b = _reserve(client, stocked["variant"], 2).json()["reservation_id"]
    key = {"Idempotency-Key": "release-1"}
    first = client.post(f"/api/v1/inventory/reservations/{a}/release", headers={**INTERNAL, **key})
    second = client.post(f"/api/v1/inventory/reservations/{b}/release", headers={**INTERNAL, **key})
    assert first.json()["reservation_id"] == a and second.json()["reservation_id"] == b
    assert client.get(f"/api/v1/inventory/reservations/{b}", headers=INTERNAL).json()["status"] == "RELEASED"
    body = {"operation": "RELEASE", "reservation_id": a}
    via_patch = patch(client, stocked["variant"], body, key)  # another operation's door: its own scope
    assert via_patch.status_code == 409  # a is already released: answered, not replayed from the POST


def test_reusing_a_key_with_a_different_body_is_422(client, stocked):  # noqa: F811
    assert _reserve(client, stocked["variant"], 1, "k-1").status_code == 200
    replay = _reserve(client, stocked["variant"], 1, "k-1")
    assert replay.status_code == 200
    changed = _reserve(client, stocked["variant"], 3, "k-1")
    assert changed.status_code == 422, changed.text
    assert changed.json()["errors"][0]["field"] == "Idempotency-Key"
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 1


def test_a_replayed_reservation_shows_its_status_now(client, stocked):  # noqa: F811
    first = _reserve(client, stocked["variant"], 1, "cart-7")
    assert first.json()["status"] == "ACTIVE"
    reservation = first.json()["reservation_id"]
    client.post(f"/api/v1/inventory/reservations/{reservation}/release", headers=INTERNAL)
    replay = _reserve(client, stocked["variant"], 1, "cart-7")
    assert (replay.json()["reservation_id"], replay.json()["status"]) == (reservation, "RELEASED")
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 0
    many = {"owner": "cart", "lines": [{"variant_id": stocked["variant"], "quantity": 1}]}
    keyed = {**INTERNAL, "Idempotency-Key": "basket-7"}
    held = client.post("/api/v1/inventory/reservations", json=many, headers=keyed).json()
    client.post(f"/api/v1/inventory/reservations/{held['reservation_id']}/release", headers=INTERNAL)
    again = client.post("/api/v1/inventory/reservations", json=many, headers=keyed).json()
    assert (again["reservation_id"], again["status"]) == (held["reservation_id"], "RELEASED")


def test_a_key_is_scoped_to_its_caller(client, seller: SellerClient, stocked):  # noqa: F811
    key = {"Idempotency-Key": "count-1"}
    body = {"operation": "SET", "warehouse_id": "east", "quantity": 4}
    assert patch(client, stocked["variant"], body, key).status_code == 200
    as_seller = client.patch(
        f"/api/v1/inventory/{stocked['variant']}", json={**body, "quantity": 6}, headers={**seller.headers, **key}
    )
    assert as_seller.status_code == 200, as_seller.text  # the seller's key lives apart from the platform's
    assert as_seller.json()["available"] == 6


def test_reserving_a_deleted_products_variant_is_refused(client, seller: SellerClient, stocked):  # noqa: F811
    seller.request("DELETE", f"/products/{stocked['product']['product_id']}")
    refused = _reserve(client, stocked["variant"], 1)
    assert refused.status_code in (404, 409), refused.text
    many = client.post(
        "/api/v1/inventory/reservations",
        json={"owner": "cart", "lines": [{"variant_id": stocked["variant"], "quantity": 1}]},
        headers=INTERNAL,
    )
    assert many.status_code in (404, 409), many.text


def test_an_empty_key_is_refused_rather_than_shared_by_every_caller(client, stocked):  # noqa: F811
    empty = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 1}, {"Idempotency-Key": ""})
    assert empty.status_code == 422, empty.text
    assert empty.json()["errors"][0]["field"] == "Idempotency-Key"
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 0


def test_only_a_product_on_sale_can_be_reserved_and_a_held_reservation_still_completes(
    client,
    seller: SellerClient,
    stocked,  # noqa: F811
):
    product = f"/products/{stocked['product']['product_id']}"
    held = _reserve(client, stocked["variant"], 1).json()
    for status in ("INACTIVE", "DRAFT"):
        assert seller.request("PATCH", product, json={"status": status}).status_code == 200
        refused = _reserve(client, stocked["variant"], 1)
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["field"] == "variant_id" and status in refused.json()["detail"]
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 1
    deduct = {"operation": "DEDUCT", "reservation_id": held["reservation_id"]}
    assert patch(client, stocked["variant"], deduct).json()["status"] == "DEDUCTED"  # taken while it was on sale


def test_a_product_create_retried_with_its_key_answers_with_the_product_it_created(client, seller: SellerClient):
    body = product_body(variants=[{"sku": "RETRY-1", "price": 20}])
    keyed = {"Idempotency-Key": "create-retry-1"}
    with ThreadPoolExecutor(4) as pool:  # a timeout's retry may race the first try
        answers = list(pool.map(lambda _n: seller.request("POST", "/products", json=body, headers=keyed), range(4)))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["product_id"] for a in answers}) == 1
    assert seller.request("GET", "/products").json()["total"] == 1
    assert seller.request("POST", "/products", json=body).status_code == 409  # no key: its SKU is taken
    changed = {**body, "title": "Another product"}
    reused = seller.request("POST", "/products", json=changed, headers=keyed)
    assert reused.status_code == 422 and reused.json()["errors"][0]["field"] == "Idempotency-Key"
    rival = SellerClient(client, "Rival With The Same Key")  # keys are the seller's own
    assert (
        rival.request("POST", "/products", json=body, headers=keyed).json()["product_id"]
        != answers[0].json()["product_id"]
    )
