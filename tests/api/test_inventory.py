from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, searchable, wait_for_outbox

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


@pytest.fixture
def stocked(client, seller: SellerClient) -> dict:
    product = seller.create()
    for warehouse in ("east", "west"):
        body = {"warehouse_id": warehouse, "name": warehouse.title(), "region": f"us-{warehouse}"}
        assert client.post("/api/v1/warehouses", json=body, headers=INTERNAL).status_code == 201
    variant = product["variants"][0]["variant_id"]
    for warehouse, quantity in (("east", 8), ("west", 20)):
        change = {"operation": "SET", "warehouse_id": warehouse, "quantity": quantity}
        assert client.patch(f"/api/v1/inventory/{variant}", json=change, headers=INTERNAL).status_code == 200
    return {"product": product, "variant": variant, "other_variant": product["variants"][1]["variant_id"]}


def patch(client, variant: str, body: dict, headers: dict | None = None):
    return client.patch(f"/api/v1/inventory/{variant}", json=body, headers={**INTERNAL, **(headers or {})})


def test_stock_per_warehouse(client, stocked):
    stock = client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"], stock["status"]) == (28, 0, "IN_STOCK")
    assert {w["warehouse_id"]: w["available"] for w in stock["warehouses"]} == {"east": 8, "west": 20}


def test_reserve_picks_the_warehouse_with_most_stock_and_release_returns_it(client, stocked):
    held = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 5, "owner": "cart-1"}).json()
    assert held["lines"][0]["warehouse_id"] == "west" and held["status"] == "ACTIVE"
    body = {"operation": "RELEASE", "reservation_id": held["reservation_id"]}
    assert patch(client, stocked["variant"], body).json()["status"] == "RELEASED"
    again = patch(client, stocked["variant"], body)
    assert again.status_code == 409 and "already RELEASED" in again.json()["detail"]
    assert [e["field"] for e in again.json()["errors"]] == ["reservation_id"]
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["available"] == 28


def test_deduct_sells_reserved_stock(client, stocked):
    held = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 3, "warehouse_id": "east"}).json()
    sold = patch(client, stocked["variant"], {"operation": "DEDUCT", "reservation_id": held["reservation_id"]})
    assert sold.json()["status"] == "DEDUCTED"
    stock = client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"]) == (25, 0)


def test_a_stock_count_includes_the_units_held_in_carts_so_a_recount_never_oversells(client, stocked):
    variant = stocked["variant"]
    patch(client, variant, {"operation": "SET", "warehouse_id": "west", "quantity": 0})
    patch(client, variant, {"operation": "SET", "warehouse_id": "east", "quantity": 1})
    cart = patch(client, variant, {"operation": "RESERVE", "quantity": 1, "owner": "cart-a"}).json()
    recount = patch(client, variant, {"operation": "SET", "warehouse_id": "east", "quantity": 1})
    assert (recount.json()["available"], recount.json()["reserved"]) == (0, 1)  # the one unit is in cart A
    other = patch(client, variant, {"operation": "RESERVE", "quantity": 1, "owner": "cart-b"})
    assert other.status_code == 409
    assert patch(client, variant, {"operation": "DEDUCT", "reservation_id": cart["reservation_id"]}).status_code == 200
    stock = client.get(f"/api/v1/inventory/{variant}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"]) == (0, 0)


def test_a_count_below_what_is_reserved_is_refused_and_changes_nothing(client, stocked):
    # else the reservations would be sold (deducted) from units that are not on the shelf
    variant = stocked["variant"]
    patch(client, variant, {"operation": "SET", "warehouse_id": "west", "quantity": 0})
    patch(client, variant, {"operation": "SET", "warehouse_id": "east", "quantity": 5})
    carts = [patch(client, variant, {"operation": "RESERVE", "quantity": 1, "owner": f"c{n}"}) for n in range(5)]
    assert all(cart.status_code == 200 for cart in carts)
    refused = patch(client, variant, {"operation": "SET", "warehouse_id": "east", "quantity": 2})
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "quantity"
    assert "5 units" in refused.json()["detail"] and "release" in refused.json()["detail"]
    stock = client.get(f"/api/v1/inventory/{variant}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"]) == (0, 5)
    for cart in carts[:3]:
        patch(client, variant, {"operation": "RELEASE", "reservation_id": cart.json()["reservation_id"]})
    counted = patch(client, variant, {"operation": "SET", "warehouse_id": "east", "quantity": 2})
    assert (counted.json()["available"], counted.json()["reserved"]) == (0, 2)


def test_insufficient_stock_is_409_and_changes_nothing(client, stocked):
    refused = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 29})
    assert refused.status_code == 409  # 28 in all
    assert refused.json()["errors"][0]["field"] == "quantity"
    assert "29 wanted, 28 available" in refused.json()["detail"]
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["available"] == 28
    in_east = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 9, "warehouse_id": "east"})
    assert in_east.status_code == 409 and "9 wanted, 8 available" in in_east.json()["detail"]  # as named


def test_what_no_one_warehouse_holds_is_reserved_from_several_and_released_to_each(client, stocked):
    held = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 21, "owner": "cart-2"})
    assert held.status_code == 200, held.text
    assert [(ln["warehouse_id"], ln["quantity"]) for ln in held.json()["lines"]] == [("east", 1), ("west", 20)]
    stock = client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"]) == (7, 21)
    body = {"operation": "RELEASE", "reservation_id": held.json()["reservation_id"]}
    assert patch(client, stocked["variant"], body).json()["status"] == "RELEASED"
    stock = client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()
    assert {w["warehouse_id"]: w["available"] for w in stock["warehouses"]} == {"east": 8, "west": 20}


def test_multi_line_reservations_are_all_or_nothing(client, stocked):
    body = {
        "owner": "cart-9",
        "lines": [
            {"variant_id": stocked["variant"], "quantity": 2},
            {"variant_id": stocked["other_variant"], "quantity": 1},
        ],
    }
    refused = client.post("/api/v1/inventory/reservations", json=body, headers=INTERNAL)
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "lines[1].quantity"
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["available"] == 28
    patch(client, stocked["other_variant"], {"operation": "RESTOCK", "warehouse_id": "east", "quantity": 4})
    held = client.post("/api/v1/inventory/reservations", json=body, headers=INTERNAL)
    assert held.status_code == 201 and len(held.json()["lines"]) == 2
    reservation = held.json()["reservation_id"]
    located = client.get(held.headers["Location"], headers=INTERNAL)  # where the new reservation is read
    assert located.status_code == 200 and located.json()["reservation_id"] == reservation
    assert client.post(f"/api/v1/inventory/reservations/{reservation}/deduct", headers=INTERNAL).status_code == 200
    assert client.get(f"/api/v1/inventory/reservations/{reservation}", headers=INTERNAL).json()["status"] == "DEDUCTED"


def test_a_retried_request_with_its_idempotency_key_changes_stock_once(client, stocked):
    body = {"operation": "RESERVE", "quantity": 4, "owner": "cart-2"}
    first = patch(client, stocked["variant"], body, {"Idempotency-Key": "try-1"}).json()
    second = patch(client, stocked["variant"], body, {"Idempotency-Key": "try-1"}).json()
    assert first == second
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 4


def test_the_product_page_shows_stock_status(client, stocked, container):
    product_id = stocked["product"]["product_id"]
    patch(client, stocked["variant"], {"operation": "SET", "warehouse_id": "west", "quantity": 0})
    patch(client, stocked["variant"], {"operation": "SET", "warehouse_id": "east", "quantity": 3})
    patch(client, stocked["other_variant"], {"operation": "SET", "warehouse_id": "east", "quantity": 75})
    variants = client.get(f"/api/v1/products/{product_id}").json()["variants"]
    assert variants[0]["inventory"] == {"status": "LOW_STOCK", "quantity_hint": "Only 3 left"}
    assert variants[1]["inventory"] == {"status": "IN_STOCK", "quantity_hint": "50+"}


def _index_writes(client) -> float:
    """Batches of changes the index builder has written (it times each, from event to searchable)."""
    metrics = client.get("/metrics", headers=INTERNAL).text
    return float(next(ln for ln in metrics.splitlines() if ln.startswith("aisle_index_lag_seconds_count ")).split()[-1])


def _in_stock_titles(client, title: str) -> list[str]:
    found = client.get("/api/v1/products/search", params={"q": title, "in_stock": "true"}).json()["results"]
    return [r["title"] for r in found]


def test_only_stock_changes_search_can_see_rewrite_the_index(client, stocked, container):
    """Reserving out of plenty changes nothing search shows: the index is left alone (a busy checkout would
    otherwise rewrite it non-stop), while the product page still shows the new count. Emptying a warehouse,
    selling out, coming back and selling are written."""
    product_id, title, variant = stocked["product"]["product_id"], stocked["product"]["title"], stocked["variant"]
    searchable(container)
    before = _index_writes(client)
    held = patch(client, variant, {"operation": "RESERVE", "quantity": 15, "warehouse_id": "west"}).json()
    wait_for_outbox(container)
    assert _index_writes(client) == before
    page = client.get(f"/api/v1/products/{product_id}").json()
    assert page["variants"][0]["inventory"] == {"status": "IN_STOCK", "quantity_hint": "13"}  # 5 west, 8 east
    assert _in_stock_titles(client, title) == [title]

    patch(client, variant, {"operation": "RESERVE", "quantity": 5, "warehouse_id": "west"})  # west emptied
    wait_for_outbox(container)
    assert _index_writes(client) > before
    last = patch(client, variant, {"operation": "RESERVE", "quantity": 8, "warehouse_id": "east"}).json()
    wait_for_outbox(container)
    assert _in_stock_titles(client, title) == []  # its other variant has no stock either

    patch(client, variant, {"operation": "RELEASE", "reservation_id": last["reservation_id"]})
    wait_for_outbox(container)
    assert _in_stock_titles(client, title) == [title]
    written = _index_writes(client)
    patch(client, variant, {"operation": "DEDUCT", "reservation_id": held["reservation_id"]})
    wait_for_outbox(container)
    assert _index_writes(client) > written  # a sale moves the sales velocity search ranks by


def test_sellers_may_count_their_own_stock_but_not_reserve(client, stocked, seller: SellerClient, other_seller):
    variant = stocked["variant"]
    own = client.patch(
        f"/api/v1/inventory/{variant}",
        json={"operation": "RESTOCK", "warehouse_id": "east", "quantity": 2},
        headers=seller.headers,
    )
    assert own.status_code == 200 and own.json()["available"] == 10
    reserve = client.patch(
        f"/api/v1/inventory/{variant}", json={"operation": "RESERVE", "quantity": 1}, headers=seller.headers
    )
    assert reserve.status_code == 403
    foreign = client.patch(
        f"/api/v1/inventory/{variant}",
        json={"operation": "SET", "warehouse_id": "east", "quantity": 0},
        headers=other_seller.headers,
    )
    assert foreign.status_code == 404
    assert client.patch(f"/api/v1/inventory/{variant}", json={"operation": "SET"}).status_code == 401
    assert (
        client.post(
            "/api/v1/warehouses", json={"warehouse_id": "x", "name": "x", "region": "x"}, headers=seller.headers
        ).status_code
        == 403  # a valid key, but not one that may do this
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"operation": "RESERVE", "quantity": -1}, 422, "quantity"),
        ({"operation": "RESERVE", "quantity": 0}, 422, "quantity"),
        ({"operation": "RESERVE", "quantity": 10**9}, 422, "quantity"),
        ({"operation": "RESERVE", "quantity": "3"}, 422, "quantity"),
        ({"operation": "RESERVE", "quantity": 2.5}, 422, "quantity"),
        ({"operation": "RESERVE"}, 422, "quantity"),
        ({"operation": "STEAL", "quantity": 1}, 422, "operation"),
        ({"operation": "SET", "quantity": 5}, 422, "warehouse_id"),
        ({"operation": "SET", "quantity": 5, "warehouse_id": "mars"}, 404, None),
        ({"operation": "RESERVE", "quantity": 1, "warehouse_id": "mars"}, 404, None),
        ({"operation": "RESERVE", "quantity": 1, "warehouse_id": "../east"}, 422, "warehouse_id"),
        ({"operation": "RESERVE", "quantity": 1, "owner": ""}, 422, "owner"),  # as POST /reservations says
        ({"operation": "SET", "quantity": 1, "warehouse_id": ""}, 422, "warehouse_id"),
        ({"operation": "RELEASE"}, 422, "reservation_id"),
        ({"operation": "RELEASE", "reservation_id": "12345"}, 404, None),
        ({"operation": "DEDUCT", "reservation_id": "abc"}, 422, "reservation_id"),
    ],
)
def test_bad_requests_are_clear_and_change_nothing(client, stocked, body, status, field):
    response = patch(client, stocked["variant"], body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field:
        assert response.json()["errors"][0]["field"] == field
    stock = client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"]) == (28, 0)


def test_unknown_variant_and_duplicate_warehouse(client, stocked):
    assert patch(client, "999999", {"operation": "SET", "warehouse_id": "east", "quantity": 1}).status_code == 404
    body = {"warehouse_id": "east", "name": "Again", "region": "us"}
    assert client.post("/api/v1/warehouses", json=body, headers=INTERNAL).status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"warehouse_id": "EAST", "name": "East again", "region": "us"}, 409, "warehouse_id"),  # "east" exists
        ({"warehouse_id": "..", "name": "Up", "region": "us"}, 422, "warehouse_id"),
        ({"warehouse_id": "north", "name": "   ", "region": "us"}, 422, "name"),
        ({"warehouse_id": "north", "name": "North", "region": "\u200b "}, 422, "region"),
    ],
)
def test_a_warehouse_a_person_would_confuse_with_another_or_with_nothing_is_refused(
    client, stocked, body, status, field
):
    refused = client.post("/api/v1/warehouses", json=body, headers=INTERNAL)
    assert refused.status_code == status, refused.text
    assert refused.json()["errors"][0]["field"] == field
    listed = client.get("/api/v1/warehouses", headers=INTERNAL).json()["warehouses"]
    assert {w["warehouse_id"] for w in listed} == {"east", "west"}


def _reserve(client, variant: str, quantity: int, ttl_seconds: int = 600) -> str:
    body = {"owner": "cart", "lines": [{"variant_id": variant, "quantity": quantity}], "ttl_seconds": ttl_seconds}
    held = client.post("/api/v1/inventory/reservations", json=body, headers=INTERNAL)
    assert held.status_code == 201, held.text
    return held.json()["reservation_id"]


def _status(client, reservation_id: str) -> str:
    return client.get(f"/api/v1/inventory/reservations/{reservation_id}", headers=INTERNAL).json()["status"]


def _without_other_variant(stocked: dict) -> dict:
    kept = stocked["product"]["variants"][0]
    return {"variants": [{"sku": kept["sku"], "price": kept["price"], "attributes": kept["attributes"]}]}


def test_a_variant_holding_stock_or_reservations_is_not_removed(client, stocked, seller):
    product_id = stocked["product"]["product_id"]
    assert patch(
        client, stocked["other_variant"], {"operation": "SET", "warehouse_id": "east", "quantity": 5}
    ).is_success
    held = _reserve(client, stocked["other_variant"], 2)
    refused = seller.request("PATCH", f"/products/{product_id}", json=_without_other_variant(stocked))
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "variants"
    assert "3 units for sale and 2 reserved" in refused.json()["detail"]
    rollback = seller.request("POST", f"/products/{product_id}/rollback", json={"version": 1})
    assert rollback.is_success  # version 1 had the variant: nothing to drop
    assert client.get(f"/api/v1/inventory/{stocked['other_variant']}", headers=INTERNAL).json()["reserved"] == 2

    assert client.post(f"/api/v1/inventory/reservations/{held}/release", headers=INTERNAL).is_success
    assert patch(
        client, stocked["other_variant"], {"operation": "SET", "warehouse_id": "east", "quantity": 0}
    ).is_success
    removed = seller.request("PATCH", f"/products/{product_id}", json=_without_other_variant(stocked))
    assert removed.status_code == 200, removed.text
    assert [v["variant_id"] for v in removed.json()["variants"]] == [stocked["variant"]]


def _remove_other_variant_past_the_check(container, stocked: dict) -> None:
    """As a reservation racing the product's write could leave it: the variant gone, its reservations not."""
    with container.uow() as uow:
        product = uow.products.get(int(stocked["product"]["product_id"]))
        version = product.version
        content = replace(product.content, variants=product.content.variants[:1])
        product.update(content, datetime.now(UTC), container.ids.next_id)
        uow.products.save(product, expected_version=version, actor="test")
        uow.commit()


def test_a_reservation_of_a_removed_variant_neither_wedges_expiry_nor_sells(client, stocked, container):
    restock = {"operation": "SET", "warehouse_id": "east", "quantity": 5}
    assert patch(client, stocked["other_variant"], restock).is_success
    orphan = _reserve(client, stocked["other_variant"], 2, ttl_seconds=1)
    held = _reserve(client, stocked["other_variant"], 1)
    due = _reserve(client, stocked["variant"], 3, ttl_seconds=1)
    _remove_other_variant_past_the_check(container, stocked)

    deduct = client.post(f"/api/v1/inventory/reservations/{held}/deduct", headers=INTERNAL)
    assert deduct.status_code == 409 and "was removed from its product" in deduct.json()["detail"]
    released = client.post(f"/api/v1/inventory/reservations/{held}/release", headers=INTERNAL)
    assert released.json()["status"] == "RELEASED"

    def available() -> int:
        return client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["available"]

    deadline = time.monotonic() + 30
    # both are due after a second; whichever expires them, this call or the app's own expirer, must get past the
    # orphan and give the due one's 3 units back (a reservation past its time reads EXPIRED before that)
    while "ACTIVE" in (_status(client, orphan), _status(client, due)) or available() != 28:
        assert time.monotonic() < deadline, "the due reservations never expired"
        container.inventory.expire_due()
        time.sleep(0.2)
    assert (_status(client, orphan), _status(client, due)) == ("EXPIRED", "EXPIRED")


def test_a_reservation_line_with_an_impossible_warehouse_id_is_422_naming_the_line(client, stocked):
    lines = [{"variant_id": stocked["variant"], "quantity": 1, "warehouse_id": "east west"}]
    refused = client.post("/api/v1/inventory/reservations", json={"owner": "cart-1", "lines": lines}, headers=INTERNAL)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "lines[0].warehouse_id"
    assert "letters, digits" in refused.json()["errors"][0]["reason"]
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["available"] == 28


def test_a_reservation_past_its_expiry_reads_as_expired_before_the_sweep_returns_its_stock(client, stocked):
    reservation = _reserve(client, stocked["variant"], 1, ttl_seconds=1)
    expires_at = datetime.fromisoformat(
        client.get(f"/api/v1/inventory/reservations/{reservation}", headers=INTERNAL).json()["expires_at"]
    )
    while datetime.now(UTC) <= expires_at:
        time.sleep(0.05)
    assert _status(client, reservation) == "EXPIRED"
    deduct = client.post(f"/api/v1/inventory/reservations/{reservation}/deduct", headers=INTERNAL)
    assert deduct.status_code == 409 and "expired" in deduct.json()["detail"]
    release = client.post(f"/api/v1/inventory/reservations/{reservation}/release", headers=INTERNAL)
    assert release.status_code == 409 and "expired" in release.json()["detail"]
    assert _status(client, reservation) == "EXPIRED"  # not RELEASED: what it read as stays what it is


def test_a_field_an_operation_would_ignore_is_refused_not_a_deduct_of_one_selling_the_whole_hold(client, stocked):
    variant = stocked["variant"]
    reservation = _reserve(client, variant, 3)
    for operation in ("DEDUCT", "RELEASE"):
        partial = patch(client, variant, {"operation": operation, "reservation_id": reservation, "quantity": 1})
        assert partial.status_code == 422
        [error] = partial.json()["errors"]
        assert error["field"] == "quantity" and "whole reservation" in error["reason"]
    assert _status(client, reservation) == "ACTIVE"
    stock = client.get(f"/api/v1/inventory/{variant}", headers=INTERNAL).json()
    assert (stock["available"], stock["reserved"]) == (25, 3)
    restock = patch(client, variant, {"operation": "RESTOCK", "warehouse_id": "east", "quantity": 1, "owner": "x"})
    assert restock.status_code == 422 and [e["field"] for e in restock.json()["errors"]] == ["owner"]
    nulls = {"operation": "RESTOCK", "warehouse_id": "east", "quantity": 1, "reservation_id": None}
    assert patch(client, variant, nulls).status_code == 200  # a field sent as null asks for nothing


def test_restocking_never_puts_more_on_the_shelf_than_a_count_could_say(client, stocked):
    variant = stocked["variant"]
    assert (
        patch(client, variant, {"operation": "SET", "warehouse_id": "east", "quantity": 1_000_000}).status_code == 200
    )
    body = {"owner": "cart", "lines": [{"variant_id": variant, "quantity": 10, "warehouse_id": "east"}]}
    assert client.post("/api/v1/inventory/reservations", json=body, headers=INTERNAL).status_code == 201
    refused = patch(client, variant, {"operation": "RESTOCK", "warehouse_id": "east", "quantity": 10})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["reason"] == (
        "stock on hand may not exceed 1000000: 1000000 already (10 of them reserved)"
    )
    east = client.get(f"/api/v1/inventory/{variant}", headers=INTERNAL).json()["warehouses"]
    assert [(w["available"], w["reserved"]) for w in east if w["warehouse_id"] == "east"] == [(999_990, 10)]


def test_a_reservation_naming_an_unknown_variant_or_warehouse_says_which_line(client, stocked):
    known = {"variant_id": stocked["variant"], "quantity": 1}
    lines = [known, {"variant_id": "123", "quantity": 1}]
    missing = client.post("/api/v1/inventory/reservations", json={"owner": "o", "lines": lines}, headers=INTERNAL)
    assert missing.status_code == 404
    assert missing.json()["errors"] == [{"field": "lines[1].variant_id", "reason": "No variant with id 123."}]
    lines = [known, {**known, "warehouse_id": "nowhere"}]
    missing = client.post("/api/v1/inventory/reservations", json={"owner": "o", "lines": lines}, headers=INTERNAL)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "lines[1].warehouse_id"
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 0


def test_a_reservation_held_by_no_one_visible_is_refused_and_reserves_nothing(client, stocked):
    for blank in ("   ", "\u200b"):
        one = patch(client, stocked["variant"], {"operation": "RESERVE", "quantity": 1, "owner": blank})
        many = client.post(
            "/api/v1/inventory/reservations",
            json={"owner": blank, "lines": [{"variant_id": stocked["variant"], "quantity": 1}]},
            headers=INTERNAL,
        )
        for refused in (one, many):
            assert refused.status_code == 422, refused.text
            assert [e["field"] for e in refused.json()["errors"]] == ["owner"]
    assert client.get(f"/api/v1/inventory/{stocked['variant']}", headers=INTERNAL).json()["reserved"] == 0
