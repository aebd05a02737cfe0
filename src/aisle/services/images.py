"""Product image use cases: upload (validate, store the bytes, record PENDING), edit, delete, and the worker step
that renders a PENDING image into its original and thumbnails and marks it READY (or REJECTED).

The request does the checks that can refuse a file (so a refused file answers 4xx and nothing is stored); the
rendering happens off the request path, in a worker, and announces the product as updated when it is done."""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, BinaryIO

from aisle.domain import events as ev
from aisle.domain.catalog import MAX_IMAGES, Product, ProductStatus
from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.domain.images import (
    ImageRefused,
    ImageStatus,
    ProductImage,
    check_edit,
    legacy_upload_key,
    original_key,
    placed,
    shown_for,
    thumbnail_key,
    upload_key,
)
from aisle.services.input_model import unstorable_reason
from aisle.services.media import MediaUrls
from aisle.services.ports import BlobStore, ImagePipeline, OutboxEntry, Rendition, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
MAX_FILES_PER_REQUEST = 10
UNCHANGED = object()


@dataclass(frozen=True)
class UploadedFile:
    """One ``file`` part, already read to its end into ``stream`` (spooled to disk when large) and hashed."""

    stream: BinaryIO
    size: int
    content_hash: str


@dataclass(frozen=True)
class Picture:
    """An image a program attaches (the generated demo catalog's), rather than a seller's upload."""

    product_id: int
    data: bytes
    alt_text: str = ""
    variant_id: int | None = None


@dataclass(frozen=True)
class ImageEdit:
    alt_text: str | None = None
    position: int | None = None
    variant_id: int | object | None = UNCHANGED  # None detaches it from its variant


class ImageService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        blobs: BlobStore,
        pipeline: ImagePipeline,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        media: MediaUrls,
        max_bytes: int = 10 * 1_048_576,
    ) -> None:
        self.media = media
        self.max_bytes = max_bytes  # per file; the HTTP layer stops reading a part past it
        self._uow = uow_factory
        self._blobs = blobs
        self._pipeline = pipeline
        self._new_id = new_id
        self._now = now

    def upload(
        self,
        seller_id: int,
        product_id: int,
        files: Sequence[UploadedFile],
        alt_text: str = "",
        position: int | None = None,
        variant_id: int | None = None,
    ) -> list[ProductImage]:
        """Validates every file first: one refused file refuses the request, and nothing is stored."""
        _check_text(alt_text)
        check_edit(alt_text, position)
        with self._uow(readonly=True) as uow:
            _check_variant(self._writable_product(uow, seller_id, product_id), variant_id)
        for index, upload in enumerate(files):
            try:
                upload.stream.seek(0)
                self._pipeline.check(upload.stream)
            except ImageRefused as refused:
                raise ImageRefused(refused.reason, refused.status, _file_field(index, len(files))) from refused
        image_ids = [self._new_id() for _ in files]
        for image_id, upload in zip(image_ids, files, strict=True):
            upload.stream.seek(0)
            self._blobs.put(upload_key(image_id), upload.stream.read(), "application/octet-stream")
        try:
            return self._record(seller_id, product_id, image_ids, files, alt_text, position, variant_id)
        except BaseException:
            for image_id in image_ids:
                self._blobs.delete(upload_key(image_id))
            raise

    def images(self, seller_id: int, product_id: int) -> list[ProductImage]:
        with self._uow(readonly=True) as uow:
            product = self._sellers_product(uow, seller_id, product_id)
            uploaded = uow.images.for_products([product_id]).get(product_id, [])
        variant_ids = {v.variant_id for v in product.content.variants}
        return [shown_for(image, variant_ids) for image in uploaded]

    def galleries(self, products: Sequence[Product]) -> dict[int, list[dict[str, Any]]]:
        """The seller's view of each product's images, PENDING and REJECTED uploads included."""
        with self._uow(readonly=True) as uow:
            uploaded = uow.images.for_products([p.product_id for p in products])
        return {p.product_id: self.media.gallery(p, uploaded.get(p.product_id, []), False) for p in products}

    def image(self, seller_id: int, product_id: int, image_id: int) -> ProductImage:
        with self._uow(readonly=True) as uow:
            product = self._sellers_product(uow, seller_id, product_id)
            image = _image_of(uow, product, image_id)
        return shown_for(image, {v.variant_id for v in product.content.variants})

    def edit(self, seller_id: int, product_id: int, image_id: int, edit: ImageEdit) -> ProductImage:
        _check_text(edit.alt_text)
        check_edit(edit.alt_text, edit.position)
        with self._uow() as uow:
            # a deleted product's images stay as they were, for a rollback to bring them back with it
            product = self._writable_product(uow, seller_id, product_id)
            image = _image_of(uow, product, image_id)
            now = self._now()
            changed = replace(
                image, alt_text=image.alt_text if edit.alt_text is None else edit.alt_text, updated_at=now
            )
            if edit.variant_id is not UNCHANGED:
                variant = edit.variant_id if isinstance(edit.variant_id, int) else None
                _check_variant(product, variant)
                changed = replace(changed, variant_id=variant)
            shifted: list[ProductImage] = []
            if edit.position is not None:
                gallery = uow.images.for_products([product_id]).get(product_id, [])
                reordered = placed(gallery, [changed], edit.position)
                changed = next(i for i in reordered if i.image_id == image_id)
                shifted = [i for i in reordered if i.image_id != image_id]
            for saved in (changed, *(replace(i, updated_at=now) for i in shifted)):
                uow.images.save_edits(saved)
            self._announce(uow, changed, "edited")
            uow.commit()
        return shown_for(changed, {v.variant_id for v in product.content.variants})

    def delete(self, seller_id: int, product_id: int, image_id: int) -> None:
        with self._uow() as uow:
            image = _image_of(uow, self._writable_product(uow, seller_id, product_id), image_id)
            uow.images.delete(image_id)
            self._announce(uow, image, "deleted")
            still_used = uow.images.count_with_hash(image.content_hash)
            uow.commit()
        self._blobs.delete(upload_key(image_id))
        if not still_used:  # content-addressed: the renditions may be shared by another product's image
            self._delete_renditions(image)

    def attach(self, seller_id: int, pictures: Sequence[Picture]) -> int:
        """Validates and renders each distinct picture once (content addressing shares it), then records them all
        READY in one transaction. For loading catalogs before they are served: no events are recorded, so the
        products' own creation events must still be ahead of the index builder (they are, at import time)."""
        rendered: dict[str, ProductImage] = {}
        now = self._now()
        for picture in pictures:
            content_hash = hashlib.sha256(picture.data).hexdigest()
            if content_hash not in rendered:
                rendered[content_hash] = self._rendered_once(content_hash, picture.data, now)
        positions: Counter[int] = Counter()
        with self._uow() as uow:
            for picture in pictures:
                model = rendered[hashlib.sha256(picture.data).hexdigest()]
                position = positions[picture.product_id]
                positions[picture.product_id] += 1
                uow.images.add(
                    replace(
                        model,
                        image_id=self._new_id(),
                        product_id=picture.product_id,
                        seller_id=seller_id,
                        alt_text=picture.alt_text,
                        variant_id=picture.variant_id,
                        position=position,
                    )
                )
            uow.commit()
        return len(pictures)

    def _rendered_once(self, content_hash: str, data: bytes, now: datetime) -> ProductImage:
        with self._uow(readonly=True) as uow:
            twin = uow.images.ready_with_hash(content_hash)
        if twin is not None:
            return twin
        self._pipeline.check(io.BytesIO(data))
        rendition = self._pipeline.render(data)
        self._store_rendition(content_hash, rendition)
        pending = ProductImage(0, 0, 0, content_hash, ImageStatus.PENDING, now, now)
        return pending.ready(rendition.width, rendition.height, rendition.original_ext, now)

    def process_pending(self, limit: int = 4) -> int:
        """The embedded worker's step: renders PENDING images, oldest first; returns how many it finished."""
        with self._uow(readonly=True) as uow:
            pending = uow.images.pending(limit)
        failed: list[Exception] = []
        for image in pending:
            try:
                self.process(image.image_id)
            except Exception as error:  # one picture that keeps failing must not hold up those after it
                log.exception("image %d could not be rendered; the others go on", image.image_id)
                failed.append(error)
        if pending and len(failed) == len(pending):
            raise failed[0]  # every one: the store or the database is down, and the worker backs off
        return len(pending) - len(failed)

    def handle_uploaded(self, entries: list[OutboxEntry]) -> None:
        """The image worker's handler for ``image.uploaded`` events (at least once: processing is idempotent)."""
        for entry in entries:
            if entry.name == ev.IMAGE_UPLOADED:
                self.process(int(entry.payload["image_id"]))

    def process(self, image_id: int) -> None:
        with self._uow(readonly=True) as uow:
            image = uow.images.get(image_id)
            twin = uow.images.ready_with_hash(image.content_hash) if image else None
        if image is None or image.status is not ImageStatus.PENDING:
            return
        now = self._now()
        if twin is not None:  # the same bytes were rendered before: share them
            finished = image.ready(twin.width or 0, twin.height or 0, twin.original_ext or "jpg", now)
        else:
            finished = self._render(image, now)
        self._finish(finished)

    def _render(self, image: ProductImage, now: datetime) -> ProductImage:
        data = self._blobs.get(upload_key(image.image_id)) or self._blobs.get(legacy_upload_key(image.content_hash))
        if data is None:
            with self._uow(readonly=True) as uow:
                twin = uow.images.ready_with_hash(image.content_hash)
            if twin is not None:  # another worker rendered this upload and cleared it meanwhile
                return image.ready(twin.width or 0, twin.height or 0, twin.original_ext or "jpg", now)
            return image.rejected("the uploaded bytes are gone; upload the file again", now)
        try:
            rendition = self._pipeline.render(data)
        except ImageRefused as refused:
            return image.rejected(refused.reason, now)
        del data
        self._store_rendition(image.content_hash, rendition)
        return image.ready(rendition.width, rendition.height, rendition.original_ext, now)

    def _finish(self, finished: ProductImage) -> None:
        with self._uow() as uow:
            if not uow.images.finish(finished):
                return  # deleted, or finished by another worker, meanwhile
            self._announce(uow, finished, finished.status.value.lower())
            uow.commit()
        self._blobs.delete(upload_key(finished.image_id))

    def _store_rendition(self, content_hash: str, rendition: Rendition) -> None:
        for size, data in rendition.thumbnails.items():
            self._blobs.put(thumbnail_key(content_hash, size), data, "image/webp")
        content_type = "image/png" if rendition.original_ext == "png" else "image/jpeg"
        self._blobs.put(original_key(content_hash, rendition.original_ext), rendition.original, content_type)

    def _delete_renditions(self, image: ProductImage) -> None:
        if image.original_ext:
            self._blobs.delete(original_key(image.content_hash, image.original_ext))
        for size in image.thumbnail_sizes():
            self._blobs.delete(thumbnail_key(image.content_hash, size))

    def _record(
        self,
        seller_id: int,
        product_id: int,
        image_ids: Sequence[int],
        files: Sequence[UploadedFile],
        alt_text: str,
        position: int | None,
        variant_id: int | None,
    ) -> list[ProductImage]:
        now = self._now()
        with self._uow() as uow:
            product = self._writable_product(uow, seller_id, product_id)
            existing = uow.images.for_products([product_id]).get(product_id, [])
            _check_room(product, existing, len(files))
            images = [
                ProductImage(
                    image_id=image_id,
                    product_id=product_id,
                    seller_id=seller_id,
                    content_hash=upload.content_hash,
                    status=ImageStatus.PENDING,
                    created_at=now,
                    updated_at=now,
                    alt_text=alt_text,
                    variant_id=variant_id,
                )
                for image_id, upload in zip(image_ids, files, strict=True)
            ]
            new_ids = {image.image_id for image in images}
            positioned = placed(existing, images, position)
            images = [image for image in positioned if image.image_id in new_ids]
            for image in images:
                uow.images.add(image)
            for shifted in positioned:
                if shifted.image_id not in new_ids:
                    uow.images.save_edits(replace(shifted, updated_at=now))
            uow.record(ev.Event(ev.IMAGE_UPLOADED, product_id, {"image_id": str(i.image_id)}) for i in images)
            uow.commit()
        return images

    def _announce(self, uow: UnitOfWork, image: ProductImage, what: str) -> None:
        """Cards, pages and the index follow a product through its product.updated events."""
        payload = {"changed": ["images"], "image_id": str(image.image_id), "image": what}
        uow.record([ev.Event(ev.PRODUCT_UPDATED, image.product_id, payload)])

    def _sellers_product(self, uow: UnitOfWork, seller_id: int, product_id: int) -> Product:
        product = uow.products.get(product_id)
        if product is None or product.seller_id != seller_id:
            raise NotFound("product", product_id)
        return product

    def _writable_product(self, uow: UnitOfWork, seller_id: int, product_id: int) -> Product:
        product = self._sellers_product(uow, seller_id, product_id)
        if product.status is ProductStatus.DELETED:
            raise Conflict("the product is deleted: roll back to a previous version to restore it", "product_id")
        return product


def _image_of(uow: UnitOfWork, product: Product, image_id: int) -> ProductImage:
    """One of the product's images (the product already read, and checked to be the seller's)."""
    image = uow.images.get(image_id)
    if image is None or image.product_id != product.product_id:
        raise NotFound("image", image_id)
    return image


def _check_room(product: Product, uploaded: Sequence[ProductImage], adding: int) -> None:
    """A product shows at most MAX_IMAGES pictures, linked and uploaded together (refused uploads aside)."""
    shown = len(product.content.images) + sum(image.status is not ImageStatus.REJECTED for image in uploaded)
    if shown + adding > MAX_IMAGES:
        raise Conflict(
            f"the product has {shown} pictures and a product shows at most {MAX_IMAGES}: delete some before adding "
            f"{adding} more",
            field="file",
        )


def _check_variant(product: Product, variant_id: int | None) -> None:
    if variant_id is not None and variant_id not in {v.variant_id for v in product.content.variants}:
        raise InvalidInput.single("variant_id", f"the product has no variant {variant_id}")


def _file_field(index: int, count: int) -> str:
    return "file" if count == 1 else f"file[{index}]"


def _check_text(alt_text: str | None) -> None:
    """The text rules of every body (no NUL, control or bidirectional override characters) for the one field a
    multipart upload carries, which no input model reads."""
    if alt_text is not None and (reason := unstorable_reason(alt_text)):
        raise InvalidInput.single("alt_text", reason)
