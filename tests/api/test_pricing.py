from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, wait_for_outbox

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
NOW = datetime.now(UTC)
WINDOW = {"starts_at": (NOW - timedelta(hours=1)).isoformat(), "ends_at": (NOW + timedelta(days=2)).isoformat()}


@pytest.fixture
def listed(seller: SellerClient) -> dict:
    product = seller.create(variants=[{"sku": "MUG-1", "price": 20.00}, {"sku": "MUG-2", "price": 30.00}])
    return {"product": product, "variants": [v["variant_id"] for v in product["variants"]]}


def test_a_sellers_deal_shows_on_the_product_page_and_in_search(client, seller: SellerClient, listed, container):
    product_id = listed["product"]["product_id"]
    body = {"scope": "PRODUCT", "target_id": product_id, "kind": "PERCENT", "value": 25, "name": "Mug week", **WINDOW}
    created = client.post("/api/v1/pricing/deals", json=body, headers=seller.headers)
    assert created.status_code == 201, created.text
    page = client.get(f"/api/v1/products/{product_id}").json()
    price = page["variants"][0]["price"]
    assert (price["amount"], price["was"], price["deal"]["name"]) == (15.0, 20.0, "Mug week")
    wait_for_outbox(container)
    result = client.get("/api/v1/products/search", params={"q": "trailblazer"}).json()["results"][0]
    assert result["price"]["amount"] == 15.0 and result["price"]["was"] == 20.0
    assert "Deal" in result["badges"]


def test_a_deal_without_a_name_is_shown_as_a_deal_not_an_empty_badge(client, seller: SellerClient, listed, container):
    product_id = listed["product"]["product_id"]
    body = {"scope": "PRODUCT", "target_id": product_id, "kind": "PERCENT", "value": 10, **WINDOW}
    assert client.post("/api/v1/pricing/deals", json=body, headers=seller.headers).status_code == 201
    wait_for_outbox(container)
    for page in (client.get(f"/p/{product_id}").text, client.get("/search", params={"q": "trailblazer"}).text):
        assert '<span class="badge deal"></span>' not in page
        assert '<span class="badge deal">Deal</span>' in page or 'data-field="deal">Deal</span>' in page


def test_a_deal_retried_with_its_idempotency_key_is_created_once(client, seller: SellerClient, listed):
    product_id = listed["product"]["product_id"]
    body = {"scope": "PRODUCT", "target_id": product_id, "kind": "PERCENT", "value": 10, **WINDOW}
    keyed = {**seller.headers, "Idempotency-Key": "deal-retry-1"}
    answers: list = []

    def post() -> None:
        answers.append(client.post("/api/v1/pricing/deals", json=body, headers=keyed))

    threads = [threading.Thread(target=post) for _ in range(6)]  # a client's retries, racing each other
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["deal_id"] for a in answers}) == 1
    listed_deals = client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"]
    assert [d["deal_id"] for d in listed_deals] == [answers[0].json()["deal_id"]]
    # the same request spelled another way (10.0 for 10, the keys in another order) is the same request
    respelled = dict(reversed([*{**body, "value": 10.0}.items()]))
    again = client.post("/api/v1/pricing/deals", json=respelled, headers=keyed)
    assert again.status_code == 201 and again.json()["deal_id"] == answers[0].json()["deal_id"], again.text
    other = client.post("/api/v1/pricing/deals", json={**body, "value": 20}, headers=keyed)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    unkeyed = client.post("/api/v1/pricing/deals", json=body, headers=seller.headers)
    assert unkeyed.status_code == 201 and unkeyed.json()["deal_id"] != answers[0].json()["deal_id"]


def test_the_best_deal_wins(client, seller: SellerClient, listed):
    product_id = listed["product"]["product_id"]
    for kind, value in (("PERCENT", 10), ("AMOUNT", 5)):
        body = {"scope": "PRODUCT", "target_id": product_id, "kind": kind, "value": value, **WINDOW}
        client.post("/api/v1/pricing/deals", json=body, headers=seller.headers)
    body = {"scope": "SELLER", "target_id": seller.id, "kind": "PERCENT", "value": 20, **WINDOW}
    client.post("/api/v1/pricing/deals", json=body, headers=INTERNAL)
    prices = [v["price"]["amount"] for v in client.get(f"/api/v1/products/{product_id}").json()["variants"]]
    assert prices == [15.0, 24.0]  # 20.00: $5 off (15) beats 20% (16) and 10% (18); 30.00: 20% (24) beats 25 and 27


def test_an_amount_off_never_takes_more_than_a_percentage_may(client, seller: SellerClient, listed):
    product_id = listed["product"]["product_id"]
    too_much = {"scope": "PRODUCT", "target_id": product_id, "kind": "AMOUNT", "value": 500, **WINDOW}
    refused = client.post("/api/v1/pricing/deals", json=too_much, headers=seller.headers)
    assert refused.status_code == 422
    assert (
        refused.json()["errors"][0]["field"] == "value" and "the highest is 30" in refused.json()["errors"][0]["reason"]
    )

    # $25 off the whole seller: fits the $30 mug (90% of it is 27), not the $20 one (18), which keeps its price
    body = {"scope": "SELLER", "target_id": seller.id, "kind": "AMOUNT", "value": 25, **WINDOW}
    created = client.post("/api/v1/pricing/deals", json=body, headers=INTERNAL)
    assert created.status_code == 201 and created.json()["applies_from"] == 27.78  # says which prices it skips
    prices = [v["price"]["amount"] for v in client.get(f"/api/v1/products/{product_id}").json()["variants"]]
    assert prices == [20.0, 5.0]


def test_a_platform_deal_for_a_seller_that_does_not_exist_is_refused(client):
    body = {"scope": "SELLER", "target_id": "999", "kind": "PERCENT", "value": 10, **WINDOW}
    refused = client.post("/api/v1/pricing/deals", json=body, headers=INTERNAL)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "target_id"


def test_a_deleted_product_is_not_discounted(client, seller: SellerClient, listed):
    product_id = listed["product"]["product_id"]
    seller.request("DELETE", f"/products/{product_id}")
    body = {"scope": "PRODUCT", "target_id": product_id, "kind": "PERCENT", "value": 10, **WINDOW}
    refused = client.post("/api/v1/pricing/deals", json=body, headers=seller.headers)
    assert refused.status_code == 409, refused.text
    assert "restore it" in refused.json()["detail"]
    assert client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"] == []


def test_a_deal_that_would_take_nothing_off_once_rounded_is_refused(client, seller: SellerClient):
    nickel = seller.create(title="Sticker", variants=[{"sku": "ST-5C", "price": 0.05}])
    body = {"scope": "PRODUCT", "target_id": nickel["product_id"], "kind": "PERCENT", "value": 5, **WINDOW}
    refused = client.post("/api/v1/pricing/deals", json=body, headers=seller.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "value", refused.text
    assert "rounded to the cent" in refused.json()["errors"][0]["reason"]


def test_a_seller_may_not_discount_someone_elses_product(client, listed, other_seller: SellerClient):
    body = {"scope": "PRODUCT", "target_id": listed["product"]["product_id"], "kind": "PERCENT", "value": 50, **WINDOW}
    refused = client.post("/api/v1/pricing/deals", json=body, headers=other_seller.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "target_id", refused.text
    made_up = client.post("/api/v1/pricing/deals", json=body | {"target_id": "123"}, headers=other_seller.headers)
    assert made_up.status_code == 422 and made_up.json()["detail"] == refused.json()["detail"].replace(
        body["target_id"], "123"
    )
    body = {"scope": "SELLER", "target_id": listed["product"]["seller_id"], "kind": "PERCENT", "value": 50, **WINDOW}
    assert client.post("/api/v1/pricing/deals", json=body, headers=other_seller.headers).status_code == 422
    assert client.post("/api/v1/pricing/deals", json=body).status_code == 401


def test_quote_with_a_coupon(client, listed):
    coupon = {"code": "welcome10", "kind": "PERCENT", "value": 10, "min_spend": 50, "usage_limit": 100, **WINDOW}
    assert client.post("/api/v1/pricing/coupons", json=coupon, headers=INTERNAL).json()["code"] == "WELCOME10"
    lines = [{"variant_id": listed["variants"][0], "quantity": 2}, {"variant_id": listed["variants"][1], "quantity": 1}]
    quote = client.post("/api/v1/pricing/quote", json={"lines": lines, "coupon": "WELCOME10"}).json()
    assert (quote["subtotal"], quote["coupon_savings"], quote["total"]) == (70.0, 7.0, 63.0)
    assert [line["final"] for line in quote["lines"]] == [36.0, 27.0]
    assert quote["lines"][0]["coupon_discount"] == 4.0
    too_small = client.post("/api/v1/pricing/quote", json={"lines": lines[:1], "coupon": "WELCOME10"})
    assert too_small.status_code == 422
    assert too_small.json()["errors"] == [
        {"field": "coupon", "reason": "needs a spend of at least 50.00 on covered items"}
    ]
    unknown = client.post("/api/v1/pricing/quote", json={"lines": lines, "coupon": "NOPE123"})
    assert (
        unknown.status_code == 422
        and "is no code of this store or of the sellers of these items" in unknown.json()["detail"]
    )
    malformed = client.post("/api/v1/pricing/quote", json={"lines": lines, "coupon": "' OR 1=1--"})
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "coupon"  # the field sent


def test_redeeming_is_idempotent_per_order_and_the_limit_holds_under_concurrency(client, listed):
    coupon = {"code": "FLASH", "kind": "AMOUNT", "value": 5, "usage_limit": 10, **WINDOW}
    client.post("/api/v1/pricing/coupons", json=coupon, headers=INTERNAL)
    first = client.post("/api/v1/pricing/coupons/FLASH/redeem", json={"order_id": "o-1"}, headers=INTERNAL).json()
    again = client.post("/api/v1/pricing/coupons/FLASH/redeem", json={"order_id": "o-1"}, headers=INTERNAL).json()
    assert (first["repeat"], again["repeat"]) == (False, True)
    # the id as order confirmations take it: a retry with a stray space is the same order; a blank one is none
    spaced = client.post("/api/v1/pricing/coupons/FLASH/redeem", json={"order_id": " o-1 "}, headers=INTERNAL)
    assert spaced.json()["repeat"] is True and spaced.json()["order_id"] == "o-1", spaced.text
    blank = client.post("/api/v1/pricing/coupons/FLASH/redeem", json={"order_id": "   "}, headers=INTERNAL)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "order_id", blank.text
    statuses: list[int] = []

    def redeem(order: int) -> None:
        response = client.post(
            "/api/v1/pricing/coupons/FLASH/redeem", json={"order_id": f"o-{order}"}, headers=INTERNAL
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(100, 140)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 9 and statuses.count(409) == 31  # 10 uses: o-1 took one
    lines = [{"variant_id": listed["variants"][0], "quantity": 1}]
    used_up = client.post("/api/v1/pricing/quote", json={"lines": lines, "coupon": "FLASH"})
    assert used_up.status_code == 422 and "used up" in used_up.json()["detail"]


def test_an_order_that_spent_a_coupon_is_told_so_after_the_coupon_ends(client, listed):
    ends = datetime.now(UTC) + timedelta(seconds=1.5)
    coupon = {"code": "LASTCALL", "kind": "AMOUNT", "value": 5, "starts_at": WINDOW["starts_at"]}
    created = client.post("/api/v1/pricing/coupons", json={**coupon, "ends_at": ends.isoformat()}, headers=INTERNAL)
    assert created.status_code == 201, created.text
    path = "/api/v1/pricing/coupons/LASTCALL/redeem"
    assert client.post(path, json={"order_id": "o-in-time"}, headers=INTERNAL).json()["repeat"] is False
    time.sleep(max((ends - datetime.now(UTC)).total_seconds(), 0) + 0.1)
    retried = client.post(path, json={"order_id": "o-in-time"}, headers=INTERNAL)
    assert retried.status_code == 200 and retried.json()["repeat"] is True  # a checkout's retry: spent, not refused
    late = client.post(path, json={"order_id": "o-late"}, headers=INTERNAL)
    assert late.status_code == 409 and "not valid now" in late.json()["detail"]
    again = client.post(path, json={"order_id": "o-late"}, headers=INTERNAL)
    assert again.status_code == 409  # the refused use was not recorded


def test_a_longest_code_pasted_with_spaces_around_it_is_the_code_everywhere(client, listed):
    code = "M" * 32
    coupon = {"code": f"  {code.lower()} ", "kind": "PERCENT", "value": 10, **WINDOW}
    assert client.post("/api/v1/pricing/coupons", json=coupon, headers=INTERNAL).json()["code"] == code
    lines = [{"variant_id": listed["variants"][0], "quantity": 1}]
    quote = client.post("/api/v1/pricing/quote", json={"lines": lines, "coupon": f" {code} "})
    assert quote.status_code == 200 and quote.json()["coupon"] == code
    too_long = client.post("/api/v1/pricing/quote", json={"lines": lines, "coupon": f" {code}M "})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "coupon"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "AMOUNT", "value": "5"}, "value"),
        ({"kind": "AMOUNT", "value": 5.001}, "value"),
        ({"kind": "AMOUNT", "value": -5}, "value"),
        ({"kind": "PERCENT", "value": 120}, "value"),
        ({"kind": "BOGUS", "value": 5}, "kind"),
        ({"kind": "AMOUNT", "value": 5, "starts_at": "yesterday"}, "starts_at"),
        ({"kind": "AMOUNT", "value": 5, "ends_at": (NOW - timedelta(days=9)).isoformat()}, "ends_at"),
        ({"kind": "AMOUNT", "value": 5, "code": "x"}, "code"),
        ({"kind": "AMOUNT", "value": 5, "code": "X" * 33}, "code"),
        ({"kind": "AMOUNT", "value": 5, "code": "X" * 65}, "code"),
        ({"kind": "AMOUNT", "value": 5, "usage_limit": 0}, "usage_limit"),
    ],
)
def test_malformed_coupons_are_422_naming_the_field(client, body, field):
    coupon = {"code": "GOOD1", **WINDOW, **body}
    response = client.post("/api/v1/pricing/coupons", json=coupon, headers=INTERNAL)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_a_deal_or_coupon_that_has_already_ended_is_refused(client, seller: SellerClient, listed):
    """It would never apply, and the list of running and upcoming deals would never show it."""
    over = {"starts_at": (NOW - timedelta(days=3)).isoformat(), "ends_at": (NOW - timedelta(days=2)).isoformat()}
    deal = {"scope": "PRODUCT", "target_id": listed["product"]["product_id"], "kind": "PERCENT", "value": 10, **over}
    coupon = {"code": "EXPIRED", "kind": "AMOUNT", "value": 5, **over}
    for path, body in (("/api/v1/pricing/deals", deal), ("/api/v1/pricing/coupons", coupon)):
        refused = client.post(path, json=body, headers=seller.headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"] == [{"field": "ends_at", "reason": "must be in the future"}]
    assert client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"] == []


def test_a_deal_or_coupon_dated_by_a_number_is_refused_as_the_document_says(client, seller: SellerClient, listed):
    """The document says date-time text; a number would be read as seconds since 1970, which no one writing
    4102444800 may have meant."""
    deal = {"scope": "PRODUCT", "target_id": listed["product"]["product_id"], "kind": "PERCENT", "value": 10, **WINDOW}
    coupon = {"code": "NUMBERED", "kind": "AMOUNT", "value": 5, **WINDOW}
    for path, body in (("/api/v1/pricing/deals", deal), ("/api/v1/pricing/coupons", coupon)):
        for ends_at in (4102444800, "4102444800"):
            refused = client.post(path, json={**body, "ends_at": ends_at}, headers=seller.headers)
            assert refused.status_code == 422, refused.text
            [error] = refused.json()["errors"]
            assert error["field"] == "ends_at" and "ISO 8601" in error["reason"]
    assert client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"] == []


def test_a_minimum_spend_is_an_amount_that_may_be_zero(client):
    coupon = {"code": "NOMIN", "kind": "PERCENT", "value": 10, **WINDOW}
    refused = client.post("/api/v1/pricing/coupons", json={**coupon, "min_spend": -1}, headers=INTERNAL)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "min_spend", "reason": "must not be negative"}]
    assert client.post("/api/v1/pricing/coupons", json={**coupon, "min_spend": 0}, headers=INTERNAL).status_code == 201
    described = client.get("/openapi.json").json()["components"]["schemas"]["CouponIn"]["properties"]["min_spend"]
    assert "amount" in described["description"] and "percentage" not in described["description"]


def test_quote_refuses_unknown_variants_and_bad_quantities(client, listed):
    lines = [{"variant_id": listed["variants"][0], "quantity": 1}, {"variant_id": "123", "quantity": 1}]
    unknown = client.post("/api/v1/pricing/quote", json={"lines": lines})
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == [{"field": "lines[1].variant_id", "reason": "No variant with id 123."}]
    bad = client.post("/api/v1/pricing/quote", json={"lines": [{"variant_id": listed["variants"][0], "quantity": -2}]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lines[0].quantity"


def test_a_seller_lists_its_deals_and_ends_one_and_the_price_goes_back(client, seller, listed, other_seller, container):
    product_id = listed["product"]["product_id"]
    body = {"scope": "PRODUCT", "target_id": product_id, "kind": "PERCENT", "value": 50, "name": "Oops", **WINDOW}
    deal = client.post("/api/v1/pricing/deals", json=body, headers=seller.headers).json()
    wait_for_outbox(container)
    assert (
        client.get("/api/v1/products/search", params={"q": "trailblazer"}).json()["results"][0]["price"]["amount"]
        == 10.0
    )

    assert [d["deal_id"] for d in client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"]] == [
        deal["deal_id"]
    ]
    assert client.get("/api/v1/pricing/deals", headers=other_seller.headers).json()["deals"] == []
    assert client.delete(f"/api/v1/pricing/deals/{deal['deal_id']}", headers=other_seller.headers).status_code == 404

    ended = client.delete(f"/api/v1/pricing/deals/{deal['deal_id']}", headers=seller.headers)
    assert ended.status_code == 200 and ended.json()["ends_at"] < WINDOW["ends_at"]
    assert client.get(f"/api/v1/products/{product_id}").json()["variants"][0]["price"]["amount"] == 20.0
    wait_for_outbox(container)
    assert (
        client.get("/api/v1/products/search", params={"q": "trailblazer"}).json()["results"][0]["price"]["amount"]
        == 20.0
    )
    assert client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"] == []
    again = client.delete(f"/api/v1/pricing/deals/{deal['deal_id']}", headers=seller.headers)
    assert again.status_code == 409 and "already ended" in again.json()["detail"]


def test_a_deal_to_come_that_is_ended_never_starts_and_keeps_a_whole_window(client, seller, listed):
    starts = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    ends = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    body = {"scope": "PRODUCT", "target_id": listed["product"]["product_id"], "kind": "PERCENT", "value": 10}
    deal = client.post(
        "/api/v1/pricing/deals", json={**body, "starts_at": starts, "ends_at": ends}, headers=seller.headers
    )
    ended = client.delete(f"/api/v1/pricing/deals/{deal.json()['deal_id']}", headers=seller.headers).json()
    assert datetime.fromisoformat(ended["ends_at"]) == datetime.fromisoformat(ended["starts_at"])  # not before it
    assert client.get("/api/v1/pricing/deals", headers=seller.headers).json()["deals"] == []
    again = client.delete(f"/api/v1/pricing/deals/{deal.json()['deal_id']}", headers=seller.headers)
    assert again.status_code == 409 and "cancelled before it started" in again.json()["detail"], again.text


def test_a_sellers_code_redeemed_without_its_seller_says_so(client, seller: SellerClient, listed):
    coupon = {"code": "SHOP5", "kind": "AMOUNT", "value": 5, **WINDOW}
    assert client.post("/api/v1/pricing/coupons", json=coupon, headers=seller.headers).status_code == 201
    refused = client.post("/api/v1/pricing/coupons/SHOP5/redeem", json={"order_id": "o-1"}, headers=INTERNAL)
    assert refused.status_code == 409
    assert "is no platform code; a seller's code is redeemed with its seller_id" in refused.json()["detail"]
    with_seller = {"order_id": "o-1", "seller_id": seller.id}
    redeemed = client.post("/api/v1/pricing/coupons/SHOP5/redeem", json=with_seller, headers=INTERNAL)
    assert redeemed.status_code == 200, redeemed.text


def test_redeeming_a_code_that_does_not_exist_is_404(client, seller: SellerClient):
    unknown = client.post("/api/v1/pricing/coupons/NOPE/redeem", json={"order_id": "o-1"}, headers=INTERNAL)
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["detail"], unknown.text
    not_theirs = {"order_id": "o-1", "seller_id": seller.id}
    unknown = client.post("/api/v1/pricing/coupons/NOPE/redeem", json=not_theirs, headers=INTERNAL)
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["detail"], unknown.text
