from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, func, insert, select

from aisle.adapters.sql import schema as t
from aisle.adapters.sql.dialect import upsert
from aisle.adapters.sql.timestamps import as_utc
from aisle.domain.reviews import Review, ReviewSummary


class SqlReviewRepository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection

    def add(self, review: Review) -> None:
        self.add_many([review])

    def add_many(self, reviews: Sequence[Review]) -> None:
        """Inserts reviews and folds them into their products' summaries, atomically."""
        if not reviews:
            return
        self._db.execute(insert(t.reviews), [_review_columns(r) for r in reviews])
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
        rows = self._db.execute(select(t.review_stats).where(t.review_stats.c.product_id.in_(list(product_ids))))
        return {row.product_id: ReviewSummary({n: getattr(row, f"stars_{n}") for n in range(1, 6)}) for row in rows}

    def _count_in_summaries(self, reviews: Sequence[Review]) -> None:
        # An atomic upsert-increment: concurrent reviews of one product each count exactly once.
        counts: dict[int, dict[str, int]] = {}
        for review in reviews:
            stars = counts.setdefault(review.product_id, {f"stars_{n}": 0 for n in range(1, 6)})
            stars[f"stars_{review.rating}"] += 1
        statement = upsert(self._db, t.review_stats)
        columns = {f"stars_{n}": t.review_stats.c[f"stars_{n}"] + statement.excluded[f"stars_{n}"] for n in range(1, 6)}
        self._db.execute(
            statement.on_conflict_do_update(index_elements=[t.review_stats.c.product_id], set_=columns),
            [{"product_id": pid, **stars} for pid, stars in counts.items()],
        )


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
    }


def _to_review(row: Row) -> Review:
    created = as_utc(row.created_at)
    return Review(row.review_id, row.product_id, row.rating, row.title, row.body, row.author, created, row.generated)
