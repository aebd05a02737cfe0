"""The headers every answer carries: pages are never framed by another site, no answer is sniffed as another type,
and what answers a request made with credentials is never stored by a cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from aisle.settings import Settings
from tests.api.conftest import INTERNAL_TOKEN, SellerClient, make_settings


def test_pages_refuse_framing_and_say_little_in_the_referer(client):
    for path in ("/", "/search?q=lamp", "/seller/login", "/no-such-page"):
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html"), path
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"], path
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert page.headers["x-content-type-options"] == "nosniff"


def test_public_answers_stay_cacheable_and_unsniffed(client):
    found = client.get("/api/v1/products/search", params={"q": "lamp"})
    assert found.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in found.headers.get("cache-control", "")
    assert "content-security-policy" not in found.headers  # JSON: nothing to frame
    picture = client.get("/img/missing.svg", params={"label": "Acme"})
    assert picture.headers["cache-control"] == "public, max-age=86400"  # a route's own header is kept
    assert picture.headers["content-security-policy"] == "default-src 'none'"


def test_answers_to_credentialed_requests_are_never_stored(client, seller: SellerClient):
    token = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    made = client.post("/api/v1/sellers", json={"name": "Keyed Seller"}, headers=token)
    assert made.status_code == 201 and "api_key" in made.json()
    assert made.headers["cache-control"] == "no-store"  # it holds a new API key
    product = seller.create()
    mine = seller.request("GET", f"/products/{product['product_id']}")
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    refused = client.get("/api/v1/seller/products", headers={"Authorization": "Bearer wrong-key-0123456789"})
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"


def test_large_answers_are_compressed_for_clients_that_accept_it(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    described = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    for answer in (page, described):
        assert answer.status_code == 200 and answer.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in answer.headers["vary"].lower()
    assert described.json()["openapi"]  # decoded as sent
    plain = client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json()["openapi"]
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # too small to be worth it


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip;q=0", False),
        ("gzip;q=0, br", False),
        ("GZIP", True),
        ("br;q=1, gzip;q=0.5", True),
        ("*", True),
        ("*, gzip;q=0", False),
        ("identity", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights_and_in_any_case(client, accept_encoding: str, gzipped: bool):
    answer = client.get("/openapi.json", headers={"Accept-Encoding": accept_encoding})
    assert (answer.headers.get("content-encoding") == "gzip") is gzipped, accept_encoding
    assert answer.json()["openapi"]


def test_a_head_request_says_what_its_get_would_send(client):
    got = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    head = client.head("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    for name in ("content-encoding", "content-length", "content-type"):
        assert head.headers[name] == got.headers[name], name


def test_error_answers_that_depend_on_accept_say_so_and_static_files_are_kept_an_hour(client):
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    problem = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert page.headers["content-type"].startswith("text/html") and problem.status_code == page.status_code == 404
    assert "Accept" in page.headers["vary"].split(", ") and problem.headers["vary"] == "Accept"
    assert client.get("/static/css/store.css").headers["cache-control"] == "public, max-age=3600"


def test_an_encoded_slash_is_no_path_separator(client):
    assert client.get("/api/v1/categories").status_code == 200
    for path in ("/api/v1%2Fcategories", "/api/v1%2fcategories", "/api%2Fv1%2Fsellers"):
        refused = client.get(path)
        assert refused.status_code == 404 and "encoded slash" in refused.json()["detail"], path


@pytest.fixture
def shop_origin_client(tmp_path: Path) -> Iterator[TestClient]:
    container = bootstrap(make_settings(tmp_path, cors_origins="https://shop.example"))
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_page_of_an_allowed_origin_may_call_the_api_and_read_its_etag(shop_origin_client: TestClient):
    origin = {"Origin": "https://shop.example"}
    preflight = shop_origin_client.options(
        "/api/v1/seller/products",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, x-request-id",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers  # bearer keys, never cookies
    tree = shop_origin_client.get("/api/v1/categories", headers=origin)
    assert tree.headers["access-control-allow-origin"] == "https://shop.example"
    assert "ETag" in tree.headers["access-control-expose-headers"]


def test_another_origin_and_the_default_settings_allow_no_cross_origin_call(shop_origin_client: TestClient, client):
    elsewhere = shop_origin_client.get("/api/v1/categories", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in elsewhere.headers
    default = client.get("/api/v1/categories", headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in default.headers


@pytest.mark.parametrize(
    "origins",
    [
        "shop.example",
        "https://shop.example/store",
        "ftp://shop.example",
        "https://shop.example#frag",
        "https://user:pw@shop.example",
        "https://shop.example:99999",
        "https://shop.example?",
    ],
)
def test_a_cors_origin_that_is_no_origin_stops_start_up_naming_it(origins: str):
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(cors_origins=origins)


def test_cors_origins_are_kept_as_browsers_send_them():
    settings = Settings(cors_origins="https://Shop.Example/, http://localhost:3000, *")
    assert settings.cors_origin_list == ["https://shop.example", "http://localhost:3000", "*"]


def test_the_redirect_from_a_trailing_slash_names_no_host(client):
    for path in ("/api/v1/categories/", "/search/?q=lamp"):
        answer = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert answer.status_code == 307, (path, answer.text)
        assert answer.headers["location"] == path.replace("/?", "?").rstrip("/")
