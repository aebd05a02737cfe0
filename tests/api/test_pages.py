"""The storefront and seller portal pages over HTTP (no browser): status codes, weight, sessions and CSRF."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, category_id, searchable, wait_for_outbox

PAGE_BUDGET_BYTES = 100 * 1024  # HTML + CSS + JS of one page, before images


@pytest.fixture
def listed(client: TestClient, seller: SellerClient, container) -> dict:
    product = seller.create()
    wait_for_outbox(container)
    return product


def page_weight(client: TestClient, path: str) -> int:
    """The page's HTML plus every stylesheet and script it links, as a browser would fetch them."""
    response = client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200, (path, response.status_code)
    html = response.text
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(r'<script src="([^"]+)"', html)
    weight = len(response.content)
    for asset in assets:
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        weight += len(fetched.content)
    return weight


def test_no_page_weighs_over_100_kb_before_images(client, seller, listed):
    client.cookies.clear()
    pages = ["/", "/search?q=trailblazer", f"/p/{listed['product_id']}", "/seller", "/search?q=nothing-matches-this"]
    for path in pages:
        assert page_weight(client, path) <= PAGE_BUDGET_BYTES, path


def test_pages_answer_html_and_the_api_keeps_problem_json(client, listed):
    html = client.get("/p/999999", headers={"accept": "text/html"})
    assert html.status_code == 404 and "text/html" in html.headers["content-type"]
    assert "Page not found" in html.text
    assert client.get("/p/not-an-id", headers={"accept": "text/html"}).status_code == 404
    api = client.get("/api/v1/products/999999", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"


def test_malformed_search_parameters_are_named_not_fatal(client, listed):
    response = client.get("/search?q=trailblazer&price_min=abc&rating_min=9&page=-3")
    assert response.status_code == 200
    assert "Ignored: price min “abc” is not a price" in response.text
    assert "Trailblazer Running Shoe" in response.text


def test_a_filter_read_from_the_text_is_a_chip_that_removes_it(client, listed):
    page = client.get("/search", params={"q": "trailblazer under $100"}).text
    chip = re.search(r'<a class="chip" href="([^"]+)" aria-label="Remove filter Under \$100"', page)
    assert chip is not None, page
    removed = client.get(chip.group(1).replace("&amp;", "&")).text
    assert "Remove filter Under $100" not in removed and "Trailblazer Running Shoe" in removed


def test_a_price_bound_from_the_words_keeps_its_chip_beside_the_forms_other_bound(client, listed):
    page = client.get("/search", params={"q": "trailblazer under $100", "price_min": "20"}).text
    assert 'aria-label="Remove filter $20 and up"' in page
    chip = re.search(r'<a class="chip" href="([^"]+)" aria-label="Remove filter Under \$100"', page)
    assert chip is not None, page  # still in force: the results are capped at $100
    removed = client.get(chip.group(1).replace("&amp;", "&")).text
    assert "Remove filter Under $100" not in removed and 'aria-label="Remove filter $20 and up"' in removed


def test_a_price_range_chosen_replaces_the_price_the_words_set(client, listed):
    page = client.get("/search", params={"q": "trailblazer under $100"}).text
    ranges = [html.unescape(link) for link in re.findall(r'href="([^"]*price_m(?:in|ax)=[^"]*)"', page)]
    assert ranges and not [link for link in ranges if "under" in link]  # else the heading still says "under $100"
    chosen = client.get(ranges[0]).text
    assert "Trailblazer Running Shoe" in chosen and "under $100" not in chosen.lower()


def test_filters_that_leave_nothing_say_so_and_keep_their_chips(client, listed):
    page = client.get("/search", params={"q": "trailblazer", "price_max": "1"}).text
    assert "Nothing matches all the filters above" in page
    assert 'aria-label="Remove filter Under $1"' in page
    assert "Trailblazer Running Shoe" not in page  # the price filter was kept, not relaxed away
    nothing = client.get("/search", params={"q": "zzxqv"}).text
    assert "Nothing matched. Check the spelling" in nothing  # one word: fewer is none
    assert "Nothing matched. Try fewer words" in client.get("/search", params={"q": "zzxqv qqvzx"}).text
    assert "<h2>Customer rating</h2>" not in nothing and "<h2>Price</h2>" not in nothing  # no empty facet boxes


def test_docs_are_served_from_local_assets(client):
    page = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert assets and all(a.startswith("/static/") for a in assets)
    assert all(client.get(a).status_code == 200 for a in assets)


def sign_in(client: TestClient, key: str):
    client.get("/seller")
    token = client.cookies["aisle_csrf"]
    return client.post("/seller/sign-in", data={"api_key": key, "csrf_token": token}, follow_redirects=False)


def edit_form(client: TestClient, **fields: object) -> dict:
    """The portal editor's form for the product ``seller.create()`` makes, opened at version 1, with ``fields``
    changed."""
    return {
        "csrf_token": client.cookies["aisle_csrf"],
        "version": "1",
        "title": "Trailblazer Running Shoe",
        "status": "ACTIVE",
        "v_sku": ["TB-42-BLK", "TB-43-BLK"],
        "v_price": ["89.99", "89.99"],
        "v_compare": ["119.99", ""],
        "v_attrs": ["size=42; color=black", "size=43; color=black"],
        **fields,
    }


def test_sign_in_sets_a_strict_http_only_session_that_never_holds_the_key(client, seller):
    key = seller.headers["Authorization"].removeprefix("Bearer ")
    response = sign_in(client, key)
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("aisle_seller="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert key not in cookie
    listing = client.get("/seller/products")
    assert "Acme Outdoor" in listing.text and key not in listing.text


def test_a_wrong_key_or_a_missing_csrf_token_is_refused(client, seller):
    assert sign_in(client, "aisle_sk_wrong").status_code == 401
    key = seller.headers["Authorization"].removeprefix("Bearer ")
    no_token = client.post("/seller/sign-in", data={"api_key": key}, follow_redirects=False)
    assert no_token.status_code == 403
    assert sign_in(client, key).status_code == 303
    forged = client.post("/seller/products/new", data={"title": "X", "csrf_token": "forged"})
    assert forged.status_code == 403


def test_a_forged_session_cookie_signs_nobody_in(client, seller):
    client.cookies.set("aisle_seller", f"{seller.id}.{'a' * 12}.9999999999.{'0' * 64}", path="/seller")
    response = client.get("/seller/products", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/seller?next=%2Fseller%2Fproducts&ended=1"
    assert "Your session has ended" in client.get(response.headers["location"]).text


def test_revoking_or_rotating_the_key_signed_in_with_ends_the_portal_session(client, seller):
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    key = seller.headers["Authorization"].removeprefix("Bearer ")
    assert sign_in(client, key).status_code == 303
    rotated = client.post(f"/api/v1/sellers/{seller.id}/keys", headers=internal)
    assert rotated.status_code == 201, rotated.text  # the old key stops working: so does its session
    assert (
        client.get("/seller/products", follow_redirects=False).headers["location"]
        == "/seller?next=%2Fseller%2Fproducts&ended=1"
    )
    assert sign_in(client, rotated.json()["api_key"]).status_code == 303
    assert client.get("/seller/products").status_code == 200
    key_id = rotated.json()["key_id"]
    assert client.delete(f"/api/v1/sellers/{seller.id}/keys/{key_id}", headers=internal).status_code == 200
    response = client.get("/seller/products", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/seller?next=%2Fseller%2Fproducts&ended=1"


def test_a_form_sent_after_the_session_expired_says_it_was_not_saved_and_leads_back_to_its_page(client, seller):
    product_id = seller.create()["product_id"]
    key = seller.headers["Authorization"].removeprefix("Bearer ")
    assert sign_in(client, key).status_code == 303
    editor = f"http://testserver/seller/products/{product_id}"
    client.cookies.delete("aisle_seller", path="/seller")  # an expired cookie: the browser no longer sends it
    form = {"csrf_token": client.cookies["aisle_csrf"], "title": "Typed in vain"}
    sent = client.post(f"/seller/products/{product_id}", data=form, headers={"referer": editor}, follow_redirects=False)
    assert sent.headers["location"] == f"/seller?next=%2Fseller%2Fproducts%2F{product_id}&unsaved=1"
    assert "what you just sent was not saved" in client.get(sent.headers["location"]).text
    token = client.cookies["aisle_csrf"]
    signed = client.post(
        "/seller/sign-in",
        data={"api_key": key, "csrf_token": token, "next": f"/seller/products/{product_id}"},
        follow_redirects=False,
    )
    assert signed.headers["location"] == f"/seller/products/{product_id}"  # back at the editor
    elsewhere = {"referer": f"https://evil.example/seller/products/{product_id}"}
    client.cookies.delete("aisle_seller", path="/seller")
    sent = client.post(f"/seller/products/{product_id}", data=form, headers=elsewhere, follow_redirects=False)
    assert sent.headers["location"] == "/seller?unsaved=1"  # another site's page is no way back


def test_signing_in_goes_on_to_the_portal_page_asked_for_and_never_to_another_site(client, seller):
    product_id = seller.create()["product_id"]
    asked = client.get(f"/seller/products/{product_id}/versions", follow_redirects=False)
    assert asked.headers["location"] == f"/seller?next=%2Fseller%2Fproducts%2F{product_id}%2Fversions"
    assert 'name="next" value="/seller/products/' in client.get(asked.headers["location"]).text
    key = seller.headers["Authorization"].removeprefix("Bearer ")
    for target, lands in (
        (f"/seller/products/{product_id}/versions", f"/seller/products/{product_id}/versions"),
        ("//evil.example/seller/", "/seller/products"),
        ("https://evil.example", "/seller/products"),
        ("/seller/../search?q=x", "/seller/products"),  # outside the portal by a dot segment
        ("/seller/%2e%2e/search", "/seller/products"),  # which browsers read in %2e%2e too
    ):
        client.cookies.clear()
        client.get("/seller")
        form = {"api_key": key, "csrf_token": client.cookies["aisle_csrf"], "next": target}
        signed = client.post("/seller/sign-in", data=form, follow_redirects=False)
        assert (signed.status_code, signed.headers["location"]) == (303, lands), target


def test_the_portal_list_says_when_a_filter_matches_none_of_the_sellers_products(client, seller):
    seller.create()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    page = client.get("/seller/products", params={"q": "no such thing", "status": "INACTIVE"}).text
    assert "None of your products matches “no such thing” with status INACTIVE" in page
    assert "No products here yet" not in page
    assert "Trailblazer Running Shoe" in client.get("/seller/products").text


def test_more_variant_rows_keep_what_was_typed_and_save_nothing(client, seller):
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "title": "Tent",
        "status": "DRAFT",
        "v_sku": ["TENT-1", "TENT-2", "TENT-3"],
        "v_price": ["99", "109", "119"],
        "v_compare": ["", "", ""],
        "v_attrs": ["size=S", "size=M", "size=L"],
        "more_rows": "1",
    }
    more = client.post("/seller/products/new", data=form)
    assert more.status_code == 200 and 'value="TENT-3"' in more.text and 'value="Tent"' in more.text
    assert more.text.count('name="v_sku"') == 3 + 5
    assert seller.request("GET", "/products").json()["total"] == 0


def test_more_rows_and_a_refused_save_keep_the_version_the_form_was_opened_at(client, seller):
    product = seller.create()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = edit_form(client)
    assert (
        seller.request("PATCH", f"/products/{product['product_id']}", json={"title": "Changed elsewhere"}).status_code
        == 200
    )
    url = f"/seller/products/{product['product_id']}"
    more = client.post(url, data={**form, "more_rows": "1"})
    assert 'name="version" value="1"' in more.text  # still the version it was opened at, not 2
    refused = client.post(url, data={**form, "v_price": ["-1", "89.99"]})
    assert refused.status_code == 422 and 'name="version" value="1"' in refused.text
    stale = client.post(url, data=form)
    assert stale.status_code == 412  # the change made meanwhile is not overwritten unseen
    assert seller.request("GET", f"/products/{product['product_id']}").json()["title"] == "Changed elsewhere"


def test_the_portal_form_reports_each_bad_field(client, seller):
    key = seller.headers["Authorization"].removeprefix("Bearer ")
    sign_in(client, key)
    token = client.cookies["aisle_csrf"]
    form = {
        "csrf_token": token,
        "title": "Tent",
        "status": "ACTIVE",
        "category": "No > Such",
        "v_sku": ["bad sku!", ""],
        "v_price": ["-3", ""],
        "v_compare": ["", ""],
        "v_attrs": ["size", ""],
        "images": "https://img.example/a.jpg\njavascript:alert(1)",
    }
    response = client.post("/seller/products/new", data=form)
    assert response.status_code == 422
    assert 'aria-describedby="err-images"' in response.text and "line 2:" in response.text  # the bad link named
    for named in ("Category:", "Variant 1 options:", "Variant 1 SKU:", "Variant 1 price:"):
        assert named in response.text, named
    assert "variants[0]" not in response.text and "String should" not in response.text  # the form's words
    # each field in error says so and points at its reason; its name stays the label's words alone
    page = response.text
    assert 'aria-invalid="true" aria-describedby="err-category"' in page and 'id="err-category"' in page
    assert 'aria-describedby="err-variants-0-price"' in page and 'id="err-variants-0-price"' in page
    assert 'aria-labelledby="lbl-category"' in page


def test_a_review_form_error_is_tied_to_its_field(client, seller):
    made = seller.create()
    response = client.post(f"/p/{made['product_id']}/reviews", data={"rating": "5", "title": "", "body": " "})
    assert response.status_code == 422
    assert '<fieldset class="rate">' in response.text  # the rating was fine
    assert 'aria-invalid="true" aria-describedby="rv-err-body"' in response.text
    assert 'id="rv-err-body">a review needs a title or a body<' in response.text


def test_a_review_that_would_show_reordered_is_refused_on_the_page_as_through_the_api(client, seller):
    made = seller.create()
    for field in ("title", "body", "author"):
        form = {"rating": "5", "title": "Great", "body": "Fits well", "author": "Sam", field: "\u202eAdmin"}
        response = client.post(f"/p/{made['product_id']}/reviews", data=form)
        assert response.status_code == 422, field
        assert f'id="rv-err-{field}">must not contain bidirectional override characters (U+202E)<' in response.text
    assert client.get(f"/api/v1/products/{made['product_id']}/reviews").json()["total"] == 0


def test_a_thumbnail_is_a_link_that_opens_the_page_on_its_picture_without_javascript(client, seller):
    links = ["https://img.example/front.jpg", "https://img.example/back.jpg"]
    made = seller.create(images=links)
    first = client.get(f"/p/{made['product_id']}").text
    assert "front.jpg" in re.search(r'<div class="main-img">(.*?)</div>', first, re.S).group(1)
    thumb = re.search(r'<a class="thumb" href="([^"]+)" data-index="1"', first)
    assert thumb is not None, first
    second = client.get(html.unescape(thumb.group(1))).text
    assert "back.jpg" in re.search(r'<div class="main-img">(.*?)</div>', second, re.S).group(1)
    odd = client.get(f"/p/{made['product_id']}", params={"picture": "99"})
    assert odd.status_code == 200 and "front.jpg" in re.search(
        r'<div class="main-img">(.*?)</div>', odd.text, re.S
    ).group(1)


def test_a_review_posted_from_a_variant_comes_back_to_that_variant(client, seller):
    made = seller.create()  # two variants: TB-42-BLK (shown first) and TB-43-BLK
    second = made["variants"][1]["variant_id"]
    page = client.get(f"/p/{made['product_id']}", params={"variant": second}).text
    assert f'action="/p/{made["product_id"]}/reviews?variant={second}#reviews"' in page
    refused = client.post(f"/p/{made['product_id']}/reviews?variant={second}", data={"rating": "5", "body": " "})
    assert refused.status_code == 422 and 'data-field="sku">TB-43-BLK<' in refused.text
    posted = client.post(
        f"/p/{made['product_id']}/reviews?variant={second}",
        data={"rating": "5", "body": "Fits"},
        follow_redirects=False,
    )
    assert posted.headers["location"] == f"/p/{made['product_id']}?variant={second}&reviewed=1#reviews"
    thanks = "Thank you! Your review is published."
    assert thanks in client.get(posted.headers["location"]).text
    assert thanks not in client.get(posted.headers["location"]).text  # a reload: thanked once
    stranger = TestClient(client.app)
    assert thanks not in stranger.get(posted.headers["location"]).text  # the link, opened by anyone else


def test_the_portal_refuses_a_decimal_comma_and_names_real_categories(client, seller, container):
    category_id(container, ["Audio", "Headphones"])
    container.categories.forget()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "title": "Studio Headphones",
        "status": "ACTIVE",
        "category": "Electronics > Headphones",
        "v_sku": ["SH-1"],
        "v_price": ["12,50"],  # read as thousands, it was $1,250.00
        "v_compare": ["1,250.00"],  # a thousands comma is still read as one
        "v_attrs": [""],
    }
    refused = client.post("/seller/products/new", data=form)
    assert refused.status_code == 422
    said = html.unescape(refused.text)
    assert "write cents with a dot (12.50)" in said
    assert "pick one of the store's categories, such as Audio > Headphones" in said
    assert '<option value="Audio &gt; Headphones">' in refused.text  # the field offers every path

    saved = client.post("/seller/products/new", data={**form, "v_price": ["12.50"], "category": "Audio > Headphones"})
    assert saved.status_code == 200, saved.text[-500:]
    [product] = [p for p in seller.request("GET", "/products").json()["items"] if p["title"] == "Studio Headphones"]
    assert product["variants"][0]["price"] == 12.5 and product["variants"][0]["compare_price"] == 1250.0


def test_a_shoppers_decimal_comma_is_a_decimal_point(client, listed):
    page = client.get("/search", params={"q": "", "price_min": "20,5"}, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert 'aria-label="Remove filter $20.50 and up"' in page.text  # was "$205 and up", then "$20 and up"


def test_a_signed_notice_shows_only_on_the_page_and_to_the_seller_it_was_signed_for(client, seller, other_seller):
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    warehouse = {"warehouse_id": "east-1", "name": "East", "region": "us-east"}
    assert client.post("/api/v1/warehouses", json=warehouse, headers=internal).status_code == 201
    mine, also_mine = seller.create(), seller.create(variants=[{"sku": "OTHER-1", "price": 10}])
    theirs = other_seller.create()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "variant_id": mine["variants"][0]["variant_id"],
        "warehouse_id": "east-1",
        "operation": "RESTOCK",
        "quantity": "Account suspended, call us",  # repeated in the refusal the portal signs
    }
    refused = client.post(f"/seller/products/{mine['product_id']}/stock", data=form, follow_redirects=False)
    query = refused.headers["location"].split("?", 1)[1]
    assert "Account suspended" in client.get(refused.headers["location"]).text
    assert "Account suspended" not in client.get(f"/seller/products/{also_mine['product_id']}/stock?{query}").text
    client.cookies.clear()
    sign_in(client, other_seller.headers["Authorization"].removeprefix("Bearer "))
    assert "Account suspended" not in client.get(f"/seller/products/{theirs['product_id']}/stock?{query}").text


def test_the_stock_page_restocks_a_warehouse_and_charts_the_price_history(client, seller):
    product = seller.create()
    changed = product_body_with_price(product, 79.99)
    assert seller.request("PUT", f"/products/{product['product_id']}", json=changed).status_code == 200
    warehouse = {"warehouse_id": "east-1", "name": "East", "region": "us-east"}
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    assert client.post("/api/v1/warehouses", json=warehouse, headers=internal).status_code == 201
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    variant_id = product["variants"][0]["variant_id"]
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "variant_id": variant_id,
        "warehouse_id": "east-1",
        "operation": "RESTOCK",
        "quantity": "7",
    }
    stock_url = f"/seller/products/{product['product_id']}/stock"
    assert client.post(stock_url, data=form, follow_redirects=False).status_code == 303
    assert client.post(stock_url, data=form, follow_redirects=False).status_code == 303
    saved = client.post(stock_url, data=form)
    assert "Restock of TB-42-BLK saved." in saved.text
    forged = client.get(stock_url, params={"error": "Your account is suspended: sign in at evil.example"}).text
    assert "evil.example" not in forged  # the portal shows only what it said itself
    page = client.get(stock_url).text
    assert re.search(r"<td>East</td><td>21</td><td>0</td>", page), page  # named as the form names it
    assert page.count("<polyline") == 2 and "$79.99\u2013$89.99" in page
    refused = client.post(stock_url, data={**form, "quantity": "-3"}, follow_redirects=False)
    assert refused.headers["location"].endswith(f"#v-{variant_id}")  # back at the variant's own form
    said = html.unescape(client.get(refused.headers["location"]).text)
    reason = "TB-42-BLK: quantity “-3” is no count of units: write a whole number such as 12"
    assert said.index(f'id="v-{variant_id}"') < said.index(reason)  # said in the section the page opens at
    reserve = {"owner": "cart", "lines": [{"variant_id": variant_id, "quantity": 5}]}
    assert client.post("/api/v1/inventory/reservations", json=reserve, headers=internal).status_code == 201
    below = client.post(stock_url, data={**form, "operation": "SET", "quantity": "2"})  # 5 are in carts
    assert below.status_code == 200 and "5 units of variant" in below.text and "release reservations" in below.text
    assert re.search(r"<td>East</td><td>16</td><td>5</td>", below.text), below.text
    for operation, warehouse_id, said in (
        ("RESERVE", "east-1", "choose a change: add (restock) or set the shelf count"),
        ("", "east-1", "choose a change"),
        ("RESTOCK", "", "choose one of the warehouses listed"),
        ("RESTOCK", "nowhere", "choose one of the warehouses listed"),
    ):
        odd = client.post(stock_url, data={**form, "operation": operation, "warehouse_id": warehouse_id})
        assert odd.status_code == 200 and said in html.unescape(odd.text), (operation, warehouse_id)
        assert re.search(r"<td>East</td><td>16</td><td>5</td>", odd.text), odd.text  # nothing added


def test_the_portal_refuses_to_drop_a_variant_that_holds_stock_and_says_why(client, seller):
    product = seller.create()  # two variants, TB-42-BLK and TB-43-BLK
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=internal)
    count = {"operation": "SET", "warehouse_id": "main", "quantity": 4}
    assert client.patch(f"/api/v1/inventory/{product['variants'][1]['variant_id']}", json=count, headers=internal)
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "version": "1",
        "title": product["title"],
        "status": "ACTIVE",
        "v_sku": ["TB-42-BLK"],
        "v_price": ["89.99"],
        "v_compare": [""],
        "v_attrs": ["size=42, color=black"],
    }
    refused = client.post(f"/seller/products/{product['product_id']}", data=form)
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("text/html")  # the editor again
    assert "variant TB-43-BLK holds 4 units for sale" in html.unescape(refused.text)
    assert len(seller.request("GET", f"/products/{product['product_id']}").json()["variants"]) == 2


def product_body_with_price(product: dict, price: float) -> dict:
    from tests.api.conftest import product_body

    body = product_body()
    body["variants"][0]["price"] = price
    return body


def test_text_with_no_words_says_so_instead_of_showing_everything(client, listed):
    page = client.get("/search", params={"q": "!!!"}).text
    assert "has no words to search for" in page
    assert "Trailblazer Running Shoe" not in page
    assert "Trailblazer Running Shoe" in client.get("/search", params={"q": ""}).text  # blank still browses


def test_the_product_page_opens_on_the_variant_whose_price_the_card_shows(client, seller, container):
    variants = [
        {"sku": "OPEN-DEAR", "price": 89.99, "attributes": {"colour": "Black"}},
        {"sku": "OPEN-CHEAP", "price": 79.50, "attributes": {"colour": "Red"}},
    ]
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    made = seller.create(title="Ridge Trail Runner", variants=variants)
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=internal)
    for variant in made["variants"]:
        body = {"operation": "SET", "warehouse_id": "main", "quantity": 5}
        stocked = client.patch(f"/api/v1/inventory/{variant['variant_id']}", json=body, headers=internal)
        assert stocked.status_code == 200
    wait_for_outbox(container)
    card = client.get("/api/v1/products/search", params={"q": "ridge trail runner"}).json()["results"][0]
    page = client.get(f"/p/{made['product_id']}", headers={"accept": "text/html"}).text
    shown = re.search(r'data-field="amount">([^<]*)<', page).group(1)
    assert card["price"]["amount"] == 79.50 and shown == "$79.50"


def test_the_product_page_names_its_details_as_a_person_reads_them(client, seller, container):
    attributes = {
        "keyboard_number_of_keys": 19,
        "plug_and_play": True,
        "wireless": False,
        "usb_2_0_ports_quantity": 2,
        "operating_temperature_t_t": "0 - 40",
        "wi_fi_standards": "802.11ac",
    }
    made = seller.create(attributes=attributes)
    wait_for_outbox(container)
    page = client.get(f"/p/{made['product_id']}", headers={"accept": "text/html"}).text
    details = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", html.unescape(page)))
    assert details == {
        "Keyboard number of keys": "19",
        "Plug and play": "Yes",
        "Wireless": "No",
        "USB 2.0 ports quantity": "2",
        "Operating temperature (T-T)": "0 - 40",
        "Wi-Fi standards": "802.11ac",
    }


def test_the_home_page_shows_no_title_twice(client, seller, container):
    for n in range(2):  # one product listed under two SKUs
        seller.create(title="Re-Boost $50 Prepaid Phone Card", variants=[{"sku": f"RB-{n}", "price": 50}])
    seller.create(title="Trailblazer Running Shoe")
    wait_for_outbox(container)
    shown = re.findall(r'<h3 class="card-title">([^<]*)</h3>', client.get("/").text)
    assert sorted(shown) == ["Re-Boost $50 Prepaid Phone Card", "Trailblazer Running Shoe"]


def test_a_page_past_the_last_one_goes_to_the_last_one(client, listed):
    past = client.get("/search", params={"q": "trailblazer", "sort": "newest", "page": "7"}, follow_redirects=False)
    assert past.status_code == 303
    assert past.headers["location"] == "/search?q=trailblazer&sort=newest&page=1"
    assert "Trailblazer Running Shoe" in client.get(past.headers["location"]).text
    nothing = client.get("/search", params={"q": "zzqxv", "page": "7"}, follow_redirects=False)
    assert nothing.status_code == 200  # nothing to go back to: the page says nothing matched


@pytest.mark.parametrize(("form", "page"), [("/seller/sign-in", "/seller"), ("/p/123/reviews", "/p/123")])
def test_a_forms_address_opened_in_a_browser_goes_to_its_page(client, form, page):
    opened = client.get(form, headers={"accept": "text/html"}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == page
    called = client.get(form, headers={"accept": "application/json"})
    assert called.status_code == 405  # an API client still learns the method is wrong


def test_the_portal_deletes_a_product_softly_and_refuses_a_stale_form(client, seller, container):
    made = seller.create()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    editor = client.get(f"/seller/products/{made['product_id']}").text
    assert f'action="/seller/products/{made["product_id"]}/delete"' in editor
    seller.request("PATCH", f"/products/{made['product_id']}", json={"title": "Trailblazer Running Shoe 2"})
    form = {"csrf_token": client.cookies["aisle_csrf"], "version": "1"}  # the editor was opened at version 1
    stale = client.post(
        f"/seller/products/{made['product_id']}/delete",
        data=form,
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert stale.status_code == 412 and "This changed meanwhile" in stale.text  # a page, not problem+json
    changed_by_hand = client.post(
        f"/seller/products/{made['product_id']}/delete",
        data={**form, "version": "abc"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert changed_by_hand.status_code == 400 and "text/html" in changed_by_hand.headers["content-type"]
    assert seller.request("GET", f"/products/{made['product_id']}").json()["status"] == "ACTIVE"

    deleted = client.post(
        f"/seller/products/{made['product_id']}/delete", data={**form, "version": "2"}, follow_redirects=False
    )
    assert (
        deleted.status_code == 303 and deleted.headers["location"] == f"/seller/products?deleted={made['product_id']}"
    )
    assert "It left the store" in client.get(deleted.headers["location"]).text
    assert seller.request("GET", f"/products/{made['product_id']}").json()["status"] == "DELETED"
    twice = client.post(  # the same form again, from another tab: the store's page, not the API's JSON
        f"/seller/products/{made['product_id']}/delete",
        data={**form, "version": "3"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert twice.status_code == 409 and "This was already done" in twice.text, twice.text[:300]
    editor = client.get(f"/seller/products/{made['product_id']}").text  # no form that could only be refused
    assert "This product is deleted, so it cannot be edited" in editor and '<fieldset class="bare" disabled>' in editor
    wait_for_outbox(container)
    assert client.get(f"/api/v1/products/{made['product_id']}").status_code == 404


def test_filters_can_all_be_cleared_in_stock_chosen_and_a_price_range_read_either_way(client, listed):
    html_page = {"accept": "text/html"}
    chosen = {"q": "trailblazer", "brand": "Acme", "price_min": "500", "price_max": "50", "sort": "price_asc"}
    page = client.get("/search", params=chosen, headers=html_page).text
    assert 'aria-label="Remove filter $50 \u2013 $500"' in html.unescape(page)  # typed the wrong way round
    assert "Trailblazer Running Shoe" in page
    assert '<a class="clear-all" href="/search?q=trailblazer&amp;sort=price_asc">Clear all filters</a>' in page
    assert "In stock only" in page
    stocked = client.get("/search", params={"q": "trailblazer", "in_stock": "1"}, headers=html_page).text
    assert 'class="check on"><span class="box" aria-hidden="true"></span>In stock only' in stocked


def test_the_product_page_names_its_options_and_invites_a_first_review(client, listed):
    page = client.get(f"/p/{listed['product_id']}", headers={"accept": "text/html"}).text
    assert "<legend>Size and Color</legend>" in page or "<legend>Color and Size</legend>" in page
    assert "No reviews yet: write the first" in page and " 0 reviews" not in page


def test_the_portal_says_who_changed_what_and_greets_a_signed_out_seller(client, seller, container):
    made = seller.create()
    seller.request("PATCH", f"/products/{made['product_id']}", json={"variants": [{"sku": "TB-42-BLK", "price": 99}]})
    shoes = category_id(container, ["Shoes", "Running"])
    edit = {"title": "Trailblazer Trail Shoe", "category_id": shoes, "variants": [{"sku": "TB-42-BLK", "price": 89}]}
    seller.request("PATCH", f"/products/{made['product_id']}", json=edit)
    assert sign_in(client, "").status_code == 401
    empty = client.post("/seller/sign-in", data={"api_key": " ", "csrf_token": client.cookies["aisle_csrf"]})
    assert "Enter your API key" in empty.text
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    versions = client.get(f"/seller/products/{made['product_id']}/versions").text
    rows = re.findall(r'<td data-label="By">(You|seller[^<]*)</td>\s*<td data-label="Change">([^<]*)</td>', versions)
    assert rows == [("You", "Edited"), ("You", "Price changed"), ("You", "Created")]  # a title too: an edit
    diff = html.unescape(versions)  # from the version before the newest: its category was none, now a path
    assert (
        '<dt>Category</dt><dd><span class="before">\u2212 none</span><br><span class="after">+ Shoes > Running' in diff
    )
    out = client.post("/seller/sign-out", data={"csrf_token": client.cookies["aisle_csrf"]})
    assert "You are signed out." in out.text


def test_a_query_of_control_characters_or_great_length_is_shown_sensibly(client, listed):
    nul = client.get("/search", params={"q": "\x00"}, headers={"accept": "text/html"}).text
    assert "<h1>All products</h1>" in nul and "\x00" not in nul and "\ufffd" not in nul
    long_words = " ".join(["trailblazer"] * 40)
    page = client.get("/search", params={"q": long_words}, headers={"accept": "text/html"}).text
    [heading] = re.findall(r"<h1>Results for \u201c<bdi>([^\u201d]*)</bdi>\u201d</h1>", page)
    assert len(heading) <= 80 and heading.endswith("...")


def test_the_portal_picture_form_posts_without_javascript(client, seller):
    from tests.support import images as files

    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    product_id = seller.create()["product_id"]
    form = {"csrf_token": client.cookies["aisle_csrf"], "alt_text": "A red tent, side view"}
    posted = client.post(
        f"/seller/products/{product_id}/images",
        data=form,
        files=[("file", ("tent.png", files.png(), "image/png"))],
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].startswith(f"/seller/products/{product_id}?")
    page = client.get(posted.headers["location"]).text
    assert "1 picture uploaded" in page
    stored = seller.request("GET", f"/products/{product_id}/images").json()
    assert [image["alt_text"] for image in stored] == ["A red tent, side view"]

    token = client.cookies["aisle_csrf"]
    no_file = client.post(  # a browser's form with no file chosen: one empty part named with filename=""
        f"/seller/products/{product_id}/images",
        content=(
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n"
        ),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert no_file.status_code == 200 and "text/html" in no_file.headers["content-type"]
    assert "nothing was stored: no 'file' part in the form: choose a picture first" in html.unescape(no_file.text)

    [image] = stored
    for typed in ("-1", "abc", "99999999999999999"):  # each said "Picture saved." (or a 400 page) before
        form = {"csrf_token": token, "alt_text": "A red tent", "position": typed}
        edited = client.post(f"/seller/products/{product_id}/images/{image['image_id']}", data=form)
        assert edited.status_code == 200 and "Picture saved." not in edited.text, typed
        assert f"the position “{typed[:20]}” is no whole number" in html.unescape(edited.text), typed
    assert seller.request("GET", f"/products/{product_id}/images").json()[0]["alt_text"] == "A red tent, side view"
    # a reason the service gives is said on the page too, not as problem+json
    form = {"csrf_token": token, "alt_text": "A red\x07 tent"}
    edited = client.post(f"/seller/products/{product_id}/images/{image['image_id']}", data=form)
    assert edited.status_code == 200 and "text/html" in edited.headers["content-type"]
    assert "Not saved:" in html.unescape(edited.text) and "(alt text)" in html.unescape(edited.text)
    assert seller.request("DELETE", f"/products/{product_id}").status_code == 200
    gone = client.post(f"/seller/products/{product_id}/images/{image['image_id']}", data={**form, "action": "delete"})
    assert gone.status_code == 200 and "Not done:" in html.unescape(gone.text)


def test_a_price_bucket_link_finds_what_the_bucket_counted(client, seller, container):
    """Buckets are [low, high): a $10.00 lantern is in the $10-$25 range, not "Under $10", and so is the link."""
    for n, price in enumerate((9.99, 10, 24.99, 25)):
        seller.create(title=f"Camp Lantern {n}", variants=[{"sku": f"CL-{n}", "price": price}])
    wait_for_outbox(container)
    buckets = client.get("/api/v1/products/search", params={"q": "lantern"}).json()["facets"]["price_ranges"]
    assert {b["label"]: b["count"] for b in buckets} == {"Under $10": 1, "$10 – $25": 2, "$25 – $50": 1}  # noqa: RUF001
    for bucket in buckets:
        edges = {f"price_{end}": bucket[end] for end in ("min", "max") if bucket[end] is not None}
        chosen = client.get("/api/v1/products/search", params={"q": "lantern", **edges}).json()
        assert chosen["total"] == bucket["count"], bucket
        assert next(b for b in chosen["facets"]["price_ranges"] if b["label"] == bucket["label"])["selected"]
    page = client.get("/search", params={"q": "lantern"}).text
    facet = page[page.index("<h2>Price</h2>") :]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)</span>', facet)
    assert len(links) == 3, facet
    for href, label, count in links:
        landed = client.get(html.unescape(href)).text
        assert f"{count} result{'' if count == '1' else 's'}" in landed, (label, href)
        assert f'aria-label="Remove filter {label}"' in landed, (label, href)  # the chip names the bucket


@pytest.mark.parametrize(
    ("params", "chip", "named"),
    [
        ({"in_stock": "maybe"}, "In stock", "in stock “maybe”"),
        ({"in_stock": "0"}, "In stock", None),
        ({"category": "1"}, "Category: 1", "category “1”"),
        ({"category": "abc"}, "Category: abc", "category “abc”"),
    ],
)
def test_a_filter_that_is_not_applied_gets_no_chip(client, listed, params, chip, named):
    page = client.get("/search", params={"q": "trailblazer", **params}).text
    assert f'aria-label="Remove filter {chip}"' not in page
    assert "Trailblazer Running Shoe" in page
    if named:
        assert f"Ignored: {named}" in page


def test_attribute_filters_past_the_most_a_search_takes_are_named_not_dropped_silently(client, listed):
    sizes = [f"size:{n}" for n in range(1, 20)] + ["size:42"]
    page = client.get("/search", params={"q": "trailblazer", "attr": [*sizes, "color:red"]}).text
    assert "Trailblazer Running Shoe" in page  # the first 20 (size 42 among them) still filter
    assert page.count('aria-label="Remove filter size: ') == 20
    assert 'aria-label="Remove filter color: red"' not in page
    assert "color:red" in page[page.index("Ignored:") :]
    red_shoe = client.get("/search", params={"q": "trailblazer", "attr": ["size:42", "color:red"]}).text
    assert "Trailblazer Running Shoe" not in red_shoe  # the shoe is black: a red filter in force would hide it


def test_bidi_controls_in_the_words_are_not_echoed(client, listed):
    """U+202E in a shared link would show "evil" as "live" in the heading and the search box."""
    page = client.get("/search", params={"q": "\u202eevil \u2066trailblazer\u2069"}).text
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", page)
    assert "Results for “<bdi>evil trailblazer</bdi>”" in page


def test_a_stale_edit_keeps_the_sellers_words_and_says_what_happened(client, seller):
    from tests.support import images as files

    made = seller.create()
    picture = [("file", ("tent.png", files.png(), "image/png"))]
    uploaded = seller.request(
        "POST", f"/products/{made['product_id']}/images", files=picture, data={"alt_text": "Tent"}
    )
    assert uploaded.status_code in (201, 202), uploaded.text
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    seller.request("PATCH", f"/products/{made['product_id']}", json={"title": "Saved in another tab"})
    form = edit_form(  # opened at version 1
        client,
        title="My careful new title",
        v_price=["89.99", "94.99"],
        v_compare=["", ""],
        v_attrs=["size=42, color=black", "size=43, color=black"],
    )
    stale = client.post(f"/seller/products/{made['product_id']}", data=form, headers={"accept": "text/html"})
    assert stale.status_code == 412 and stale.headers["content-type"].startswith("text/html")
    text = html.unescape(stale.text)
    assert "saved as version 2 after you opened version 1" in text
    assert 'value="My careful new title"' in text  # the seller's edits, back in the form
    assert '<input type="hidden" name="version" value="2">' in text  # saving again is a choice made knowingly
    assert "No pictures yet." not in text and "Tent" in text  # the picture is still shown beside the form
    assert seller.request("GET", f"/products/{made['product_id']}").json()["title"] == "Saved in another tab"


@pytest.mark.parametrize("path", ["/seller/products/abc", "/seller/products/abc/stock", "/seller/jobs/x"])
def test_a_portal_address_with_an_id_no_product_can_have_is_the_404_page(client, seller, path):
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    response = client.get(path, headers={"accept": "text/html"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    api = client.get("/api/v1/seller/products/abc", headers=seller.headers)
    assert api.status_code == 422 and api.headers["content-type"] == "application/problem+json"


def test_the_portal_form_names_every_problem_in_one_answer_in_its_own_words(client, seller):
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "title": " ",
        "status": "ACTIVE",
        "attributes": "material",
        "v_sku": ["A", "B", "C", "D"],
        "v_price": ["-5", "99999999999999999999", "NaN", ""],
        "v_compare": ["", "", "", ""],
        "v_attrs": ["", "", "", ""],
    }
    response = client.post("/seller/products/new", data=form)
    assert response.status_code == 422
    summary = html.unescape(response.text.split('class="errors"')[1].split("</ul>")[0])
    said = re.findall(r"<li>(.*?)</li>", summary)
    assert set(said) == {
        "Title: must not be blank",
        "Attributes: “material” should look like name=value",
        "Variant 1 price: must be greater than 0",
        "Variant 2 price: must be at most 1000000.00",
        "Variant 3 price: “NaN” is no price: write one such as 19.99",
        "Variant 4 price: enter a price, such as 19.99",
    }
    assert seller.request("GET", "/products").json()["total"] == 0


def test_an_empty_bulk_file_is_named_as_empty_not_as_missing(client, seller):
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    files = {"file": ("products.ndjson", b"\n\n")}
    response = client.post("/seller/bulk", data={"csrf_token": client.cookies["aisle_csrf"]}, files=files)
    assert response.status_code == 422
    assert "products.ndjson is empty: it needs one product per line." in html.unescape(response.text)


def test_each_shopper_reviews_a_product_once_from_the_page_as_through_the_api(client, seller, container):
    from aisle.entrypoints.api.app import create_app

    made = seller.create()
    review = {"rating": "5", "title": "Great", "body": "", "author": ""}
    app = create_app(container)
    shoppers = [TestClient(app, client=(f"127.0.0.{n}", 50000)) for n in (2, 3)]
    for shopper in shoppers:  # two shoppers: both may review
        posted = shopper.post(f"/p/{made['product_id']}/reviews", data=review, follow_redirects=False)
        assert posted.status_code == 303, posted.text
    again = shoppers[0].post(f"/p/{made['product_id']}/reviews", data=review)
    assert again.status_code == 409  # the first one again: once each, on the page
    through_api = {"rating": 4, "title": "Again"}
    assert shoppers[0].post(f"/api/v1/products/{made['product_id']}/reviews", json=through_api).status_code == 409


def test_a_review_form_posted_from_another_site_is_refused_and_counts_for_nothing(client, seller):
    made = seller.create()
    review = {"rating": "1", "title": "", "body": "posted from another site", "author": ""}
    path, page = f"/p/{made['product_id']}/reviews", {"accept": "text/html"}
    for elsewhere in ({"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"}, {"origin": "null"}):
        refused = client.post(path, data=review, headers={**page, **elsewhere}, follow_redirects=False)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
        assert "sent from another website" in refused.text  # not only "expired", which it is not
    assert client.get(f"/api/v1/products/{made['product_id']}/reviews").json()["total"] == 0
    here = {**page, "sec-fetch-site": "same-origin", "origin": "http://testserver"}
    assert client.post(path, data=review, headers=here, follow_redirects=False).status_code == 303


def test_a_browser_sending_a_method_a_page_does_not_take_gets_a_page(client):
    for accept in ("text/html", "TEXT/HTML,*/*"):
        refused = client.post("/", headers={"accept": accept})
        assert refused.status_code == 405 and refused.headers["content-type"].startswith("text/html")
        assert "GET" in refused.headers["allow"]
    assert client.post("/").headers["content-type"] == "application/problem+json"


def test_a_card_whose_picture_cannot_load_falls_back_to_a_tile_naming_its_brand(client, listed):
    page = client.get("/search", params={"q": listed["title"]}, headers={"accept": "text/html"}).text
    brand = listed["brand"]
    assert brand and f"/img/missing.svg?label={brand}" in html.unescape(page)
    tile = client.get("/img/missing.svg", params={"label": brand})
    assert tile.status_code == 200 and tile.headers["content-type"].startswith("image/svg+xml")
    assert f">{brand}<" in tile.text and "max-age" in tile.headers["cache-control"]
    assert tile.headers["content-security-policy"] == "default-src 'none'"
    for label in ("<svg onload=alert(1)>", "x" * 5_000, "\u0000\u202e", ""):
        answered = client.get("/img/missing.svg", params={"label": label})
        assert answered.status_code == 200 and "<svg onload" not in answered.text


def test_paging_reviews_keeps_the_picture_shown_and_a_thumbnail_keeps_the_reviews_page(client, seller, container):
    from aisle.entrypoints.api.app import create_app

    pictures = [f"https://img.example/shoe-{n}.jpg" for n in (1, 2)]
    made = seller.create(images=pictures)
    app = create_app(container)
    for n in range(2, 9):  # more reviews than one page shows, each from its own shopper
        shopper = TestClient(app, client=(f"127.0.0.{n}", 50000))
        review = {"rating": "4", "title": f"Review {n}", "body": "", "author": ""}
        assert shopper.post(f"/p/{made['product_id']}/reviews", data=review, follow_redirects=False).status_code == 303
    variant = made["variants"][0]["variant_id"]
    on_second_picture = html.unescape(client.get(f"/p/{made['product_id']}", params={"picture": "2"}).text)
    assert f"?variant={variant}&reviews_page=2&picture=2#reviews" in on_second_picture
    older_reviews = html.unescape(client.get(f"/p/{made['product_id']}", params={"reviews_page": "2"}).text)
    assert f"?variant={variant}&picture=2&reviews_page=2" in older_reviews
    # whole paths: the same links on the page a refused review leaves the browser at (/p/ID/reviews) still work
    assert f'href="/p/{made["product_id"]}?variant={variant}&reviews_page=2&picture=2#reviews"' in on_second_picture
    past_the_end = html.unescape(client.get(f"/p/{made['product_id']}", params={"reviews_page": "999"}).text)
    assert "Review 8" in past_the_end or "Review 2" in past_the_end  # the last page's reviews, not "no reviews yet"
    assert "Page 2 of 2" in past_the_end and "No reviews yet" not in past_the_end


def test_a_portal_list_page_past_the_end_goes_to_the_last_page(client, seller):
    seller.create()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    past = client.get("/seller/products", params={"page": "999", "status": "ACTIVE"}, follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == "/seller/products?page=1&status=ACTIVE"
    assert "Trailblazer Running Shoe" in client.get(past.headers["location"]).text


def test_an_old_link_to_a_product_taken_off_sale_names_it_and_where_to_look_instead(client, seller, container):
    cid = category_id(container, ["Audio", "Speakers"])
    gone = seller.create(title="Pocket Speaker Mini", category_id=cid)
    assert seller.request("DELETE", f"/products/{gone['product_id']}").status_code in (200, 204)
    page = client.get(f"/p/{gone['product_id']}", headers={"accept": "text/html"})
    assert page.status_code == 404 and "This product is no longer sold here" in page.text
    said = html.unescape(page.text)
    assert "“Pocket Speaker Mini” was taken off sale." in said
    assert "/search?q=Pocket%20Speaker%20Mini" in said and f'href="/c/{cid}">Browse Speakers<' in said
    for n, status in enumerate(("DRAFT", "INACTIVE", "DRAFT")):  # never on sale: never named, even once deleted
        never = {
            "title": f"Secret Launch Phone {n}",
            "status": status,
            "variants": [{"sku": f"SECRET-{n}", "price": 9}],
        }
        made = seller.create(**never)
        if n == 2:
            assert seller.request("DELETE", f"/products/{made['product_id']}").status_code in (200, 204)
        unseen = client.get(f"/p/{made['product_id']}", headers={"accept": "text/html"})
        assert unseen.status_code == 404 and "Secret Launch" not in unseen.text, status


def test_the_editor_says_saved_only_for_the_version_it_shows(client, seller):
    made = seller.create()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    editor = f"/seller/products/{made['product_id']}"
    assert "Saved as version 1." in client.get(editor, params={"saved": "1"}).text
    assert "Saved as version" not in client.get(editor, params={"saved": "9"}).text  # made up: never saved
    assert "Saved as version" not in client.get(editor, params={"saved": "<b>1</b>"}).text


def test_the_bulk_page_shows_a_line_to_copy_with_a_real_category_id_and_the_line_is_taken(client, seller, container):
    from tests.api.test_bulk import wait_for_job

    cid = category_id(container, ["Shoes", "Trail"])
    container.categories.forget()
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    page = html.unescape(client.get("/seller/bulk").text)
    sample = re.search(r"<pre class=\"sample\"><code>(.+?)</code></pre>", page).group(1)
    shoes = category_id(container, ["Shoes"])  # the first path in order
    assert (
        f'"category_id": "{shoes}"' in sample
        and f'<td data-label="Category">Shoes > Trail</td><td data-label="category_id"><code>{cid}</code></td>' in page
    )
    files = {"file": ("products.ndjson", sample.encode())}
    sent = client.post("/seller/bulk", data={"csrf_token": client.cookies["aisle_csrf"]}, files=files)
    job_id = sent.url.path.rsplit("/", 1)[-1]
    job = wait_for_job(seller, job_id)
    assert (job["succeeded"], job["failed"]) == (1, 0), job
    assert '<td colspan="3">None.</td>' in client.get(f"/seller/jobs/{job_id}").text


def test_a_subcategory_link_on_a_category_page_keeps_the_filters_chosen(client, seller, container):
    shoes = category_id(container, ["Sport", "Shoes"])
    seller.create(title="Trail Shoe", brand="Acme", category_id=shoes)
    seller.create(title="Road Shoe", brand="Other", category_id=shoes, variants=[{"sku": "RS-1", "price": 50}])
    searchable(container)
    sport = category_id(container, ["Sport"])
    page = html.unescape(client.get(f"/c/{sport}", params={"brand": "Acme", "q": "shoe"}).text)
    [link] = re.findall(rf'href="(/c/{shoes}[^"]*)"', page)
    assert "brand=Acme" in link and "q=shoe" in link
    assert "Trail Shoe" in client.get(link).text and "Road Shoe" not in client.get(link).text


def test_a_portal_edit_adding_one_attribute_keeps_the_others_as_they_were(client, seller):
    made = seller.create(attributes={"capacity": 256, "fingerprint_reader": False, "material": "mesh"})
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = edit_form(client, attributes="capacity=256; fingerprint_reader=False; material=mesh; colour=silver")
    saved = client.post(f"/seller/products/{made['product_id']}", data=form, follow_redirects=False)
    assert saved.status_code in (200, 303), saved.text[-400:]
    after = seller.request("GET", f"/products/{made['product_id']}").json()["attributes"]
    assert after == {"capacity": 256, "fingerprint_reader": False, "material": "mesh", "colour": "silver"}
    diff = html.unescape(client.get(f"/seller/products/{made['product_id']}/versions").text)
    assert "Attribute “colour”" in diff and "silver" in diff  # the one attribute that changed, on a line of its own
    assert "capacity" not in diff and "{" not in diff[diff.index("What changed") :]  # no whole lists printed


def test_a_portal_edit_of_one_attribute_keeps_values_pairs_text_cannot_say(client, seller):
    shown = {"watts": 40, "dimmable": True, "note": "  spaced  ", "multi": "a, b; c=d"}
    made = seller.create(attributes=shown)
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = edit_form(client, attributes="watts=60; dimmable=True; note=  spaced  ; multi=a, b; c=d")
    saved = client.post(f"/seller/products/{made['product_id']}", data=form, follow_redirects=False)
    assert saved.status_code in (200, 303), saved.text[-400:]
    after = seller.request("GET", f"/products/{made['product_id']}").json()["attributes"]
    assert after == {**shown, "watts": 60}  # still a number; no attribute "c", the spaces kept


def test_a_refused_rollback_comes_back_to_the_versions_page_saying_why(client, seller):
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    made = seller.create(variants=[{"sku": "RB-1", "price": 10}])
    two = [{"sku": "RB-1", "price": 10}, {"sku": "RB-2", "price": 12}]
    assert seller.request("PATCH", f"/products/{made['product_id']}", json={"variants": two}).status_code == 200
    added = next(
        v for v in seller.request("GET", f"/products/{made['product_id']}").json()["variants"] if v["sku"] == "RB-2"
    )
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=internal)
    stock = {"operation": "SET", "warehouse_id": "main", "quantity": 5}
    assert client.patch(f"/api/v1/inventory/{added['variant_id']}", json=stock, headers=internal).status_code == 200
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {"csrf_token": client.cookies["aisle_csrf"], "version": "1"}
    refused = client.post(f"/seller/products/{made['product_id']}/rollback", data=form, follow_redirects=False)
    assert refused.status_code == 409
    text = html.unescape(refused.text)
    assert "Not rolled back:" in text and "RB-2" in text  # the variant version 1 would drop holds stock
    assert "Roll back to v1" in text  # still the portal's versions page, not the store's error page
    assert seller.request("GET", f"/products/{made['product_id']}").json()["version"] == 2


def test_the_portal_names_a_repeated_sku_and_a_long_brand_beside_their_fields_in_one_answer(client, seller):
    sign_in(client, seller.headers["Authorization"].removeprefix("Bearer "))
    form = {
        "csrf_token": client.cookies["aisle_csrf"],
        "title": "Tent",
        "brand": "B" * 201,
        "status": "ACTIVE",
        "gtin": "12",
        "v_sku": ["DUPX", "DUPX"],
        "v_price": ["1", "2"],
        "v_compare": ["", ""],
        "v_attrs": ["size=S", "size=M"],
    }
    page = html.unescape(client.post("/seller/products/new", data=form).text)
    assert "Variant 2 SKU: duplicate SKU 'DUPX' in this product" in page  # not only once the GTIN is mended
    assert 'aria-invalid="true" aria-describedby="err-brand"' in page and 'id="err-brand"' in page


def test_a_card_says_from_when_its_variants_sell_at_several_prices(client, seller, container):
    red, blue = {"color": "red"}, {"color": "blue"}
    variants = [{"sku": "SC-R", "price": 80, "attributes": red}, {"sku": "SC-B", "price": 50, "attributes": blue}]
    seller.create(title="Woolly Scarf", variants=variants)
    seller.create(title="Woolly Hat", variants=[{"sku": "HT-1", "price": 20}])
    wait_for_outbox(container)
    cards = {c["title"]: c for c in client.get("/api/v1/products/search", params={"q": "woolly"}).json()["results"]}
    assert cards["Woolly Scarf"]["price_varies"] and not cards["Woolly Hat"]["price_varies"]
    page = re.sub(r"<[^>]+>", "", html.unescape(client.get("/search", params={"q": "woolly"}).text))  # as read
    assert "from $50.00" in page and "from $20.00" not in page
    chosen = client.get("/api/v1/products/search", params={"q": "woolly scarf", "attr": "color:red"}).json()
    assert [(c["price"]["amount"], c["price_varies"]) for c in chosen["results"]] == [(80.0, False)]  # red's own
