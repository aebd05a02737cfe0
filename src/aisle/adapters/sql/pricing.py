"""Deals, coupons (with a usage limit that holds under concurrent redemption) and price history on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.bulk import BulkInsert
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.coupons import Coupon, CouponRefused, coupon_key
from aisle.domain.errors import Conflict
from aisle.domain.money import from_cents, to_cents
from aisle.domain.pricing import Deal, DealScope, Discount, DiscountKind, PriceChange
from aisle.services.ports import PriceRecord

# Built once: the card and search paths run these for every page of results (a statement built per call cost
# more CPU than running it).
_D = t.deals.c
_INSERT_PRICE_HISTORY = BulkInsert(
    t.price_history, ["variant_id", "product_id", "old_cents", "new_cents", "actor", "changed_at"]
)
_RUNNING_DEALS = select(t.deals).where(
    and_(
        _D.starts_at <= bindparam("now"),
        _D.ends_at > bindparam("now"),
        or_(
            and_(_D.scope == DealScope.PRODUCT.value, _D.target_id.in_(bindparam("products", expanding=True))),
            and_(_D.scope == DealScope.CATEGORY.value, _D.target_id.in_(bindparam("categories", expanding=True))),
            and_(_D.scope == DealScope.SELLER.value, _D.target_id.in_(bindparam("sellers", expanding=True))),
        ),
    )
)


class SqlPricingRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add_deal(self, deal: Deal) -> None:
        self._db.execute(
            insert(t.deals).values(
                deal_id=deal.deal_id,
                name=deal.name,
                scope=deal.scope.value,
                target_id=deal.target_id,
                kind=deal.discount.kind.value,
                value_cents=to_cents(deal.discount.value),
                starts_at=deal.starts_at,
                ends_at=deal.ends_at,
                seller_id=deal.seller_id,
            )
        )

    def running_deals(
        self, now: datetime, product_ids: Sequence[int], category_ids: Sequence[int], seller_ids: Sequence[int]
    ) -> list[Deal]:
        ids = {"now": now, "products": list(product_ids), "categories": list(category_ids), "sellers": list(seller_ids)}
        rows = self._db.execute(_RUNNING_DEALS, ids)
        return [_deal(r) for r in rows]

    def deals_starting_or_ending(self, after: datetime, until: datetime) -> list[Deal]:
        """Deals that started or ended in (after, until]: their products' prices changed with no write."""
        d = t.deals.c
        edges = or_(and_(d.starts_at > after, d.starts_at <= until), and_(d.ends_at > after, d.ends_at <= until))
        return [_deal(r) for r in self._db.execute(select(t.deals).where(edges).order_by(d.deal_id))]

    def deal_edges_announced_until(self) -> datetime | None:
        row = self._db.execute(select(t.deal_edges_announced.c.seen_until)).first()
        return None if row is None else as_utc(row.seen_until)

    def announce_deal_edges_until(self, until: datetime) -> None:
        """Moves the mark forward, never back (two clocks may run at once)."""
        c = t.deal_edges_announced.c
        moved = self._db.execute(
            update(t.deal_edges_announced).where(c.clock == "deals", c.seen_until < until).values(seen_until=until)
        ).rowcount
        if not moved and self.deal_edges_announced_until() is None:
            try:
                with self._db.begin_nested():
                    self._db.execute(insert(t.deal_edges_announced).values(clock="deals", seen_until=until))
            except IntegrityError:  # another clock's first mark: theirs or ours, the next pass moves it on
                pass

    def deal(self, deal_id: int) -> Deal | None:
        row = self._db.execute(select(t.deals).where(_D.deal_id == deal_id)).first()
        return None if row is None else _deal(row)

    def deals_of(self, seller_id: int | None, ending_after: datetime, limit: int) -> list[Deal]:
        """Deals not over by ``ending_after``, newest first: a seller's own, or (None) every deal; not one ended
        before it started (its window is empty)."""
        query = select(t.deals).where(_D.ends_at > ending_after, _D.ends_at > _D.starts_at)
        if seller_id is not None:
            query = query.where(_D.seller_id == seller_id)
        return [_deal(r) for r in self._db.execute(query.order_by(_D.deal_id.desc()).limit(limit))]

    def end_deal(self, deal_id: int, at: datetime) -> None:
        self._db.execute(update(t.deals).where(_D.deal_id == deal_id).values(ends_at=at))

    def add_coupon(self, coupon: Coupon) -> None:
        try:
            with self._db.begin_nested():
                values = _coupon_columns(coupon)
                self._db.execute(insert(t.coupons).values(code=coupon.key, plain_code=coupon.code, **values))
        except IntegrityError:
            raise Conflict(f"{coupon.code} is taken; choose another", field="code") from None

    def coupon(self, code: str, seller_id: int | None = None) -> Coupon | None:
        key = coupon_key(code, seller_id)
        row = self._db.execute(select(t.coupons).where(t.coupons.c.code == key)).first()
        return None if row is None else _coupon(row)

    def code_taken(self, code: str) -> bool:
        c = t.coupons.c
        platforms_or_a_sellers = or_(c.code == code, c.code.endswith(f":{code}", autoescape=True))
        return self._db.execute(select(c.code).where(platforms_or_a_sellers).limit(1)).first() is not None

    def redeem(self, code: str, order_id: str, now: datetime, seller_id: int | None = None) -> bool:
        """Spends one use of the coupon for this order; False when this order already spent it (nothing changes).
        The increment is conditional on the limit, so concurrent redemptions can never exceed it."""
        key = coupon_key(code, seller_id)
        try:
            with self._db.begin_nested():
                self._db.execute(insert(t.coupon_redemptions).values(code=key, order_id=order_id, redeemed_at=now))
        except IntegrityError:
            return False
        c = t.coupons.c
        spent = self._db.execute(
            update(t.coupons)
            .where(and_(c.code == key, or_(c.usage_limit.is_(None), c.used < c.usage_limit)))
            .values(used=c.used + 1)
        ).rowcount
        if spent != 1:
            raise CouponRefused(code, "has been used up")
        return True

    def record_price(
        self, variant_id: int, product_id: int, old: Decimal | None, new: Decimal, actor: str, now: datetime
    ) -> None:
        self.record_prices([PriceRecord(variant_id, product_id, old, new, actor, now)])

    def record_prices(self, records: Sequence[PriceRecord]) -> None:
        if records:
            _INSERT_PRICE_HISTORY.run(self._db, [_price_history_row(r) for r in records])

    def price_history(self, variant_id: int, limit: int = 200) -> list[PriceChange]:
        h = t.price_history.c
        rows = self._db.execute(
            select(t.price_history).where(h.variant_id == variant_id).order_by(h.entry_id.desc()).limit(limit)
        )
        return [
            PriceChange(
                None if r.old_cents is None else from_cents(r.old_cents),
                from_cents(r.new_cents),
                r.actor,
                as_utc(r.changed_at),
            )
            for r in rows
        ]

    def recent_prices(self, variant_ids: Sequence[int], since: datetime) -> dict[int, list[Decimal]]:
        h = t.price_history.c
        rows = self._db.execute(
            select(h.variant_id, h.old_cents, h.new_cents)
            .where(and_(h.variant_id.in_(list(variant_ids)), h.changed_at >= since))
            .order_by(h.changed_at, h.entry_id)
        )
        found: dict[int, list[Decimal]] = {}
        for variant_id, old_cents, new_cents in rows:
            if variant_id not in found and old_cents is not None:  # what it cost when the window opened
                found[variant_id] = [from_cents(old_cents)]
            found.setdefault(variant_id, []).append(from_cents(new_cents))
        return found


def _price_history_row(record: PriceRecord) -> dict[str, Any]:
    return {
        "variant_id": record.variant_id,
        "product_id": record.product_id,
        "old_cents": None if record.old is None else to_cents(record.old),
        "new_cents": to_cents(record.new),
        "actor": record.actor,
        "changed_at": record.changed_at,
    }


def _deal(row: Row) -> Deal:
    return Deal(
        deal_id=row.deal_id,
        scope=DealScope(row.scope),
        target_id=row.target_id,
        discount=Discount(DiscountKind(row.kind), from_cents(row.value_cents)),
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        seller_id=row.seller_id,
        name=row.name,
    )


def _coupon_columns(coupon: Coupon) -> dict[str, Any]:
    return {
        "kind": coupon.discount.kind.value,
        "value_cents": to_cents(coupon.discount.value),
        "min_spend_cents": to_cents(coupon.min_spend),
        "starts_at": coupon.starts_at,
        "ends_at": coupon.ends_at,
        "usage_limit": coupon.usage_limit,
        "used": coupon.used,
        "seller_id": coupon.seller_id,
    }


def _coupon(row: Row) -> Coupon:
    return Coupon(
        code=row.code.rpartition(":")[2],
        discount=Discount(DiscountKind(row.kind), from_cents(row.value_cents)),
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        min_spend=from_cents(row.min_spend_cents),
        usage_limit=row.usage_limit,
        used=row.used,
        seller_id=row.seller_id,
    )
