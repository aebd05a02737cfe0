"""The image worker under contention: many workers on one upload finish it once, and an edit racing the worker
keeps both the seller's change and the worker's outcome."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from aisle.adapters.sql import schema as t
from aisle.bootstrap import Container, bootstrap
from aisle.domain.catalog import ProductContent, ProductStatus, Variant
from aisle.domain.images import legacy_upload_key, rendition_keys, upload_key
from aisle.services.images import ImageEdit, UploadedFile
from tests.api.conftest import make_settings
from tests.support import images as files


@pytest.fixture
def quiet(tmp_path: Path) -> Iterator[Container]:
    """No background workers: the test's threads are the only ones rendering."""
    built = bootstrap(make_settings(tmp_path, run_background_workers=False))
    yield built
    built.stop()


def uploaded(container: Container, data: bytes) -> tuple[int, int, int]:
    seller = container.sellers.create("Contended").seller
    content = ProductContent("Contended Mug", (Variant("CM-1", Decimal(12)),), status=ProductStatus.ACTIVE)
    product = container.catalog.create_product(seller.seller_id, content)
    upload = UploadedFile(io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest())
    [image] = container.images.upload(seller.seller_id, product.product_id, [upload])
    return seller.seller_id, product.product_id, image.image_id


def ready_events(container: Container, product_id: int) -> int:
    with container.engine.connect() as connection:
        rows = connection.execute(select(t.outbox.c.payload).where(t.outbox.c.key == product_id)).scalars()
        return sum(1 for payload in rows if payload.get("image") == "ready")


def test_eight_workers_on_one_upload_finish_it_exactly_once(quiet: Container) -> None:
    seller_id, product_id, image_id = uploaded(quiet, files.jpeg(1300, 900))
    barrier, errors = threading.Barrier(8), []

    def work() -> None:
        try:
            barrier.wait()
            quiet.images.process(image_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert quiet.images.image(seller_id, product_id, image_id).status.value == "READY"
    assert ready_events(quiet, product_id) == 1  # one product.updated for the outcome, however many raced


def test_an_edit_while_the_worker_renders_keeps_both(quiet: Container) -> None:
    seller_id, product_id, image_id = uploaded(quiet, files.jpeg(1600, 1200))
    rendering = threading.Thread(target=quiet.images.process, args=(image_id,))
    rendering.start()
    for n in range(20):  # edits land before, during and after the render
        quiet.images.edit(seller_id, product_id, image_id, ImageEdit(alt_text=f"edit {n}"))
    rendering.join()
    image = quiet.images.image(seller_id, product_id, image_id)
    assert image.status.value == "READY" and image.alt_text == "edit 19"


def test_a_picture_another_seller_deletes_before_the_worker_comes_still_turns_ready(quiet: Container) -> None:
    """Seller B uploads the bytes of seller A's ready picture; A deletes its picture before B's is rendered. B's
    upload keeps its own bytes, so the worker renders them again rather than reject B's picture."""
    data = files.jpeg(900, 600)
    a_seller, a_product, a_image = uploaded(quiet, data)
    quiet.images.process(a_image)
    b_seller, b_product, b_image = uploaded(quiet, data)
    quiet.images.delete(a_seller, a_product, a_image)
    quiet.images.process(b_image)
    image = quiet.images.image(b_seller, b_product, b_image)
    assert image.status.value == "READY", image.reason
    assert all(quiet.blobs.get(key) for key in rendition_keys(image).values())


def test_a_deleted_upload_takes_its_waiting_bytes_and_leaves_a_twins_renditions(quiet: Container) -> None:
    data = files.jpeg(800, 600)
    a_seller, a_product, a_image = uploaded(quiet, data)
    quiet.images.process(a_image)
    b_seller, b_product, b_image = uploaded(quiet, data)
    assert quiet.blobs.get(upload_key(b_image)) is not None
    quiet.images.delete(b_seller, b_product, b_image)
    assert quiet.blobs.get(upload_key(b_image)) is None
    ready = quiet.images.image(a_seller, a_product, a_image)
    assert all(quiet.blobs.get(key) for key in rendition_keys(ready).values())


def test_an_upload_waiting_under_its_content_hash_from_before_the_upgrade_is_still_rendered(quiet: Container) -> None:
    data = files.jpeg(640, 480)
    seller_id, product_id, image_id = uploaded(quiet, data)
    quiet.blobs.delete(upload_key(image_id))  # as an API process of the previous version stored it
    quiet.blobs.put(legacy_upload_key(hashlib.sha256(data).hexdigest()), data, "application/octet-stream")
    quiet.images.process(image_id)
    assert quiet.images.image(seller_id, product_id, image_id).status.value == "READY"


def test_a_picture_whose_render_keeps_failing_does_not_hold_up_the_ones_after_it(quiet: Container, monkeypatch):
    _, _, stuck = uploaded(quiet, files.png(40, 40))
    _, _, after = uploaded(quiet, files.jpeg(60, 40))
    pipeline = quiet.images._pipeline
    render = pipeline.render

    def fails_on_the_png(data: bytes):
        if data.startswith(b"\x89PNG"):
            raise MemoryError("as a fault no check foresaw")
        return render(data)

    monkeypatch.setattr(pipeline, "render", fails_on_the_png)
    assert quiet.images.process_pending() == 1  # the JPEG behind it, though the PNG came first and failed
    with quiet.uow(readonly=True) as uow:
        assert uow.images.get(after).status.value == "READY"
        assert uow.images.get(stuck).status.value == "PENDING"  # tried again at the next step
