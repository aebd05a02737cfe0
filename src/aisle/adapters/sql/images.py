"""Uploaded product images, one row each; the bytes live in the blob store under their content hash."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.images import ImageStatus, ProductImage

_ORDER = (t.product_images.c.position, t.product_images.c.image_id)
# Built once: the card and search paths run these for every page of results (a statement built per call cost
# more CPU than running it).
_FOR_PRODUCTS = (
    select(t.product_images)
    .where(t.product_images.c.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(*_ORDER)
)


class SqlImageRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, image: ProductImage) -> None:
        self._db.execute(insert(t.product_images).values(**_columns(image)))

    def get(self, image_id: int) -> ProductImage | None:
        row = self._db.execute(select(t.product_images).where(t.product_images.c.image_id == image_id)).first()
        return None if row is None else _to_image(row)

    def save_edits(self, image: ProductImage) -> None:
        editable = ("alt_text", "position", "variant_id", "updated_at")
        columns = {k: v for k, v in _columns(image).items() if k in editable}
        self._db.execute(update(t.product_images).where(t.product_images.c.image_id == image.image_id).values(columns))

    def finish(self, image: ProductImage) -> bool:
        finished = ("status", "reason", "width", "height", "original_ext", "updated_at")
        columns = {k: v for k, v in _columns(image).items() if k in finished}
        result = self._db.execute(
            update(t.product_images)
            .where(t.product_images.c.image_id == image.image_id)
            .where(t.product_images.c.status == ImageStatus.PENDING.value)
            .values(columns)
        )
        return result.rowcount == 1

    def delete(self, image_id: int) -> None:
        self._db.execute(delete(t.product_images).where(t.product_images.c.image_id == image_id))

    def for_products(self, product_ids: Sequence[int]) -> dict[int, list[ProductImage]]:
        if not product_ids:
            return {}
        rows = self._db.execute(_FOR_PRODUCTS, {"ids": list(product_ids)})
        found: dict[int, list[ProductImage]] = {}
        for row in rows:
            found.setdefault(row.product_id, []).append(_to_image(row))
        return found

    def pending(self, limit: int) -> list[ProductImage]:
        rows = self._db.execute(
            select(t.product_images)
            .where(t.product_images.c.status == ImageStatus.PENDING.value)
            .order_by(t.product_images.c.image_id)
            .limit(limit)
        )
        return [_to_image(r) for r in rows]

    def ready_with_hash(self, content_hash: str) -> ProductImage | None:
        row = self._db.execute(
            select(t.product_images)
            .where(t.product_images.c.content_hash == content_hash)
            .where(t.product_images.c.status == ImageStatus.READY.value)
            .limit(1)
        ).first()
        return None if row is None else _to_image(row)

    def count_with_hash(self, content_hash: str) -> int:
        return self._db.execute(
            select(func.count()).select_from(t.product_images).where(t.product_images.c.content_hash == content_hash)
        ).scalar_one()


def _columns(image: ProductImage) -> dict[str, Any]:
    return {
        "image_id": image.image_id,
        "product_id": image.product_id,
        "seller_id": image.seller_id,
        "content_hash": image.content_hash,
        "status": image.status.value,
        "reason": image.reason,
        "alt_text": image.alt_text,
        "position": image.position,
        "variant_id": image.variant_id,
        "width": image.width,
        "height": image.height,
        "original_ext": image.original_ext,
        "created_at": image.created_at,
        "updated_at": image.updated_at,
    }


def _to_image(row: Row[Any]) -> ProductImage:
    return ProductImage(
        image_id=row.image_id,
        product_id=row.product_id,
        seller_id=row.seller_id,
        content_hash=row.content_hash,
        status=ImageStatus(row.status),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        alt_text=row.alt_text,
        position=row.position,
        variant_id=row.variant_id,
        width=row.width,
        height=row.height,
        original_ext=row.original_ext,
        reason=row.reason,
    )
