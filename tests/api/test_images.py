"""The image API end to end on the embedded shape: upload, validation, thumbnails by the worker, serving."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.api.conftest import INTERNAL_TOKEN, SellerClient, make_settings, wait_for_outbox
from tests.support import images as files

INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def upload(seller: SellerClient, product_id: str, *parts: tuple[str, bytes], **fields: str):
    multipart = [("file", (name, data, "image/jpeg")) for name, data in parts]
    return seller.request("POST", f"/products/{product_id}/images", files=multipart, data=fields)


def wait_until_done(seller: SellerClient, product_id: str, image_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        image = seller.request("GET", f"/products/{product_id}/images/{image_id}").json()
        if image["status"] != "PENDING":
            return image
        time.sleep(0.05)
    raise AssertionError(f"image {image_id} still PENDING after {timeout} s")


def stored_files(data_dir: Path) -> list[Path]:
    media = data_dir / "media"
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def assert_refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["field"].startswith("file")
    assert words in body["errors"][0]["reason"]


def test_upload_turns_ready_with_thumbnails_and_no_location(
    client: TestClient, seller: SellerClient, tmp_path: Path
) -> None:
    product = seller.create()
    answer = upload(seller, product["product_id"], ("holiday.jpg", files.jpeg_with_gps(1600, 800)), alt_text="Side")
    assert answer.status_code == 202, answer.text
    [record] = answer.json()
    assert record["status"] == "PENDING" and record["alt_text"] == "Side" and record["urls"] is None
    image = wait_until_done(seller, product["product_id"], record["image_id"])
    assert image["status"] == "READY", image
    assert set(image["urls"]) == {"150", "300", "600", "1200", "original"}
    assert (image["width"], image["height"]) == (800, 1600)  # the EXIF orientation was applied
    for size in ("150", "300", "600", "1200"):
        served = client.get(image["urls"][size])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert max(Image.open(io.BytesIO(served.content)).size) == int(size)
    original = client.get(image["urls"]["original"])
    assert original.status_code == 200 and b"Exif" not in original.content
    assert not any(p.parent.name == "uploads" for p in stored_files(tmp_path))  # the raw upload (with GPS) is gone


def test_a_product_read_with_uploaded_images_can_be_put_back_and_keeps_them(seller: SellerClient) -> None:
    product = seller.create()
    [record] = upload(seller, product["product_id"], ("side.jpg", files.jpeg_with_gps(400, 300))).json()
    wait_until_done(seller, product["product_id"], record["image_id"])
    read = seller.request("GET", f"/products/{product['product_id']}").json()
    assert [i.get("image_id") for i in read["images"]] == [record["image_id"], None]  # then the external URL
    read["title"] = "Renamed Shoe"
    written = seller.request("PUT", f"/products/{product['product_id']}", json=read)
    assert written.status_code == 200, written.text
    assert written.json()["images"] == read["images"] and written.json()["title"] == "Renamed Shoe"


def test_media_answers_304_to_its_etag_and_404_to_what_it_does_not_serve(
    client: TestClient, seller: SellerClient
) -> None:
    product = seller.create()
    record = upload(seller, product["product_id"], ("a.png", files.png(400, 300))).json()[0]
    url = wait_until_done(seller, product["product_id"], record["image_id"])["urls"]["300"]
    etag = client.get(url).headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 304  # it exists: any copy is current
    assert client.get(url.replace("/images/", "/images/0"), headers={"If-None-Match": "*"}).status_code == 404
    assert client.head(url).status_code == 200
    for path in ("/media/uploads/" + "0" * 64, "/media/images/../aisle.db", "/media/images/xx/nothing/300.webp"):
        assert client.get(path).status_code == 404


def test_product_json_the_product_page_and_search_show_the_thumbnails(
    client: TestClient, seller: SellerClient, container
) -> None:
    product = seller.create(title="Cobalt Kettle")
    pid = product["product_id"]
    record = upload(seller, pid, ("k.jpg", files.jpeg(900, 900)), alt_text="The kettle").json()[0]
    image = wait_until_done(seller, pid, record["image_id"])
    wait_for_outbox(container)
    as_seller = seller.request("GET", f"/products/{pid}").json()
    assert as_seller["images"][0]["urls"] == image["urls"]
    assert as_seller["images"][1] == {"url": "https://img.example/shoe.jpg"}  # external URLs still work
    page = client.get(f"/api/v1/products/{pid}").json()
    assert page["images"][0]["image_id"] == record["image_id"]
    assert page["images"][0]["urls"]["1200"] == image["urls"]["600"]  # 900 px: 1200 is the largest made, unscaled
    results = client.get("/api/v1/products/search", params={"q": "cobalt kettle"}).json()["results"]
    assert results[0]["thumbnail_url"] == image["urls"]["300"]


def test_another_sellers_product_is_404_and_nothing_is_stored(
    seller: SellerClient, other_seller: SellerClient, tmp_path: Path
) -> None:
    theirs = other_seller.create()
    answer = upload(seller, theirs["product_id"], ("x.jpg", files.jpeg()))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert stored_files(tmp_path) == []
    assert seller.request("GET", f"/products/{theirs['product_id']}/images").status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (files.TEXT_NAMED_JPG, 415, "not a JPEG, PNG, WebP or GIF"),
        (files.truncated_jpeg(), 422, "truncated"),
        (files.png_bomb(), 422, "megapixels"),
    ],
    ids=["text-named-jpg", "truncated-jpeg", "png-bomb"],
)
def test_refused_files_answer_problem_json_and_store_nothing(
    seller: SellerClient, tmp_path: Path, data: bytes, status: int, words: str
) -> None:
    product = seller.create()
    assert_refused(upload(seller, product["product_id"], ("photo.jpg", data)), status, words)
    assert stored_files(tmp_path) == []
    assert seller.request("GET", f"/products/{product['product_id']}/images").json() == []


def test_one_bad_file_refuses_the_whole_request(seller: SellerClient, tmp_path: Path) -> None:
    product = seller.create()
    answer = upload(seller, product["product_id"], ("ok.jpg", files.jpeg()), ("bad.jpg", files.TEXT_NAMED_JPG))
    assert_refused(answer, 415, "not a JPEG")
    assert answer.json()["errors"][0]["field"] == "file[1]"
    assert stored_files(tmp_path) == []


@pytest.fixture
def small_limit(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    container = bootstrap(make_settings(tmp_path, image_max_bytes=20_000))
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client, tmp_path
    container.stop()


def test_a_file_over_the_limit_is_413_while_streaming(small_limit: tuple[TestClient, Path]) -> None:
    client, data_dir = small_limit
    seller = SellerClient(client, "Big Pictures")
    product = seller.create()
    big = files.jpeg(2000, 2000, quality=100)
    assert len(big) > 20_000
    assert_refused(upload(seller, product["product_id"], ("big.jpg", big)), 413, "larger than 20,000 bytes")
    assert stored_files(data_dir) == []


def test_the_same_bytes_twice_are_stored_once(seller: SellerClient, tmp_path: Path) -> None:
    first, second = seller.create(), seller.create(variants=[{"sku": "OTHER-1", "price": 10}])
    data = files.jpeg(700, 500)
    one = upload(seller, first["product_id"], ("a.jpg", data)).json()[0]
    two = upload(seller, second["product_id"], ("b.jpg", data)).json()[0]
    ready_one = wait_until_done(seller, first["product_id"], one["image_id"])
    ready_two = wait_until_done(seller, second["product_id"], two["image_id"])
    assert ready_one["urls"] == ready_two["urls"]
    assert len([p for p in stored_files(tmp_path) if p.name.startswith("original")]) == 1


def test_several_files_at_once_keep_their_order(seller: SellerClient) -> None:
    product = seller.create()
    answer = upload(seller, product["product_id"], ("1.jpg", files.jpeg()), ("2.png", files.png()), position="3")
    assert answer.status_code == 202
    assert [r["position"] for r in answer.json()] == [3, 4]


def test_a_picture_put_first_is_first_and_the_others_make_room(
    client: TestClient, seller: SellerClient, container
) -> None:
    pid = seller.create()["product_id"]
    first, second = (upload(seller, pid, (f"{n}.jpg", files.jpeg(300 + n, 300))).json()[0] for n in (1, 2))
    moved = seller.request("PATCH", f"/products/{pid}/images/{second['image_id']}", json={"position": 0})
    assert moved.status_code == 200 and moved.json()["position"] == 0, moved.text
    newest = upload(seller, pid, ("3.png", files.png()), position="0").json()[0]
    order = [(i["image_id"], i["position"]) for i in seller.request("GET", f"/products/{pid}/images").json()]
    assert order == [(newest["image_id"], 0), (second["image_id"], 1), (first["image_id"], 2)]
    for image in (first, second, newest):
        wait_until_done(seller, pid, image["image_id"])
    wait_for_outbox(container)
    shown = client.get(f"/api/v1/products/{pid}").json()["images"]
    assert [i["image_id"] for i in shown if "image_id" in i] == [
        newest["image_id"],
        second["image_id"],
        first["image_id"],
    ]


def test_a_product_shows_at_most_twenty_pictures_and_a_refused_upload_stores_nothing(seller: SellerClient) -> None:
    pid = seller.create()["product_id"]  # with one picture linked by URL
    batch = [(f"{n}.png", files.png()) for n in range(10)]
    assert upload(seller, pid, *batch).status_code == 202
    assert upload(seller, pid, *batch[:9]).status_code == 202
    refused = upload(seller, pid, ("one-more.png", files.png()))
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "file", refused.text
    assert "at most 20" in refused.json()["detail"]
    assert len(seller.request("GET", f"/products/{pid}/images").json()) == 19


def test_links_and_uploads_together_stay_within_twenty_pictures(seller: SellerClient) -> None:
    pid = seller.create()["product_id"]  # with one picture linked by URL
    assert upload(seller, pid, *[(f"{n}.png", files.png()) for n in range(5)]).status_code == 202
    links = [f"https://img.example/{n}.jpg" for n in range(16)]
    refused = seller.request("PATCH", f"/products/{pid}", json={"images": links})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "images", refused.text
    assert "at most 15 links" in refused.json()["errors"][0]["reason"]
    assert seller.request("PATCH", f"/products/{pid}", json={"images": links[:15]}).status_code == 200
    assert seller.request("PATCH", f"/products/{pid}", json={"title": "Still twenty"}).status_code == 200
    # a price far from its range beside one link too many: the links are named, not a confirmation asked for
    both = {"images": [*links[:15], "https://img.example/more.jpg"], "variants": [{"sku": "TB-42-BLK", "price": 900}]}
    refused = seller.request("PATCH", f"/products/{pid}", json=both)
    assert [e["field"] for e in refused.json()["errors"]] == ["images"], refused.text


def test_a_picture_of_a_variant_taken_out_shows_no_variant_until_a_rollback_brings_it_back(
    client: TestClient, seller: SellerClient
) -> None:
    product = seller.create()
    pid, second = product["product_id"], product["variants"][1]["variant_id"]
    [image] = upload(seller, pid, ("43.png", files.png()), variant_id=second).json()
    wait_until_done(seller, pid, image["image_id"])
    kept = {"variants": [product["variants"][0] | {"price": 89.99}], "confirm_price_change": True}
    assert seller.request("PATCH", f"/products/{pid}", json=kept).status_code == 200
    assert seller.request("GET", f"/products/{pid}/images/{image['image_id']}").json()["variant_id"] is None
    moved = seller.request("PATCH", f"/products/{pid}/images/{image['image_id']}", json={"position": 0})
    assert moved.status_code == 200 and moved.json()["variant_id"] is None
    [shown] = [i for i in client.get(f"/api/v1/products/{pid}").json()["images"] if "image_id" in i]
    assert shown["variant_id"] is None
    assert seller.request("POST", f"/products/{pid}/rollback", json={"version": 1}).status_code == 200
    assert seller.request("GET", f"/products/{pid}/images/{image['image_id']}").json()["variant_id"] == second


def test_edit_and_delete_an_image(client: TestClient, seller: SellerClient, tmp_path: Path) -> None:
    product = seller.create()
    pid = product["product_id"]
    variant_id = product["variants"][1]["variant_id"]
    record = upload(seller, pid, ("a.jpg", files.jpeg(400, 400))).json()[0]
    image = wait_until_done(seller, pid, record["image_id"])
    path = f"/products/{pid}/images/{record['image_id']}"
    edited = seller.request("PATCH", path, json={"alt_text": "Back", "position": 7, "variant_id": variant_id})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["alt_text"], edited.json()["position"], edited.json()["variant_id"]) == (
        "Back",
        7,
        variant_id,
    )
    detached = seller.request("PATCH", path, json={"variant_id": None}).json()
    assert detached["variant_id"] is None and detached["alt_text"] == "Back"
    cleared = seller.request("PATCH", path, json={"alt_text": None}).json()  # null clears, as for variant_id
    assert cleared["alt_text"] == "" and cleared["position"] == 7
    bad = seller.request("PATCH", path, json={"variant_id": "123"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "variant_id"
    assert seller.request("PATCH", path, json={"colour": "red"}).status_code == 422
    assert seller.request("DELETE", path).status_code == 204
    assert seller.request("GET", path).status_code == 404
    assert client.get(image["urls"]["300"]).status_code == 404  # no other image shared those bytes


def test_a_deleted_products_images_stay_for_a_rollback_to_bring_back(client: TestClient, seller: SellerClient) -> None:
    pid = seller.create()["product_id"]
    record = upload(seller, pid, ("a.jpg", files.jpeg(400, 400)), alt_text="Front").json()[0]
    wait_until_done(seller, pid, record["image_id"])
    assert seller.request("DELETE", f"/products/{pid}").status_code == 200
    path = f"/products/{pid}/images/{record['image_id']}"
    for method, body in (("PATCH", {"alt_text": "Back"}), ("DELETE", None)):
        refused = seller.request(method, path, json=body)
        assert refused.status_code == 409 and "deleted" in refused.json()["detail"], refused.text
    restored = seller.request("POST", f"/products/{pid}/rollback", json={"version": 1})
    assert restored.status_code == 200, restored.text
    assert seller.request("GET", path).json()["alt_text"] == "Front"


def test_ugly_requests_get_problem_json(seller: SellerClient) -> None:
    pid = seller.create()["product_id"]
    not_multipart = seller.request(
        "POST", f"/products/{pid}/images", content=b"hello", headers={"content-type": "text/plain"}
    )
    assert not_multipart.status_code == 415
    no_file = seller.request("POST", f"/products/{pid}/images", files={"alt_text": (None, "x")})
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["field"] == "file"
    bad_position = upload(seller, pid, ("a.jpg", files.jpeg()), position="-1")
    assert bad_position.status_code == 422 and bad_position.json()["errors"][0]["field"] == "position"
    unknown_field = upload(seller, pid, ("a.jpg", files.jpeg()), colour="red")
    assert unknown_field.status_code == 422 and unknown_field.json()["errors"][0]["field"] == "colour"
    empty = upload(seller, pid, ("a.jpg", b""))
    assert empty.status_code == 422
    assert seller.request("GET", f"/products/{pid}/images/abc").status_code == 422


def test_openapi_documents_the_upload(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/seller/products/{product_id}/images"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"file", "alt_text", "position", "variant_id"} <= set(schema["properties"])
    assert {"202", "413", "415", "422"} <= set(operation["responses"])


def test_more_than_ten_files_is_413_and_stores_nothing(seller: SellerClient, tmp_path: Path) -> None:
    product = seller.create()
    parts = [("file", (f"{n}.jpg", files.jpeg(60 + n, 40), "image/jpeg")) for n in range(11)]
    answer = seller.request("POST", f"/products/{product['product_id']}/images", files=parts)
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "at most 10 files" in answer.json()["detail"]
    assert stored_files(tmp_path) == []


def test_a_malformed_multipart_body_is_400(seller: SellerClient) -> None:
    pid = seller.create()["product_id"]
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    answer = seller.request("POST", f"/products/{pid}/images", content=b"--xyz\r\nnot a header line", headers=headers)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_colour_filter_shows_each_card_with_its_picture_of_that_colour(
    client: TestClient, seller: SellerClient, container
) -> None:
    variants = [
        {"sku": "SCARF-RED", "price": 20, "attributes": {"color": "Red"}},
        {"sku": "SCARF-BLUE", "price": 20, "attributes": {"color": "Blue"}},
    ]
    product = seller.create(title="Wool Scarf", images=[], variants=variants)
    pid = product["product_id"]
    red_id, blue_id = (v["variant_id"] for v in product["variants"])
    red = upload(seller, pid, ("red.jpg", files.jpeg(400, 400, (200, 30, 30))), variant_id=red_id).json()[0]
    blue = upload(seller, pid, ("blue.jpg", files.jpeg(400, 400, (30, 140, 200))), variant_id=blue_id).json()[0]
    red_urls = wait_until_done(seller, pid, red["image_id"])["urls"]
    blue_urls = wait_until_done(seller, pid, blue["image_id"])["urls"]
    wait_for_outbox(container)

    def card(**params) -> dict:
        results = client.get("/api/v1/products/search", params={"q": "wool scarf", **params}).json()["results"]
        return next(r for r in results if r["product_id"] == pid)

    assert card()["thumbnail_url"] == red_urls["300"]  # no colour chosen: the first picture
    blue_card = card(attr="color:blue")
    assert blue_card["thumbnail_url"] == blue_urls["300"]
    assert blue_card["image"]["image_id"] == blue["image_id"]
    assert card(attr="color:Red")["thumbnail_url"] == red_urls["300"]
    assert card()["thumbnail_url"] == red_urls["300"]  # the cached card itself was not changed by a filter
    assert card(q="blue wool scarf")["thumbnail_url"] == blue_urls["300"]  # the words name the colour

    # In the store, that card opens the product page on the blue scarf, with its picture first.
    store = client.get("/search", params={"q": "blue wool scarf"}).text
    assert f'href="/p/{pid}?pictured={blue_id}"' in store
    page = client.get(f"/p/{pid}", params={"pictured": blue_id}).text
    assert f'value="{blue_id}" checked' in page
    assert page.index(blue_urls["600"]) < page.index(red_urls["600"])


def test_a_sold_out_pictured_variant_opens_on_the_same_colour_in_stock(
    client: TestClient, seller: SellerClient, container
) -> None:
    client.post("/api/v1/warehouses", json={"warehouse_id": "main", "name": "Main", "region": "us"}, headers=INTERNAL)
    sizes = [("RED", "Red", "S"), ("BLUE-S", "Blue", "S"), ("BLUE-M", "Blue", "M")]
    variants = [{"sku": sku, "price": 30, "attributes": {"color": c, "size": z}} for sku, c, z in sizes]
    product = seller.create(title="Linen Shirt", images=[], variants=variants)
    pid = product["product_id"]
    red, blue_small, blue_medium = (v["variant_id"] for v in product["variants"])
    for variant_id, quantity in ((red, 5), (blue_small, 0), (blue_medium, 3)):
        body = {"operation": "SET", "warehouse_id": "main", "quantity": quantity}
        assert client.patch(f"/api/v1/inventory/{variant_id}", json=body, headers=INTERNAL).status_code == 200
    wait_for_outbox(container)

    def chosen(**params: str) -> str:
        page = client.get(f"/p/{pid}", params=params).text
        return next(v for v in (red, blue_small, blue_medium) if f'value="{v}" checked' in page)

    assert chosen(pictured=blue_small) == blue_medium  # blue, in the size that is in stock
    assert chosen(variant=blue_small) == blue_small  # picked by the shopper: shown, sold out as it is
    assert chosen(pictured=red) == red
    assert chosen() == red  # nothing asked: the first variant in stock


@pytest.mark.parametrize("alt_text", ["a\x00b", "\u202egpj.exe", "\x1b[31mred"])
def test_alt_text_keeps_the_text_rules_of_every_body(seller: SellerClient, tmp_path: Path, alt_text: str) -> None:
    pid = seller.create()["product_id"]
    refused = upload(seller, pid, ("a.jpg", files.jpeg()), alt_text=alt_text)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "alt_text", refused.text
    assert seller.request("GET", f"/products/{pid}/images").json() == []  # nothing stored
    record = upload(seller, pid, ("a.jpg", files.jpeg()), alt_text="Front").json()[0]
    path = f"/products/{pid}/images/{record['image_id']}"
    edited = seller.request("PATCH", path, json={"alt_text": alt_text})
    assert edited.status_code == 422 and edited.json()["errors"][0]["field"] == "alt_text", edited.text
    assert seller.request("GET", path).json()["alt_text"] == "Front"


def test_an_unreachable_image_store_answers_503_to_retry_not_500(tmp_path: Path):
    """S3 down (here: nothing listens on its port): an upload and a rendition are 503 with Retry-After."""
    closed = "http://aisle:aisle-local-secret@127.0.0.1:9"
    container = bootstrap(make_settings(tmp_path, blob_store="s3", s3_url=closed, run_background_workers=False))
    with TestClient(create_app(container, manage_background=False), raise_server_exceptions=False) as client:
        seller = SellerClient(client, "Unreachable Images")
        product = seller.create(variants=[{"sku": "S3-DOWN-1", "price": 10}])
        uploaded = upload(seller, product["product_id"], ("a.jpg", files.jpeg()))
        served = client.get("/media/images/1/2/300.webp")
    container.stop()
    for answer in (uploaded, served):
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5", answer.text
        assert "image storage cannot be reached" in answer.json()["detail"]


def test_a_boundary_longer_than_the_parser_takes_is_400(seller: SellerClient) -> None:
    pid = seller.create()["product_id"]
    boundary = "b" * 257
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    answer = seller.request("POST", f"/products/{pid}/images", content=f"--{boundary}--\r\n".encode(), headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "body" and "boundary" in answer.json()["detail"].lower()
