"""Inputs a hostile or careless client sent that once answered 500 (issue 11): each is now a 4xx problem+json naming
the field, and no odd spelling of a number is ever read as another id."""

from __future__ import annotations

import pytest

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, product_body, searchable

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
TOO_BIG = str(1 << 63)  # 9223372036854775808: 19 digits, one past the largest 64-bit id
NOT_ASCII_IDS = ["\u00b3", "\u00b2", "\u0663\u0663", "\uff11\uff12", "0", "00", TOO_BIG, "99999999999999999999"]


def _problem(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("raw_id", NOT_ASCII_IDS)
def test_odd_ids_in_paths_are_4xx_never_another_id(client, seller: SellerClient, raw_id):
    created = seller.create()
    # "٣٣" once read as 33: make sure no spelling reaches a real product either
    assert raw_id != created["product_id"]
    _problem(client.get(f"/api/v1/products/{raw_id}"), 422)
    _problem(seller.request("GET", f"/products/{raw_id}"), 422)
    _problem(seller.request("PATCH", f"/products/{raw_id}", json={"title": "x"}), 422)
    _problem(seller.request("GET", f"/jobs/{raw_id}"), 422)
    _problem(client.get(f"/api/v1/inventory/{raw_id}", headers=INTERNAL), 422)
    _problem(client.get(f"/api/v1/inventory/reservations/{raw_id}", headers=INTERNAL), 422)


def test_an_id_with_a_line_break_after_it_is_no_id(client, seller: SellerClient):
    created = seller.create()
    product_id, variant_id = created["product_id"], created["variants"][0]["variant_id"]
    _problem(client.get(f"/api/v1/products/{product_id}%0A"), 422)
    _problem(seller.request("GET", f"/products/{product_id}%0A"), 422)
    _problem(client.get(f"/api/v1/inventory/{variant_id}%0A", headers=INTERNAL), 422)


def test_a_sku_with_a_line_break_after_it_is_refused(seller: SellerClient):
    body = product_body()
    body["variants"][0]["sku"] = "LB-1\n"
    assert _problem(seller.request("POST", "/products", json=body), 422)["errors"][0]["field"] == "variants[0].sku"


@pytest.mark.parametrize("code", ["\u00dfPROBE", "\ufb004BD1"])
def test_a_coupon_code_outside_its_letters_is_refused_not_respelled(client, seller: SellerClient, code):
    window = {"starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z"}
    answer = seller.client.post(
        "/api/v1/pricing/coupons", json={"code": code, "kind": "AMOUNT", "value": 1, **window}, headers=seller.headers
    )
    assert [e["field"] for e in _problem(answer, 422)["errors"]] == ["code"]


@pytest.mark.parametrize("raw_id", [TOO_BIG, "0", "\u0663\u0663"])
def test_odd_ids_in_bodies_are_422_naming_the_field(client, seller: SellerClient, raw_id):
    _problem(seller.request("POST", "/products", json=product_body(canonical_product_id=raw_id)), 422)
    _problem(seller.request("POST", "/products", json=product_body(category_id=raw_id)), 422)
    deal = {
        "scope": "PRODUCT",
        "target_id": raw_id,
        "kind": "PERCENT",
        "value": 10,
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2027-01-01T00:00:00Z",
    }
    problem = _problem(client.post("/api/v1/pricing/deals", json=deal, headers=INTERNAL), 422)
    assert "target_id" in [e["field"] for e in problem["errors"]]
    quote = {"lines": [{"variant_id": raw_id, "quantity": 1}]}
    _problem(client.post("/api/v1/pricing/quote", json=quote), 422)
    lines = {"owner": "cart", "lines": [{"variant_id": raw_id, "quantity": 1}]}
    _problem(client.post("/api/v1/inventory/reservations", json=lines, headers=INTERNAL), 422)
    change = {"operation": "RELEASE", "reservation_id": raw_id}
    _problem(client.patch("/api/v1/inventory/123", json=change, headers=INTERNAL), 404, 422)


def test_patch_with_explicit_null_names_the_field(seller: SellerClient):
    created = seller.create()
    for field in ("title", "variants", "status", "description", "images", "attributes"):
        problem = _problem(seller.request("PATCH", f"/products/{created['product_id']}", json={field: None}), 422)
        assert field in [e["field"] for e in problem["errors"]], problem
    # the fields that may be empty still accept null
    patched = seller.request("PATCH", f"/products/{created['product_id']}", json={"brand": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["brand"] is None


def test_deleting_a_deleted_product_is_a_4xx(seller: SellerClient):
    created = seller.create()
    assert seller.request("DELETE", f"/products/{created['product_id']}").status_code == 200
    again = seller.request("DELETE", f"/products/{created['product_id']}")
    _problem(again, 409)
    assert seller.request("GET", f"/products/{created['product_id']}").json()["status"] == "DELETED"


def test_the_sku_of_a_deleted_product_is_refused_saying_it_is_deleted_and_how_to_restore_it(seller: SellerClient):
    created = seller.create()
    assert seller.request("DELETE", f"/products/{created['product_id']}").status_code == 200
    again = _problem(seller.request("POST", "/products", json=product_body()), 409)
    assert f"deleted product {created['product_id']}" in again["detail"] and "roll that product back" in again["detail"]
    live = seller.create(variants=[{"sku": "LIVE-1", "price": 5}])
    taken = _problem(
        seller.request("POST", "/products", json=product_body(variants=[{"sku": "LIVE-1", "price": 5}])), 409
    )
    assert taken["detail"] == f"SKU 'LIVE-1' is already used by your product {live['product_id']}"
    second = [{"sku": "FREE-1", "price": 5}, {"sku": "LIVE-1", "price": 6}]
    named = _problem(seller.request("POST", "/products", json=product_body(variants=second)), 409)
    assert named["errors"][0]["field"] == "variants[1].sku"  # which of many variants to change
    mine = seller.create(variants=[{"sku": "MINE-1", "price": 5}])
    edit = {"variants": [{"sku": "MINE-1", "price": 5}, {"sku": "LIVE-1", "price": 5}]}
    clash = _problem(seller.request("PATCH", f"/products/{mine['product_id']}", json=edit), 409)
    assert clash["errors"][0]["field"] == "variants[1].sku"


@pytest.mark.parametrize("version", [TOO_BIG, "99999999999999999999999", "0", "-1", "\u00b3"])
def test_huge_or_odd_version_numbers_are_4xx(seller: SellerClient, version):
    pid = seller.create()["product_id"]
    _problem(seller.request("GET", f"/products/{pid}/versions/{version}"), 404, 422)
    _problem(seller.request("GET", f"/products/{pid}/diff?from=1&to={version}"), 404, 422)
    body, json_type = f'{{"version": {version}}}'.encode(), {"content-type": "application/json"}
    rolled = seller.request("POST", f"/products/{pid}/rollback", content=body, headers=json_type)
    _problem(rolled, 422)


@pytest.mark.parametrize("odd", ["2", True, 2.0])
def test_a_whole_number_given_as_text_a_boolean_or_a_float_is_refused_and_changes_nothing(
    client, seller: SellerClient, odd
):
    # a malformed version once rolled a product back (true read as 1), a weight "3" was stored as 3
    created = seller.create(variants=[{"sku": "W-1", "price": 10}])
    pid = created["product_id"]
    seller.request("PATCH", f"/products/{pid}", json={"title": "Renamed"})
    rolled = seller.request("POST", f"/products/{pid}/rollback", json={"version": odd})
    assert _problem(rolled, 422)["errors"][0]["field"] == "version"
    weighed = seller.request(
        "PATCH", f"/products/{pid}", json={"variants": [{"sku": "W-1", "price": 10, "weight_grams": odd}]}
    )
    assert _problem(weighed, 422)["errors"][0]["field"] == "variants[0].weight_grams"
    after = seller.request("GET", f"/products/{pid}").json()
    assert (after["version"], after["title"], after["variants"][0]["weight_grams"]) == (2, "Renamed", None)
    line = {"variant_id": created["variants"][0]["variant_id"], "quantity": 1}
    body = {"owner": "cart", "lines": [line], "ttl_seconds": odd}
    held = client.post("/api/v1/inventory/reservations", json=body, headers=INTERNAL)
    assert _problem(held, 422)["errors"][0]["field"] == "ttl_seconds"


def test_attribute_integers_over_64_bits_are_refused(client, seller: SellerClient):
    big = 1 << 64
    problem = _problem(seller.request("POST", "/products", json=product_body(attributes={"n": big})), 422)
    assert any(e["field"].startswith("attributes") for e in problem["errors"])
    ok = seller.create(attributes={"n": (1 << 63) - 1})
    assert client.get(f"/api/v1/products/{ok['product_id']}").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (product_body(title="bad\x00title"), "title"),
        (product_body(description="a\x00b"), "description"),
        (product_body(brand="\x00"), "brand"),
        (product_body(attributes={"k\x00": "v"}), "attributes"),
        (product_body(attributes={"k": "v\x00"}), "attributes.k"),
        (
            product_body(variants=[{"sku": "A", "price": 1, "attributes": {"size": "4\x002"}}]),
            "variants[0].attributes.size",
        ),
    ],
)
def test_nul_bytes_in_text_are_refused(seller: SellerClient, body, field):
    problem = _problem(seller.request("POST", "/products", json=body), 422)
    assert [e["field"] for e in problem["errors"]] == [field], problem


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidirectional_overrides_in_shown_text_are_refused(client, seller: SellerClient, control):
    """An override reorders what follows it on the page: "\u202e99.0$ tnuocsid" shows as "$0.99 discount"."""
    problem = _problem(seller.request("POST", "/products", json=product_body(title=f"Lamp {control}99.0$")), 422)
    assert problem["errors"][0]["field"] == "title"
    assert f"U+{ord(control):04X}" in problem["errors"][0]["reason"]
    pid = seller.create()["product_id"]
    _problem(client.post(f"/api/v1/products/{pid}/reviews", json={"rating": 5, "body": f"great{control}"}), 422)
    marked = product_body(title="\u05de\u05e0\u05d5\u05e8\u05d4 \u200fLamp", variants=[{"sku": "HE-1", "price": 5}])
    assert seller.request("POST", "/products", json=marked).status_code == 201  # the marks stay allowed


@pytest.mark.parametrize("control", ["\x07", "\x1b", "\x1f", "\x7f", "\x85", "\x99"])
def test_control_characters_in_text_are_refused(client, seller: SellerClient, control):
    """They show as nothing or a box, an escape sequence recolours the terminal of whoever reads the logs, and
    U+001F is what facet keys are joined with."""
    body = product_body(title=f"Lamp{control}[31m", variants=[{"sku": "C-1", "price": 5}])
    problem = _problem(seller.request("POST", "/products", json=body), 422)
    assert problem["errors"][0]["field"] == "title"
    assert f"control characters (U+{ord(control):04X})" in problem["errors"][0]["reason"]
    variant = {"sku": "C-2", "price": 5, "attributes": {"color": f"Red{control}"}}
    problem = _problem(seller.request("POST", "/products", json=product_body(variants=[variant])), 422)
    assert problem["errors"][0]["field"] == "variants[0].attributes.color"
    assert seller.request("GET", "/products").json()["total"] == 0
    spaced = product_body(description="Line one\r\n\tLine two", variants=[{"sku": "C-3", "price": 5}])
    assert seller.request("POST", "/products", json=spaced).status_code == 201  # tabs and line breaks stay


def test_nul_bytes_in_reviews_and_seller_names_are_refused(client, seller: SellerClient):
    pid = seller.create()["product_id"]
    _problem(client.post(f"/api/v1/products/{pid}/reviews", json={"rating": 5, "body": "\x00"}), 422)
    _problem(client.post("/api/v1/sellers", json={"name": "a\x00"}, headers=INTERNAL), 422)


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u200b \u2060", "\u3164", "\u2800\u2800", "\u115f"])
def test_a_name_that_shows_nothing_is_no_seller_name_and_no_review_author(client, seller: SellerClient, invisible):
    problem = _problem(client.post("/api/v1/sellers", json={"name": invisible}, headers=INTERNAL), 422)
    assert problem["errors"][0]["field"] == "name"
    pid = seller.create()["product_id"]
    posted = client.post(f"/api/v1/products/{pid}/reviews", json={"rating": 4, "body": "Fine", "author": invisible})
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"] == "Anonymous"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_attributes_are_refused(seller: SellerClient, number):
    raw = product_body()
    text = __import__("json").dumps(raw).replace('"material": "mesh"', f'"weight": {number}')
    response = seller.request("POST", "/products", content=text, headers={"content-type": "application/json"})
    problem = _problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["attributes.weight"], problem
    assert "finite number" in problem["errors"][0]["reason"]
    assert seller.request("GET", "/products").json()["total"] == 0


@pytest.mark.parametrize(
    ("field", "moment"),
    [
        ("ends_at", "9999-12-31T23:59:59-14:00"),  # year 10000 in UTC: PostgreSQL stores it, psycopg cannot read it
        ("starts_at", "0001-01-01T00:00:00+14:00"),  # year 0 in UTC
        ("starts_at", "1969-12-31T23:59:59Z"),
    ],
)
def test_deal_and_coupon_times_beyond_what_a_reader_can_load_are_422(client, seller: SellerClient, field, moment):
    product_id = seller.create()["product_id"]
    window = {"starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z", field: moment}
    deal = {"scope": "PRODUCT", "target_id": product_id, "kind": "AMOUNT", "value": 1, **window}
    coupon = {"code": "FARFUTURE", "kind": "AMOUNT", "value": 1, **window}
    for path, body in (("/api/v1/pricing/deals", deal), ("/api/v1/pricing/coupons", coupon)):
        answer = seller.client.post(path, json=body, headers=seller.headers)
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert client.get(f"/api/v1/products/{product_id}").status_code == 200


def test_an_inverted_price_range_is_422_not_silently_relaxed(client, seller: SellerClient):
    seller.create(title="Inverted range kettle")
    answer = client.get("/api/v1/products/search", params={"q": "kettle", "price_min": 10, "price_max": 1})
    assert answer.status_code == 422, answer.text[:300]
    assert answer.json()["errors"][0]["field"] == "price_min"
    same = client.get("/api/v1/products/search", params={"q": "kettle", "price_min": 5, "price_max": 5})
    assert same.status_code == 200


@pytest.mark.parametrize("number", ["\u00b3", "\u0663", "\uff13"])
def test_digits_that_are_not_ascii_are_4xx_in_headers_and_forms(client, seller: SellerClient, number):
    """str.isdigit() says yes to each of these; int() refuses "³" and reads "٣" as 3."""
    pid = seller.create()["product_id"]
    as_sent = number.encode("latin-1") if number <= "\u00ff" else number.encode()  # "³" arrives as "³" (latin-1)
    stale = seller.request("PATCH", f"/products/{pid}", json={"title": "Renamed"}, headers={"If-Match": as_sent})
    assert "If-Match" in [e["field"] for e in _problem(stale, 422)["errors"]]
    placed = seller.request(
        "POST",
        f"/products/{pid}/images",
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        data={"position": number},
    )
    assert "position" in [e["field"] for e in _problem(placed, 422)["errors"]]
    for name in ("price_min", "price_max", "rating_min"):
        searched = client.get("/api/v1/products/search", params={name: f"{number}"})
        assert [e["field"] for e in _problem(searched, 422)["errors"]] == [name]


def test_a_page_number_of_any_length_past_the_last_goes_to_the_last_page(client, seller: SellerClient, container):
    seller.create(title="Paged Lantern")
    searchable(container)
    for number in ("999999999", "9" * 30):
        page = client.get(f"/search?q=lantern&page={number}", headers={"accept": "text/html"}, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].endswith("page=1"), number


@pytest.mark.parametrize("number", ["\u00b3", "\u0663", "\uff13", "-1", "1e3"])
def test_odd_page_numbers_in_storefront_urls_show_the_first_page(client, seller: SellerClient, number):
    pid = seller.create(title="Paged Lantern")["product_id"]
    for path in (f"/search?q=lantern&page={number}", f"/p/{pid}?reviews_page={number}", f"/?category={number}"):
        page = client.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200, (path, page.status_code)
