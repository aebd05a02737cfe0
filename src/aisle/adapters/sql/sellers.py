from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Row, insert, select

from aisle.adapters.sql import schema as t
from aisle.domain.sellers import Seller


class SqlSellerRepository:
    def __init__(self, connection: Connection, now: object) -> None:
        self._db = connection
        self._now = now

    def add(self, seller: Seller) -> None:
        self._db.execute(
            insert(t.sellers).values(
                seller_id=seller.seller_id,
                name=seller.name,
                api_key_hash=seller.api_key_hash,
                rating=seller.rating,
                created_at=self._now(),  # type: ignore[operator]
            )
        )

    def get(self, seller_id: int) -> Seller | None:
        return self.get_many([seller_id]).get(seller_id)

    def get_many(self, seller_ids: Iterable[int]) -> dict[int, Seller]:
        rows = self._db.execute(select(t.sellers).where(t.sellers.c.seller_id.in_(list(seller_ids))))
        return {r.seller_id: _to_seller(r) for r in rows}

    def by_api_key_hash(self, api_key_hash: str) -> Seller | None:
        row = self._db.execute(select(t.sellers).where(t.sellers.c.api_key_hash == api_key_hash)).first()
        return None if row is None else _to_seller(row)

    def by_name(self, name: str) -> Seller | None:
        row = self._db.execute(
            select(t.sellers).where(t.sellers.c.name == name).order_by(t.sellers.c.seller_id).limit(1)
        ).first()
        return None if row is None else _to_seller(row)


def _to_seller(row: Row) -> Seller:
    return Seller(row.seller_id, row.name, row.api_key_hash, row.rating)
