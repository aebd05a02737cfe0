"""Images on the distributed shape: the bytes in a real S3 server, thumbnails made by the Kafka image worker."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from aisle.bootstrap import bootstrap
from aisle.entrypoints.api.app import create_app
from tests.conftest import eventually, opensearch_url, redis_url, s3_url
from tests.distributed.conftest import (
    Shape,
    create_product,
    distributed_settings,
    new_seller,
    proxy_for,
    search_total,
)
from tests.support import images as files


@pytest.fixture
def s3_shape(fresh_database: str) -> Iterator[Shape]:
    opensearch, redis = proxy_for(opensearch_url()), proxy_for(redis_url())
    settings = distributed_settings(
        fresh_database, opensearch, redis, blob_store="s3", s3_url=s3_url(), s3_bucket="aisle-test-media"
    )
    container = bootstrap(settings)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Shape(client, container, opensearch, redis, settings)
    opensearch.close()
    redis.close()


def test_an_upload_is_rendered_by_the_kafka_worker_into_s3_and_shows_in_search(s3_shape: Shape) -> None:
    client, seller = s3_shape.client, new_seller(s3_shape.client)
    product_id = create_product(client, seller, "Platypus Desk Lamp", "PDL-1")
    path = f"/api/v1/seller/products/{product_id}/images"
    answer = client.post(
        path, files=[("file", ("lamp.jpg", files.jpeg_with_gps(1300, 700), "image/jpeg"))], headers=seller
    )
    assert answer.status_code == 202, answer.text
    image_id = answer.json()[0]["image_id"]

    def ready() -> bool:
        return client.get(f"{path}/{image_id}", headers=seller).json()["status"] == "READY"

    eventually(ready, what="the image worker rendering the upload")
    image = client.get(f"{path}/{image_id}", headers=seller).json()
    served = client.get(image["urls"]["1200"])
    assert served.status_code == 200 and served.headers["cache-control"].endswith("immutable")
    assert Image.open(io.BytesIO(served.content)).size == (646, 1200)  # upright: the EXIF said "rotate 90°"
    key = image["urls"]["original"].removeprefix("/media/")
    assert s3_shape.container.blobs.exists(key)  # really in the bucket, not on a local disk
    assert b"Exif" not in (s3_shape.container.blobs.get(key) or b"Exif")

    def card_shows_it() -> bool:
        results = search_total(client, "platypus lamp")["results"]
        return bool(results) and results[0]["thumbnail_url"] == image["urls"]["300"]

    eventually(card_shows_it, what="the search card showing the thumbnail")
    page = client.get(f"/api/v1/products/{product_id}").json()
    assert page["images"][0]["urls"] == image["urls"]
