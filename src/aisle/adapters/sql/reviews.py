from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.bulk import BulkInsert
from aisle.adapters.sql.dialect import upsert
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.errors import Conflict
from aisle.domain.reviews import Review, ReviewSummary

# Built once: the card and search paths run these for every page of results (a statement built per call cost
# more CPU than running it).
_INSERT_REVIEWS = BulkInsert(t.reviews, [c.name for c in t.reviews.c])
_COUNTED = [f"stars_{n}" for n in range(1, 6)] + ["verified"]
# An atomic upsert-increment: concurrent reviews of one product each count exactly once.
_COUNT_IN_SUMMARIES = BulkInsert(t.review_stats, ["product_id", *_COUNTED], add_on_conflict=(["product_id"], _COUNTED))
_SUMMARIES = select(t.review_stats).where(t.review_stats.c.product_id.in_(bindparam("ids", expanding=True)))


class SqlReviewRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, review: Review) -> None:
        """Conflict when this reviewer has already reviewed the product."""
        try:
            with self._db.begin_nested():
                self.add_many([review])
        except IntegrityError:
            raise Conflict("this reviewer has already reviewed the product", field="reviewer") from None

    def confirm_order(self, order_id: str, product_ids: Sequence[int], now: datetime) -> None:
        rows = [{"order_id": order_id, "product_id": pid, "confirmed_at": now} for pid in product_ids]
        statement = upsert(self._db, t.confirmed_orders).on_conflict_do_nothing(
            index_elements=[t.confirmed_orders.c.order_id, t.confirmed_orders.c.product_id]
        )
        self._db.execute(statement, rows)

    def order_confirmed(self, order_id: str, product_id: int) -> bool:
        o = t.confirmed_orders.c
        found = self._db.execute(select(o.order_id).where(and_(o.order_id == order_id, o.product_id == product_id)))
        return found.first() is not None

    def add_many(self, reviews: Sequence[Review]) -> None:
        """Inserts reviews and folds them into their products' summaries, atomically."""
        if not reviews:
            return
        _INSERT_REVIEWS.run(self._db, [_review_columns(r) for r in reviews])
        self._count_in_summaries(reviews)

    def list_for_product(self, product_id: int, offset: int, limit: int) -> tuple[list[Review], int]:
        condition = t.reviews.c.product_id == product_id
        total = self._db.execute(select(func.count()).select_from(t.reviews).where(condition)).scalar_one()
        rows = self._db.execute(
            select(t.reviews).where(condition).order_by(t.reviews.c.review_id.desc()).offset(offset).limit(limit)
        )
        return [_to_review(r) for r in rows], total

    def summary(self, product_id: int) -> ReviewSummary:
        return self.summaries([product_id]).get(product_id, ReviewSummary())

    def summaries(self, product_ids: Sequence[int]) -> dict[int, ReviewSummary]:
        rows = self._db.execute(_SUMMARIES, {"ids": list(product_ids)})
        return {
            row.product_id: ReviewSummary({n: getattr(row, f"stars_{n}") for n in range(1, 6)}, row.verified)
            for row in rows
        }

    def _count_in_summaries(self, reviews: Sequence[Review]) -> None:
        counts: dict[int, dict[str, int]] = {}
        for review in reviews:
            stars = counts.setdefault(review.product_id, dict.fromkeys(_COUNTED, 0))
            stars[f"stars_{review.rating}"] += 1
            stars["verified"] += int(review.verified)
        _COUNT_IN_SUMMARIES.run(self._db, [{"product_id": pid, **stars} for pid, stars in counts.items()])


def _review_columns(review: Review) -> dict:
    return {
        "review_id": review.review_id,
        "product_id": review.product_id,
        "rating": review.rating,
        "title": review.title,
        "body": review.body,
        "author": review.author,
        "generated": review.generated,
        "created_at": review.created_at,
        "reviewer": review.reviewer,
        "order_id": None if not review.verified else (review.reviewer or "").removeprefix("order:"),
        "verified": review.verified,
    }


def _to_review(row: Row) -> Review:
    created = as_utc(row.created_at)
    return Review(
        row.review_id,
        row.product_id,
        row.rating,
        row.title,
        row.body,
        row.author,
        created,
        row.generated,
        row.verified,
        row.reviewer,
    )
