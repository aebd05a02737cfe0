"""What Schemathesis found over the OpenAPI document, one regression test each (tests/api/test_schemathesis.py
runs the whole sweep)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import INTERNAL_TOKEN, SellerClient, make_settings

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
WINDOW = {"starts_at": "2000-01-01T00:00:00Z", "ends_at": "9000-01-01T00:00:00Z"}  # ends in the future, as it must
PROBLEM = "application/problem+json"


def test_a_boolean_minimum_spend_is_a_422_naming_the_field(client: TestClient) -> None:
    for min_spend in (False, True):
        coupon = {"code": "WELCOME10", "kind": "AMOUNT", "value": 5, "min_spend": min_spend, **WINDOW}
        answer = client.post("/api/v1/pricing/coupons", json=coupon, headers=INTERNAL)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["errors"][0]["field"] == "min_spend"
    no_minimum = {"code": "WELCOME10", "kind": "AMOUNT", "value": 5, "min_spend": 0, **WINDOW}
    assert client.post("/api/v1/pricing/coupons", json=no_minimum, headers=INTERNAL).status_code == 201


def test_a_missing_media_rendition_is_a_problem(client: TestClient) -> None:
    answer = client.get("/media/0")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["cache-control"] == "no-store"
    assert answer.json()["instance"] == "/media/0"


def test_every_answer_of_the_gateway_is_documented_on_every_operation(client: TestClient) -> None:
    """401 where a key is required, 422 where there is input, 413 where there is a body, 415 where it is JSON, 400
    (HTTP that cannot be read) and 500 everywhere: each a Problem, and no FastAPI HTTPValidationError left in the
    document."""
    document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            documented = operation["responses"]
            expected = {"500", "400"}
            json_body = "application/json" in operation.get("requestBody", {}).get("content", {})
            expected |= {"415"} if json_body else set()
            expected |= {"401"} if operation.get("security") else set()
            expected |= {"422"} if operation.get("parameters") or operation.get("requestBody") else set()
            expected |= {"413"} if operation.get("requestBody") else set()
            assert expected <= documented.keys(), (method, path, sorted(documented))
            for status, response in documented.items():
                if int(status) >= 400:
                    own = {k: v for k, v in response["content"].items() if k != PROBLEM}
                    assert response["content"][PROBLEM] == {"schema": {"$ref": "#/components/schemas/Problem"}}
                    # beside it, only /readyz's "indexing" body, which is no problem
                    indexing = {"application/json": {"schema": {"$ref": "#/components/schemas/Indexing"}}}
                    assert own == ({} if (path, status) != ("/readyz", "503") else indexing), (method, path, status)


def test_a_body_sent_as_another_media_type_is_the_documented_415(client: TestClient, seller: SellerClient) -> None:
    sent = seller.request("POST", "/products", content=b"{}", headers={"content-type": "text/plain"})
    assert sent.status_code == 415 and sent.headers["content-type"] == PROBLEM
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/seller/products"]["post"]
    assert "415" in operation["responses"]


def test_a_patch_field_that_refuses_null_is_not_documented_as_nullable(
    client: TestClient, seller: SellerClient
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    fields = schemas["ProductPatch"]["properties"]
    pid = seller.create()["product_id"]
    for name in ("title", "description", "images", "status", "attributes", "variants"):
        documented = fields[name].get("anyOf", [fields[name]])
        assert {"type": "null"} not in documented, name
        refused = seller.request("PATCH", f"/products/{pid}", json={name: None})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == name
    for name in ("brand", "gtin", "category_id", "canonical_product_id"):  # these clear with null, as documented
        assert {"type": "null"} in fields[name]["anyOf"], name


def test_put_documents_the_image_entries_get_lists(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    items = schemas["ProductReplace"]["properties"]["images"]["items"]["anyOf"]
    assert {"string", "object"} == {option["type"] for option in items}
    assert [o["required"] for o in items if o["type"] == "object"] == [["url"], ["image_id"]]


def test_price_history_without_a_key_is_a_documented_401(client: TestClient, seller: SellerClient) -> None:
    answer = client.get("/api/v1/seller/variants/1/price-history")
    assert answer.status_code == 401 and answer.headers["content-type"] == PROBLEM
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/seller/variants/{variant_id}/price-history"]
    assert "401" in operation["get"]["responses"]


def test_a_seller_reserving_gets_the_documented_403(client: TestClient, seller: SellerClient) -> None:
    variant_id = seller.create()["variants"][0]["variant_id"]
    answer = client.patch(
        f"/api/v1/inventory/{variant_id}", json={"operation": "RESERVE", "quantity": 1}, headers=seller.headers
    )
    assert answer.status_code == 403 and answer.headers["content-type"] == PROBLEM
    documented = client.get("/openapi.json").json()["paths"]["/api/v1/inventory/{variant_id}"]["patch"]["responses"]
    assert "403" in documented


def test_image_edits_answer_the_documented_429_over_the_write_rate_limit(tmp_path: Path) -> None:
    container = bootstrap(make_settings(tmp_path, seller_writes_per_minute=3))
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            seller = SellerClient(client, "Busy")
            answers = [seller.request("PATCH", "/products/1/images/2", json={"alt_text": "x"}) for _ in range(5)]
            paths = client.get("/openapi.json").json()["paths"]
    finally:
        container.stop()
    assert [a.status_code for a in answers][-1] == 429, [a.status_code for a in answers]
    assert answers[-1].headers["content-type"] == PROBLEM
    image = paths["/api/v1/seller/products/{product_id}/images/{image_id}"]
    assert "429" in image["patch"]["responses"] and "429" in image["delete"]["responses"]


def test_a_malformed_multipart_upload_is_the_documented_400(client: TestClient, seller: SellerClient) -> None:
    product_id = seller.create()["product_id"]
    boundary = "a222103b9b30b1f9e8be6882ecedb1d2"
    answer = seller.request(
        "POST",
        f"/products/{product_id}/images",
        content=f"--{boundary}\r\n[]--{boundary}--\r\n".encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"][0]["field"] == "body"
    upload = client.get("/openapi.json").json()["paths"]["/api/v1/seller/products/{product_id}/images"]["post"]
    assert "400" in upload["responses"]
