from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aisle.domain.catalog import ProductStatus
from aisle.domain.errors import NotFound
from aisle.domain.reviews import Review, review_added, validate_review
from aisle.services.catalog import Page
from aisle.services.ports import UnitOfWork, UnitOfWorkFactory


class ReviewService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now

    def add(self, product_id: int, rating: int, title: str, body: str, author: str = "") -> Review:
        validate_review(rating, title, body, author)
        review = Review(
            self._new_id(),
            product_id,
            rating,
            title.strip(),
            body.strip(),
            author.strip() or "Anonymous",
            self._now(),
        )
        with self._uow() as uow:
            _require_visible(uow, product_id)
            uow.reviews.add(review)
            uow.record([review_added(review)])
            uow.commit()
        return review

    def list(self, product_id: int, page: int, page_size: int) -> Page:
        with self._uow(readonly=True) as uow:
            _require_visible(uow, product_id)
            items, total = uow.reviews.list_for_product(product_id, (page - 1) * page_size, page_size)
        return Page(items, total, page, page_size)


def _require_visible(uow: UnitOfWork, product_id: int) -> None:
    product = uow.products.get(product_id)
    if product is None or product.status is not ProductStatus.ACTIVE:
        raise NotFound("product", product_id)
