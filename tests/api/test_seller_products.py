from __future__ import annotations

import threading

import pytest

from tests.api.conftest import SellerClient, product_body


def test_create_then_read_back(seller: SellerClient):
    created = seller.create()
    response = seller.request("GET", f"/products/{created['product_id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    product = response.json()
    assert product["title"] == "Trailblazer Running Shoe"
    assert product["variants"][0]["price"] == 89.99
    assert product["variants"][0]["compare_price"] == 119.99
    assert isinstance(product["product_id"], str) and product["product_id"].isdigit()
    assert product["seller_id"] == seller.id


def test_requests_without_a_valid_key_are_401(client):
    assert client.get("/api/v1/seller/products").status_code == 401
    response = client.get("/api/v1/seller/products", headers={"Authorization": "Bearer aisle_sk_nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_a_seller_cannot_see_or_touch_another_sellers_product(seller: SellerClient, other_seller: SellerClient):
    product_id = seller.create()["product_id"]
    for method, suffix, body in [
        ("GET", "", None),
        ("PUT", "", product_body(variants=[{"sku": "X-1", "price": 1}])),
        ("PATCH", "", {"title": "mine now"}),
        ("DELETE", "", None),
        ("GET", "/versions", None),
        ("POST", "/rollback", {"version": 1}),
    ]:
        response = other_seller.request(method, f"/products/{product_id}{suffix}", json=body)
        assert response.status_code == 404, (method, suffix, response.text)
    assert seller.request("GET", f"/products/{product_id}").json()["version"] == 1


def test_list_filters_by_status_and_pages(seller: SellerClient):
    for n in range(5):
        seller.create(
            title=f"Item {n}", status="DRAFT" if n % 2 else "ACTIVE", variants=[{"sku": f"L-{n}", "price": 5}]
        )
    drafts = seller.request("GET", "/products", params={"status": "DRAFT"}).json()
    assert drafts["total"] == 2
    assert {p["title"] for p in drafts["items"]} == {"Item 1", "Item 3"}
    page = seller.request("GET", "/products", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 5 and len(page["items"]) == 2
    assert seller.request("GET", "/products", params={"status": "BOGUS"}).status_code == 422
    seller.request("DELETE", f"/products/{drafts['items'][0]['product_id']}")
    either = seller.request("GET", "/products", params=[("status", "DRAFT"), ("status", "DELETED")]).json()
    assert either["total"] == 2  # repeated, any of them: not only the last one named


def test_a_walk_by_cursor_sees_each_product_once_while_products_are_listed_and_deleted(seller: SellerClient):
    made = [seller.create(title=f"Walk {n}", variants=[{"sku": f"W-{n}", "price": 5}])["product_id"] for n in range(7)]
    seen: list[str] = []
    after = None
    while True:
        page = seller.request("GET", "/products", params={"page_size": 3, **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [p["product_id"] for p in body["items"]]
        if len(seen) == 3:  # between pages: one listed (newer: before the walk's place), one not yet seen deleted
            seller.create(title="Walk late", variants=[{"sku": "W-late", "price": 5}])
            seller.request("DELETE", f"/products/{made[0]}")
        if (after := body["next_after"]) is None:
            break
    assert seen == sorted(made, key=int, reverse=True)  # each once, newest first; a deleted one is still listed
    bad = seller.request("GET", "/products", params={"after": "abc"})
    assert [e["field"] for e in bad.json()["errors"]] == ["after"]
    both = seller.request("GET", "/products", params={"after": made[3], "page": 2})
    assert both.status_code == 422 and [e["field"] for e in both.json()["errors"]] == ["page"]


def test_put_replaces_and_patch_changes_only_what_is_sent(seller: SellerClient):
    product_id = seller.create()["product_id"]
    replaced = seller.request(
        "PUT",
        f"/products/{product_id}",
        json=product_body(title="New", variants=[{"sku": "TB-42-BLK", "price": 79.5}]),
    )
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    assert [v["sku"] for v in replaced.json()["variants"]] == ["TB-42-BLK"]
    patched = seller.request("PATCH", f"/products/{product_id}", json={"description": "Now even lighter."})
    body = patched.json()
    assert body["version"] == 3
    assert body["title"] == "New" and body["description"] == "Now even lighter."
    assert body["variants"][0]["price"] == 79.5


def test_what_get_answers_can_be_changed_and_put_back(seller: SellerClient, other_seller: SellerClient):
    original = other_seller.create(gtin="0885909950805", variants=[{"sku": "ORIG", "price": 50}])
    created = seller.create(gtin="0885909950805", canonical_product_id=original["product_id"])
    read = seller.request("GET", f"/products/{created['product_id']}").json()
    unchanged = seller.request("PUT", f"/products/{created['product_id']}", json=read)
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json() == read  # the same content: no new version, nothing lost (the offer link included)

    read["title"] = "Trailblazer Running Shoe v2"
    read["variants"][0]["price"] = 84.99
    changed = seller.request("PUT", f"/products/{created['product_id']}", json=read).json()
    assert (changed["version"], changed["title"], changed["variants"][0]["price"]) == (2, read["title"], 84.99)
    assert [v["variant_id"] for v in changed["variants"]] == [v["variant_id"] for v in read["variants"]]
    assert changed["images"] == read["images"] and changed["canonical_product_id"] == original["product_id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("product_id", "12345"), ("seller_id", "12345"), ("variants", [{"sku": "X", "price": 5, "currency": "EUR"}])],
)
def test_a_body_read_from_another_product_or_seller_is_refused(seller: SellerClient, field, value):
    created = seller.create()
    body = {**seller.request("GET", f"/products/{created['product_id']}").json(), field: value}
    refused = seller.request("PUT", f"/products/{created['product_id']}", json=body)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"].startswith(field)
    assert seller.request("GET", f"/products/{created['product_id']}").json()["version"] == 1


def test_put_without_a_status_keeps_the_products_status(seller: SellerClient):
    product_id = seller.create()["product_id"]  # ACTIVE
    body = product_body(title="Renamed by a PUT")
    del body["status"]
    replaced = seller.request("PUT", f"/products/{product_id}", json=body)
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["status"], replaced.json()["title"]) == ("ACTIVE", "Renamed by a PUT")
    drafted = seller.request("PUT", f"/products/{product_id}", json=product_body(status="DRAFT"))
    assert drafted.json()["status"] == "DRAFT"  # a status that is sent is applied
    del body["title"]
    assert seller.request("PUT", f"/products/{product_id}", json=body).status_code == 422  # still a whole product


def test_versions_diff_and_rollback(seller: SellerClient):
    created = seller.create()
    product_id = created["product_id"]
    seller.request("PATCH", f"/products/{product_id}", json={"title": "Renamed"})
    seller.request(
        "PATCH",
        f"/products/{product_id}",
        json={"variants": [{"sku": "TB-42-BLK", "price": 99.99, "compare_price": 129}]},
    )
    versions = seller.request("GET", f"/products/{product_id}/versions").json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert seller.request("GET", f"/products/{product_id}/versions/1").json()["product"]["title"] == created["title"]
    diff = seller.request("GET", f"/products/{product_id}/diff", params={"from": 1, "to": 3}).json()
    assert {"field": "title", "from": created["title"], "to": "Renamed"} in diff["fields"]
    assert [v["sku"] for v in diff["variants"]["removed"]] == ["TB-43-BLK"]
    assert diff["variants"]["changed"][0]["sku"] == "TB-42-BLK"
    rolled = seller.request("POST", f"/products/{product_id}/rollback", json={"version": 1}).json()
    assert rolled["version"] == 4
    assert rolled["title"] == created["title"]
    # both variants as they were: the one kept all along, and the one removed at version 3 and brought back
    assert [v["variant_id"] for v in rolled["variants"]] == [v["variant_id"] for v in created["variants"]]
    removed = created["variants"][1]["variant_id"]
    assert seller.request("GET", f"/variants/{removed}/price-history").status_code == 200
    events = [v["event"] for v in seller.request("GET", f"/products/{product_id}/versions").json()]
    assert events == ["product.created", "product.updated", "price.changed", "product.rolled_back"]
    assert seller.request("GET", f"/products/{product_id}/versions/9").status_code == 404
    assert seller.request("POST", f"/products/{product_id}/rollback", json={"version": 9}).status_code == 422


def test_a_stale_if_match_gets_412_and_changes_nothing(seller: SellerClient):
    product_id = seller.create()["product_id"]
    assert (
        seller.request(
            "PATCH", f"/products/{product_id}", json={"title": "v2"}, headers={"If-Match": '"1"'}
        ).status_code
        == 200
    )
    stale = seller.request("PATCH", f"/products/{product_id}", json={"title": "lost"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert stale.json()["errors"] == [
        {"field": "If-Match", "reason": "version 1 is stale: the product is at version 2"}
    ]
    assert seller.request("DELETE", f"/products/{product_id}", headers={"If-Match": "1"}).status_code == 412
    current = seller.request("GET", f"/products/{product_id}").json()
    assert (current["title"], current["version"], current["status"]) == ("v2", 2, "ACTIVE")
    garbage = seller.request("PATCH", f"/products/{product_id}", json={"title": "x"}, headers={"If-Match": "abc"})
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "If-Match"


def test_if_match_star_writes_whatever_the_version(seller: SellerClient):
    product_id = seller.create()["product_id"]
    seller.request("PATCH", f"/products/{product_id}", json={"title": "v2"})
    starred = seller.request("PATCH", f"/products/{product_id}", json={"title": "v3"}, headers={"If-Match": " * "})
    assert starred.status_code == 200, starred.text
    assert seller.request("GET", f"/products/{product_id}").json()["title"] == "v3"
    assert seller.request("DELETE", "/products/999999", headers={"If-Match": "*"}).status_code == 404


def test_two_writers_with_the_same_version_one_wins(seller: SellerClient):
    product_id = seller.create()["product_id"]
    statuses: list[int] = []
    start = threading.Barrier(8)

    def write(n: int) -> None:
        start.wait()
        response = seller.request(
            "PATCH", f"/products/{product_id}", json={"title": f"writer {n}"}, headers={"If-Match": "1"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 7
    assert seller.request("GET", f"/products/{product_id}").json()["version"] == 2


def test_concurrent_writers_without_if_match_lose_no_update(seller: SellerClient):
    product_id = seller.create()["product_id"]
    statuses: list[int] = []

    def write(n: int) -> None:
        response = seller.request("PATCH", f"/products/{product_id}", json={"description": f"edit {n}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 10
    versions = seller.request("GET", f"/products/{product_id}/versions").json()
    assert [v["version"] for v in versions] == list(range(1, 12))


def test_duplicate_sku_is_409_and_creates_nothing(seller: SellerClient, other_seller: SellerClient):
    seller.create()
    response = seller.request("POST", "/products", json=product_body(title="Copy"))
    assert response.status_code == 409
    assert response.json()["detail"].startswith(("SKU 'TB-42-BLK' is already used", "SKU 'TB-43-BLK' is already used"))
    assert seller.request("GET", "/products").json()["total"] == 1
    assert other_seller.request("POST", "/products", json=product_body()).status_code == 201


def test_a_sku_another_product_holds_in_another_case_is_409_and_the_sku_stays_as_typed(seller: SellerClient):
    held = seller.create(variants=[{"sku": "CASE-SKU-1", "price": 10}])
    copy = seller.request("POST", "/products", json=product_body(variants=[{"sku": "case-sku-1", "price": 10}]))
    assert copy.status_code == 409 and copy.json()["errors"][0]["field"] == "variants[0].sku"
    assert f"product {held['product_id']}" in copy.json()["detail"]
    other = seller.create(title="Other", variants=[{"sku": "OTHER-1", "price": 10}])
    edit = seller.request(
        "PATCH", f"/products/{other['product_id']}", json={"variants": [{"sku": "Case-Sku-1", "price": 10}]}
    )
    assert edit.status_code == 409
    found = seller.request("GET", f"/products/{held['product_id']}").json()
    assert [v["sku"] for v in found["variants"]] == ["CASE-SKU-1"]


def test_two_variants_whose_skus_differ_only_in_case_are_422_naming_the_second(seller: SellerClient):
    variants = [{"sku": "CASE-SKU-1", "price": 10}, {"sku": "case-sku-1", "price": 11}]
    response = seller.request("POST", "/products", json=product_body(variants=variants))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["variants[1].sku"]
    assert seller.request("GET", "/products").json()["total"] == 0


def test_delete_is_soft_and_rollback_restores(client, seller: SellerClient):
    product_id = seller.create()["product_id"]
    assert client.get(f"/api/v1/products/{product_id}").status_code == 200
    deleted = seller.request("DELETE", f"/products/{product_id}")
    assert deleted.json()["status"] == "DELETED"
    assert client.get(f"/api/v1/products/{product_id}").status_code == 404
    assert seller.request("GET", "/products", params={"status": "DELETED"}).json()["total"] == 1
    edit = seller.request("PATCH", f"/products/{product_id}", json={"title": "zombie"})
    assert edit.status_code == 409
    restored = seller.request("POST", f"/products/{product_id}/rollback", json={"version": 1}).json()
    assert restored["status"] == "ACTIVE"
    assert client.get(f"/api/v1/products/{product_id}").status_code == 200


def test_a_price_rise_that_breaks_another_rule_names_that_rule_not_the_confirmation(seller: SellerClient):
    product_id = seller.create()["product_id"]  # its first variant was 119.99, now 89.99
    # far above its range, and above its compare-at price too: confirming the rise could never save it
    rise = {"variants": [{"sku": "TB-42-BLK", "price": 900, "compare_price": 119.99}]}
    refused = seller.request("PATCH", f"/products/{product_id}", json=rise)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["variants[0].compare_price"]


def test_an_implausible_price_needs_confirming(seller: SellerClient):
    product_id = seller.create()["product_id"]
    cut = {"variants": [{"sku": "TB-42-BLK", "price": 8.99}]}
    refused = seller.request("PATCH", f"/products/{product_id}", json=cut)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "variants[0].price"
    assert "confirm_price_change" in refused.json()["errors"][0]["reason"]
    assert seller.request("GET", f"/products/{product_id}").json()["version"] == 1
    for loose in ("yes", 1, "true"):  # a confirmation is the JSON true, nothing that might be read as one
        vague = seller.request("PATCH", f"/products/{product_id}", json={**cut, "confirm_price_change": loose})
        assert vague.status_code == 422
        assert vague.json()["errors"][0]["field"] == "confirm_price_change"
    assert seller.request("GET", f"/products/{product_id}").json()["version"] == 1
    confirmed = seller.request("PATCH", f"/products/{product_id}", json={**cut, "confirm_price_change": True})
    assert confirmed.json()["variants"][0]["price"] == 8.99
    small_step = seller.request(
        "PATCH", f"/products/{product_id}", json={"variants": [{"sku": "TB-42-BLK", "price": 12}]}
    )
    assert small_step.status_code == 200  # inside the range it has had lately, 8.99-89.99


def test_a_price_cannot_be_walked_away_in_small_steps(seller: SellerClient):
    product_id = seller.create()["product_id"]  # at 89.99

    def priced(price: float, **extra: object) -> int:
        body = {"variants": [{"sku": "TB-42-BLK", "price": price}], **extra}
        return seller.request("PATCH", f"/products/{product_id}", json=body).status_code

    assert priced(125.99) == 200  # +40%
    assert priced(176.39) == 422  # +40% again: twice what it cost when the last 30 days began
    assert priced(134.98) == 200  # within 50% of 89.99
    assert priced(89.99) == 200  # back to a price it had
    assert priced(176.39, confirm_price_change=True) == 200
    assert seller.request("GET", f"/products/{product_id}").json()["variants"][0]["price"] == 176.39


def test_a_new_sku_in_place_of_an_old_one_is_held_to_the_products_recent_prices(seller: SellerClient):
    product_id = seller.create()["product_id"]  # both variants at 89.99
    renamed = {"variants": [{"sku": "TB-42-BLK-V2", "price": 999999}]}
    refused = seller.request("PATCH", f"/products/{product_id}", json=renamed)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "variants[0].price"
    assert seller.request("GET", f"/products/{product_id}").json()["version"] == 1
    plausible = {"variants": [{"sku": "TB-42-BLK-V2", "price": 99.99}, {"sku": "TB-43-BLK", "price": 89.99}]}
    assert seller.request("PATCH", f"/products/{product_id}", json=plausible).status_code == 200


def test_a_write_that_changes_nothing_makes_no_version(seller: SellerClient):
    created = seller.create()
    path = f"/products/{created['product_id']}"
    assert seller.request("PATCH", path, json={}).json()["version"] == 1
    assert seller.request("PATCH", path, json={"title": created["title"]}).json()["version"] == 1
    put = seller.request("PUT", path, json=product_body())  # what created it
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1 and put.headers["ETag"] == '"1"'
    assert seller.request("POST", f"{path}/rollback", json={"version": 1}).json()["version"] == 1
    assert [v["version"] for v in seller.request("GET", f"{path}/versions").json()] == [1]
    assert seller.request("PATCH", path, json={"title": "Trailblazer 2"}).json()["version"] == 2  # a change still is


def test_price_history_records_who_when_old_and_new(seller: SellerClient, client):
    created = seller.create()
    product_id, variant_id = created["product_id"], created["variants"][0]["variant_id"]
    seller.request("PATCH", f"/products/{product_id}", json={"variants": [{"sku": "TB-42-BLK", "price": 99.5}]})
    history = seller.request("GET", f"/variants/{variant_id}/price-history").json()["history"]
    assert [(h["old"], h["new"]) for h in history] == [(89.99, 99.5), (None, 89.99)]
    assert history[0]["actor"] == f"seller:{seller.id}"


@pytest.mark.parametrize("title", ["   ", "\t\n", "\u00a0\u00a0", "\u3000", "\u200b\u200b"])
def test_a_blank_title_is_refused_by_every_write_and_changes_nothing(seller: SellerClient, title: str):
    created = seller.create()
    path = f"/products/{created['product_id']}"
    for method, body in (("POST", None), ("PUT", None), ("PATCH", {"title": title})):
        sent = body or product_body(title=title, variants=[{"sku": f"BL-{method}", "price": 5}])
        refused = seller.request(method, "/products" if method == "POST" else path, json=sent)
        assert refused.status_code == 422, (method, refused.status_code, refused.text)
        assert refused.json()["errors"] == [{"field": "title", "reason": "must not be blank"}], method
    assert seller.request("GET", path).json()["version"] == 1


def test_a_blank_brand_is_no_brand_and_a_blank_attribute_name_is_refused(seller: SellerClient):
    created = seller.create(brand="   ")
    assert created["brand"] is None
    assert seller.create(brand="  Spaced \t Brand ", variants=[{"sku": "SP-1", "price": 5}])["brand"] == "Spaced Brand"
    refused = seller.request("POST", "/products", json=product_body(attributes={" ": "x"}))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].startswith("attributes")
