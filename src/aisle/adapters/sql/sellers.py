from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, Row, and_, insert, select, update

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.sellers import ApiKeyInfo, Seller, fingerprint


class SqlSellerRepository:
    def __init__(self, connection: Connection, now: object) -> None:
        self._db = connection
        self._now = now

    def add(self, seller: Seller) -> None:
        now = self._now()  # type: ignore[operator]
        self._db.execute(
            insert(t.sellers).values(
                seller_id=seller.seller_id,
                name=seller.name,
                api_key_hash=seller.api_key_hash,  # the first key; authentication reads seller_api_keys
                rating=seller.rating,
                rating_count=seller.rating_count,
                created_at=now,
            )
        )
        self.add_key(seller.seller_id, seller.seller_id, seller.api_key_hash, now)

    def add_key(self, seller_id: int, key_id: int, key_hash: str, now: datetime) -> None:
        self._db.execute(
            insert(t.seller_api_keys).values(key_id=key_id, seller_id=seller_id, key_hash=key_hash, created_at=now)
        )

    def keys(self, seller_id: int) -> list[ApiKeyInfo]:
        k = t.seller_api_keys.c
        rows = self._db.execute(select(t.seller_api_keys).where(k.seller_id == seller_id).order_by(k.key_id.desc()))
        return [_to_key(r) for r in rows]

    def revoke_keys(self, seller_id: int, now: datetime, key_id: int | None = None, keep: int | None = None) -> int:
        """Revokes the seller's active keys (one of them with ``key_id``, all but ``keep`` otherwise)."""
        k = t.seller_api_keys.c
        which = and_(k.seller_id == seller_id, k.revoked_at.is_(None))
        if key_id is not None:
            which = and_(which, k.key_id == key_id)
        if keep is not None:
            which = and_(which, k.key_id != keep)
        return self._db.execute(update(t.seller_api_keys).where(which).values(revoked_at=now)).rowcount

    def get(self, seller_id: int) -> Seller | None:
        return self.get_many([seller_id]).get(seller_id)

    def get_many(self, seller_ids: Iterable[int]) -> dict[int, Seller]:
        rows = self._db.execute(select(t.sellers).where(t.sellers.c.seller_id.in_(list(seller_ids))))
        return {r.seller_id: _to_seller(r) for r in rows}

    def by_api_key_hash(self, api_key_hash: str) -> Seller | None:
        k = t.seller_api_keys.c
        query = (
            select(t.sellers)
            .join(t.seller_api_keys, k.seller_id == t.sellers.c.seller_id)
            .where(and_(k.key_hash == api_key_hash, k.revoked_at.is_(None)))
        )
        row = self._db.execute(query).first()
        return None if row is None else _to_seller(row)

    def listed(self, limit: int) -> list[Seller]:
        rows = self._db.execute(select(t.sellers).order_by(t.sellers.c.seller_id).limit(limit))
        return [_to_seller(r) for r in rows]

    def by_name(self, name: str) -> Seller | None:
        row = self._db.execute(
            select(t.sellers).where(t.sellers.c.name == name).order_by(t.sellers.c.seller_id).limit(1)
        ).first()
        return None if row is None else _to_seller(row)

    def all_by_name(self, name: str) -> list[Seller]:
        rows = self._db.execute(select(t.sellers).where(t.sellers.c.name == name).order_by(t.sellers.c.seller_id))
        return [_to_seller(r) for r in rows]


def _to_key(row: Row) -> ApiKeyInfo:
    revoked = None if row.revoked_at is None else as_utc(row.revoked_at)
    return ApiKeyInfo(row.key_id, row.seller_id, fingerprint(row.key_hash), as_utc(row.created_at), revoked)


def _to_seller(row: Row) -> Seller:
    return Seller(row.seller_id, row.name, row.api_key_hash, row.rating, row.rating_count)
