"""Ugly input gets a clear 4xx problem+json naming the field, writes nothing, and the service stays up."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import INTERNAL_TOKEN, SellerClient, product_body, searchable


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variants": [{"sku": "A", "price": 1}]}, "title"),
        (product_body(title=""), "title"),
        (product_body(title="   "), "title"),
        (product_body(title=123), "title"),
        (product_body(variants=[]), "variants"),
        (product_body(variants=[{"sku": f"S{n}", "price": 1} for n in range(51)]), "variants"),
        (product_body(variants=[{"sku": "A", "price": "19.99"}]), "variants[0].price"),
        (product_body(variants=[{"sku": "A", "price": -5}]), "variants[0].price"),
        (product_body(variants=[{"sku": "A", "price": 0}]), "variants[0].price"),
        (product_body(variants=[{"sku": "A", "price": 1.999}]), "variants[0].price"),
        (product_body(variants=[{"sku": "A", "price": 1e12}]), "variants[0].price"),
        (product_body(variants=[{"sku": "A", "price": True}]), "variants[0].price"),
        (product_body(variants=[{"sku": "A", "price": 5, "compare_price": 4}]), "variants[0].compare_price"),
        (product_body(variants=[{"sku": "A; DROP TABLE products;--", "price": 5}]), "variants[0].sku"),
        (product_body(variants=[{"sku": "A", "price": 1}, {"sku": "A", "price": 2}]), "variants[1].sku"),
        (product_body(variants=[{"sku": "A", "price": 1, "weight_grams": -1}]), "variants[0].weight_grams"),
        # attr=name:value ends the name at its first colon: such a name could never be filtered on
        (
            product_body(variants=[{"sku": "A", "price": 1, "attributes": {"screen:size": "15in"}}]),
            "variants[0].attributes.screen:size",
        ),
        # filters read names in any case: two names one letter-case apart would be one attribute with two values
        (
            product_body(variants=[{"sku": "A", "price": 1, "attributes": {"Color": "Red", "color": "Blue"}}]),
            "variants[0].attributes",
        ),
        (
            product_body(
                variants=[{"sku": "A", "price": 1, "attributes": {"Screen Size": "13", "screen  size": "15"}}]
            ),
            "variants[0].attributes",
        ),
        (product_body(attributes={"Material": "mesh", "material\u00a0": "leather"}), "attributes"),
        # two variants a shopper could not tell apart: the same options in another case and order
        (
            product_body(
                variants=[
                    {"sku": "A", "price": 1, "attributes": {"size": "S", "color": "red"}},
                    {"sku": "B", "price": 2, "attributes": {"Color": "Red ", "Size": "s"}},
                ]
            ),
            "variants[1].attributes",
        ),
        # nor in another of Unicode's spellings: "Rosé" with its accent after the "e" (NFD), full-width letters
        (
            product_body(
                variants=[
                    {"sku": "A", "price": 1, "attributes": {"color": "Ros\u00e9"}},
                    {"sku": "B", "price": 2, "attributes": {"color": "Rose\u0301"}},
                ]
            ),
            "variants[1].attributes",
        ),
        (product_body(attributes={"Mat\u00e9riau": "mesh", "Mate\u0301riau": "cuir"}), "attributes"),
        (
            product_body(variants=[{"sku": "A", "price": 1, "attributes": {"Color": "Red", "\uff43olor": "Blue"}}]),
            "variants[0].attributes",
        ),
        (product_body(status="DELETED"), "status"),
        (product_body(images=["javascript:alert(1)"]), "images[0]"),
        (product_body(images=["//evil.example/x.png"]), "images[0]"),  # another host, not a path on this site
        (product_body(images=["/\\evil.example/x.png"]), "images[0]"),  # so is this, to a browser
        (product_body(attributes={"blob": "word " * 2001}), "attributes.blob"),
        (product_body(attributes={f"spec {n}": "x" * 9000 for n in range(6)}), "attributes"),
        (product_body(attributes={"colour": None}), "attributes.colour"),
        (product_body(gtin="12ab"), "gtin"),
        (product_body(gtin="4006381333932"), "gtin"),  # the check digit is 1
        (product_body(title="", gtin="4006381333932"), "gtin"),  # named beside the other fields' problems
        (product_body(category_id="'; --"), "category_id"),
        (product_body(surprise="field"), "surprise"),
    ],
)
def test_invalid_products_are_422_naming_the_field(seller: SellerClient, body, field):
    problem = _problem(seller.request("POST", "/products", json=body), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert seller.request("GET", "/products").json()["total"] == 0


def test_nan_and_infinity_are_refused(seller: SellerClient):
    raw = '{"title": "x", "variants": [{"sku": "A", "price": NaN}]}'
    response = seller.request("POST", "/products", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    raw = raw.replace("NaN", "Infinity")
    assert (
        seller.request("POST", "/products", content=raw, headers={"content-type": "application/json"}).status_code
        == 422
    )


def test_broken_json_is_422_on_the_body(seller: SellerClient):
    response = seller.request("POST", "/products", content=b'{"title": ', headers={"content-type": "application/json"})
    assert _problem(response, 422)["errors"][0]["field"] == "body"


def test_a_key_given_twice_is_refused_not_guessed_at(seller: SellerClient):
    raw = '{"title": "Mug", "variants": [{"sku": "A", "price": 1, "price": 1000}]}'
    response = seller.request("POST", "/products", content=raw, headers={"content-type": "application/json"})
    error = _problem(response, 422)["errors"][0]
    assert error["field"] == "body"
    assert "the key 'price' appears twice in one object" in error["reason"]
    assert seller.request("GET", "/products").json()["total"] == 0
    nested_twice = '{"title": "Mug", "title": "Mug", "variants": [{"sku": "A", "price": 1}]}'
    response = seller.request("POST", "/products", content=nested_twice, headers={"content-type": "application/json"})
    assert "'title' appears twice" in _problem(response, 422)["errors"][0]["reason"]
    once = '{"title": "Mug", "variants": [{"sku": "A", "price": 1}, {"sku": "B", "price": 2}]}'
    response = seller.request("POST", "/products", content=once, headers={"content-type": "application/json"})
    assert response.status_code == 201  # the same key in two objects is no repeat


def test_wrong_json_type_for_the_body(seller: SellerClient):
    response = seller.request("POST", "/products", json=["not", "an", "object"])
    _problem(response, 422)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None])
def test_a_json_body_not_said_to_be_json_is_415_naming_the_content_type(seller: SellerClient, content_type):
    import json

    headers = {} if content_type is None else {"content-type": content_type}
    response = seller.request("POST", "/products", content=json.dumps(product_body()).encode(), headers=headers)
    body = _problem(response, 415)
    assert body["errors"][0]["field"] == "content-type"
    assert (content_type or "no content type") in body["detail"]
    assert seller.request("GET", "/products").json()["total"] == 0


@pytest.mark.parametrize("coding", ["gzip", "br", "deflate, gzip"])
def test_a_compressed_body_is_415_naming_the_encoding(seller: SellerClient, coding):
    import gzip
    import json

    packed = gzip.compress(json.dumps(product_body()).encode())
    headers = {"content-type": "application/json", "content-encoding": coding}
    response = seller.request("POST", "/products", content=packed, headers=headers)
    body = _problem(response, 415)
    assert body["errors"] == [{"field": "content-encoding", "reason": f"is {coding}, only identity is taken"}]
    assert response.headers["accept-encoding"] == "identity"
    assert seller.request("GET", "/products").json()["total"] == 0
    plain = {"content-type": "application/json", "content-encoding": "identity"}
    assert seller.request("POST", "/products", content=json.dumps(product_body()), headers=plain).status_code == 201


def test_a_coding_sent_in_a_second_header_line_or_as_a_transfer_coding_is_refused_too(seller: SellerClient):
    import json

    body, path = json.dumps(product_body()), "/api/v1/seller/products"
    sent = [*seller.headers.items(), ("content-type", "application/json")]
    two_lines = [*sent, ("content-encoding", "gzip"), ("content-encoding", "identity")]
    response = seller.client.request("POST", path, content=body, headers=two_lines)
    assert _problem(response, 415)["errors"][0]["reason"] == "is gzip, identity, only identity is taken"
    response = seller.client.request(
        "POST", path, content=body, headers=[*sent, ("transfer-encoding", "gzip, chunked")]
    )
    assert _problem(response, 501)["errors"] == [{"field": "transfer-encoding", "reason": "only chunked is taken"}]
    assert seller.request("GET", "/products").json()["total"] == 0


def test_a_null_or_string_price_is_refused_as_documented(client, seller: SellerClient):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["VariantIn"]["properties"]["price"]
    assert schema["type"] == "number"  # not "number or string"
    refused = ((None, "must be a number, not null"), ("19.99", "must be a number (not a string or boolean)"))
    for price, reason in refused:
        body = product_body(variants=[{"sku": "P-1", "price": price}])
        assert _problem(seller.request("POST", "/products", json=body), 422)["errors"] == [
            {"field": "variants[0].price", "reason": reason}
        ]


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"title": ' + b"9" * 5000 + b"}"])
def test_a_body_too_deep_or_with_a_huge_number_says_so(seller: SellerClient, raw: bytes):
    response = seller.request("POST", "/products", content=raw, headers={"content-type": "application/json"})
    assert _problem(response, 422)["errors"][0]["reason"].startswith("could not be read as JSON: it is not UTF-8")


def test_unicode_and_injection_text_is_stored_verbatim(client, seller: SellerClient):
    title = "Ünïcödé 🥾 靴 ' OR 1=1; DROP TABLE products; -- <script>alert(1)</script>"
    created = seller.create(title=title, description='{"$where": "1==1"} \\u0000 \u200f\u0645\u0631\u062d\u0628\u0627')
    page = client.get(f"/api/v1/products/{created['product_id']}").json()
    assert page["title"] == title
    assert seller.request("GET", "/products").json()["total"] == 1


def test_a_title_with_its_accents_written_apart_is_kept_as_sent_and_found_as_typed(client, seller, container):
    # "n" then a combining tilde, as text pasted from macOS arrives: the page shows it as sent; search reads it
    # as the "ñ" a shopper types (or the "n" one without accents types)
    title = "Pin\u0303ata Mexicana"
    created = seller.create(title=title, status="ACTIVE")
    composed = seller.create(title="Unicorn Piñata", status="ACTIVE", variants=[{"sku": "U-1", "price": 10}])
    searchable(container)
    assert client.get(f"/api/v1/products/{created['product_id']}").json()["title"] == title
    for typed in ("piñata", "pinata", "Pin\u0303ata"):
        found = client.get("/api/v1/products/search", params={"q": typed}).json()["results"]
        assert {r["product_id"] for r in found} == {created["product_id"], composed["product_id"]}, typed


def test_oversized_bodies_are_413(seller: SellerClient):
    huge = product_body(description="x" * 2_000_000)
    refused = seller.request("POST", "/products", json=huge)
    assert _problem(refused, 413)["request_id"] == refused.headers["x-request-id"]
    assert seller.request("GET", "/products").json()["total"] == 0


def test_chunked_oversized_bodies_are_413_too(seller: SellerClient):
    chunks = (b"x" * 65536 for _ in range(40))
    response = seller.request("POST", "/products", content=chunks, headers={"content-type": "application/json"})
    _problem(response, 413)


@pytest.mark.parametrize("raw_id", ["abc", "-1", "1.5", "99999999999999999999", "1%20OR%201=1"])
def test_malformed_ids_are_422_and_unknown_ones_404(client, seller: SellerClient, raw_id):
    _problem(client.get(f"/api/v1/products/{raw_id}"), 422)
    _problem(seller.request("GET", f"/products/{raw_id}"), 422)


def test_unknown_ids_are_404(client, seller: SellerClient):
    _problem(client.get("/api/v1/products/123456789"), 404)
    _problem(seller.request("PATCH", "/products/123456789", json={"title": "x"}), 404)


def test_the_service_is_still_up_after_abuse(client, seller: SellerClient):
    for junk in [b"\xff\xfe\x00", b"{" * 10_000, b'{"title": "' + b"\xc3" + b'"}']:
        response = seller.request("POST", "/products", content=junk, headers={"content-type": "application/json"})
        assert response.status_code == 422
    assert client.get("/healthz").status_code == 200
    assert seller.create()["version"] == 1


def test_a_key_given_twice_is_refused_on_the_internal_and_image_endpoints_and_in_bulk_lines(client, seller):
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}", "content-type": "application/json"}
    created = client.post("/api/v1/sellers", content='{"name": "Dup A", "name": "Dup B"}', headers=internal)
    assert created.status_code == 422 and "'name' appears twice" in created.json()["errors"][0]["reason"]
    line = '{"title": "Bulk A", "title": "Bulk B", "variants": [{"sku": "B-1", "price": 1}]}'
    job_id = seller.request("POST", "/products/bulk", content=line.encode()).json()["job_id"]
    deadline = time.monotonic() + 20
    while (job := seller.request("GET", f"/jobs/{job_id}").json())["status"] != "DONE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["failed"] == 1 and "'title' appears twice" in job["errors"][0]["reason"]
    assert seller.request("GET", "/products").json()["total"] == 0
