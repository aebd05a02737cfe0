"""What a path takes comes from the OpenAPI document: 405 names every documented method, a path one route spells
out is never read as another route's id, and a seller route asks for a key before it reads any id."""

from __future__ import annotations

from aisle.domain.ids import ID_PATTERN
from tests.api.conftest import INTERNAL_TOKEN

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def test_a_method_a_literal_path_lacks_is_405_not_an_id_parse(client):
    # "/inventory/reservations" also fits "PATCH /inventory/{variant_id}": that read it as variant "reservations"
    answer = client.patch("/api/v1/inventory/reservations", json={"operation": "SET"}, headers=INTERNAL)
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == "POST"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["request_id"] == answer.headers["x-request-id"]

    bulk = client.get("/api/v1/seller/products/bulk", headers=INTERNAL)
    assert (bulk.status_code, bulk.headers["allow"]) == (405, "POST")


def test_405_names_every_method_of_the_path(client):
    listing = client.delete("/api/v1/seller/products")
    assert (listing.status_code, listing.headers["allow"]) == (405, "GET, HEAD, POST")

    stock = client.put("/api/v1/inventory/123", headers=INTERNAL)  # a templated path: GET and PATCH
    assert (stock.status_code, stock.headers["allow"]) == (405, "GET, HEAD, PATCH")

    reviews = client.put("/api/v1/products/123/reviews")
    assert (reviews.status_code, reviews.headers["allow"]) == (405, "GET, HEAD, POST")


def test_documented_methods_still_reach_their_routes(client, seller):
    product = seller.create()
    assert seller.request("GET", "/products").status_code == 200
    assert seller.request("GET", f"/products/{product['product_id']}").status_code == 200
    assert client.get("/api/v1/warehouses", headers=INTERNAL).status_code == 200


def test_a_seller_route_without_a_key_is_401_even_with_a_bad_id(client):
    for path in ("/api/v1/seller/products/0", "/api/v1/seller/products/abc/images", "/api/v1/seller/jobs/x"):
        answer = client.get(path)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"


def test_a_route_taking_either_token_says_how_to_authenticate(client):
    for headers in ({}, {"Authorization": "Bearer not-a-key-of-anyone"}):
        for path in ("/api/v1/pricing/deals", "/api/v1/inventory/123"):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 401, (path, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"


def test_the_document_gives_every_path_id_its_pattern(client):
    document = client.get("/openapi.json").json()
    ids = [
        (path, parameter)
        for path, operations in document["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"].endswith("_id")
    ]
    assert len(ids) > 20
    for path, parameter in ids:
        assert parameter["schema"].get("pattern") == ID_PATTERN, (path, parameter)


def test_head_answers_what_get_would_without_the_body(client, seller):
    product = seller.create(title="Headlamp For Monitors")
    for path in ("/healthz", "/readyz", f"/api/v1/products/{product['product_id']}", "/"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == got.headers["content-length"]  # as sent (compressed, for a page)
        assert got.headers.get("content-encoding") == head.headers.get("content-encoding")
    assert client.head("/api/v1/pricing/quote").status_code == 405  # no GET there: nothing to answer HEAD with


def test_head_which_405_offers_is_answered(client):
    assert client.head("/api/v1/products/search", params={"q": "kettle"}).status_code == 200


def test_the_methods_read_from_the_routes_are_those_the_document_lists(client):
    """The paths' methods come from the routes (the document costs a second to build): they must agree with it."""
    app = client.documented_app
    methods = app.state.documented_methods
    for path, operations in app.openapi()["paths"].items():
        listed = {method.upper() for method in operations if method != "parameters"}
        listed |= {"HEAD"} if "GET" in listed else set()
        concrete = path.replace("{", "").replace("}", "")  # "/products/{product_id}" -> "/products/product_id"
        assert set(methods.allowed(concrete if "{" in path else path)) >= listed, path
        if "{" not in path:
            assert methods.of_literal_path(path) == listed, path


def test_a_page_answering_get_lists_head_in_its_allow_header(client):
    for path in ("/", "/docs", "/search"):
        answer = client.delete(path)
        assert answer.status_code == 405, path
        assert answer.headers["allow"] == "GET, HEAD", path
        assert client.head(path).status_code == 200, path
    for path in ("/seller/products/new", "/seller/bulk"):  # a form's page takes its POST too
        assert client.put(path).headers["allow"] == "GET, HEAD, POST", path


def test_a_sellers_key_on_an_internal_endpoint_is_403_not_401(client, seller):
    # the key is valid, so asking for credentials again (401) would not help: this caller may not do this
    for method, path in (("GET", "/api/v1/warehouses"), ("POST", "/api/v1/sellers"), ("GET", "/metrics")):
        answer = client.request(method, path, headers=seller.headers, json={"name": "x"})
        assert answer.status_code == 403, (path, answer.text)
        assert "internal token" in answer.json()["detail"]
        assert "www-authenticate" not in answer.headers
    document = client.get("/openapi.json").json()
    assert "403" in document["paths"]["/api/v1/warehouses"]["get"]["responses"]
    assert "403" not in document["paths"]["/api/v1/seller/products"]["get"]["responses"]


def test_the_internal_token_on_a_seller_endpoint_is_told_to_send_a_sellers_key(client):
    answer = client.get("/api/v1/seller/products", headers=INTERNAL)
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith("The internal token is no seller's key")
    wrong = client.get("/api/v1/seller/products", headers={"Authorization": "Bearer aisle_sk_nope"})
    assert wrong.json()["detail"] == "This API key is not valid."
