"""Shopper reviews and the per-product summary the PDP shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aisle.domain import events as ev
from aisle.domain.errors import FieldError, InvalidInput
from aisle.domain.visible_text import shows_anything

MAX_REVIEW_TITLE = 200
MAX_REVIEW_BODY = 5_000


@dataclass(frozen=True)
class Review:
    review_id: int
    product_id: int
    rating: int
    title: str
    body: str
    author: str
    created_at: datetime
    generated: bool = False  # written by a data generator, not a shopper: always shown as such
    verified: bool = False  # the reviewer named an order that checkout confirmed for this product
    reviewer: str | None = None  # who wrote it (order:<id> or client:<address>): one review each per product


def review_added(review: Review) -> ev.Event:
    return ev.Event(ev.REVIEW_ADDED, review.product_id, {"review_id": str(review.review_id), "rating": review.rating})


def validate_review(rating: object, title: str, body: str, author: str) -> None:
    problems = []
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        problems.append(FieldError("rating", "must be a whole number from 1 to 5"))
    if len(title) > MAX_REVIEW_TITLE:
        problems.append(FieldError("title", f"must be at most {MAX_REVIEW_TITLE} characters"))
    if not shows_anything(body) and not shows_anything(title):
        problems.append(FieldError("body", "a review needs a title or a body"))
    if len(body) > MAX_REVIEW_BODY:
        problems.append(FieldError("body", f"must be at most {MAX_REVIEW_BODY} characters"))
    if len(author) > 100:
        problems.append(FieldError("author", "must be at most 100 characters"))
    if problems:
        raise InvalidInput(problems)


@dataclass
class ReviewSummary:
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    verified_count: int = 0

    @property
    def count(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        return round(sum(stars * n for stars, n in self.distribution.items()) / self.count, 2)

    def add(self, rating: int, verified: bool = False) -> None:
        self.distribution[rating] += 1
        self.verified_count += int(verified)
