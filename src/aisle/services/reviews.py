from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aisle.domain.catalog import ProductStatus
from aisle.domain.errors import FieldError, InvalidInput, NotFound
from aisle.domain.reviews import Review, review_added, validate_review
from aisle.domain.visible_text import shows_anything
from aisle.services.catalog import Page
from aisle.services.input_model import unstorable_reason
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

    def add(
        self,
        product_id: int,
        rating: int,
        title: str,
        body: str,
        author: str = "",
        client: str = "unknown",
        order_id: str | None = None,
    ) -> Review:
        """One review per reviewer per product: the reviewer is the order (verified, when checkout confirmed it
        bought this product) or else the client's address."""
        for field, text in (("title", title), ("body", body), ("author", author)):
            if reason := unstorable_reason(text):  # as the API's input model refuses it, the page's form too
                raise InvalidInput.single(field, reason)
        validate_review(rating, title, body, author)
        reviewer = f"order:{order_id}" if order_id is not None else f"client:{client}"
        review = Review(
            self._new_id(),
            product_id,
            rating,
            title.strip(),
            body.strip(),
            author.strip() if shows_anything(author) else "Anonymous",  # "\u200b" shows no one
            self._now(),
            verified=order_id is not None,
            reviewer=reviewer,
        )
        with self._uow() as uow:
            _require_visible(uow, product_id)
            if order_id is not None and not uow.reviews.order_confirmed(order_id, product_id):
                raise InvalidInput.single("order_id", "checkout has not confirmed that this order bought this product")
            uow.reviews.add(review)
            uow.record([review_added(review)])
            uow.commit()
        return review

    def confirm_order(self, order_id: str, product_ids: list[int]) -> None:
        """An order can only have bought products the catalog has (or had: a product deleted since stays known)."""
        with self._uow() as uow:
            known = {product.product_id for product in uow.products.get_many(product_ids)}
            unknown = [
                FieldError(f"product_ids[{n}]", "no such product")
                for n, pid in enumerate(product_ids)
                if pid not in known
            ]
            if unknown:
                raise InvalidInput(unknown)
            uow.reviews.confirm_order(order_id, sorted(set(product_ids)), self._now())
            uow.commit()

    def list(self, product_id: int, page: int, page_size: int) -> Page:
        with self._uow(readonly=True) as uow:
            _require_visible(uow, product_id)
            items, total = uow.reviews.list_for_product(product_id, (page - 1) * page_size, page_size)
        return Page(items, total, page, page_size)


def _require_visible(uow: UnitOfWork, product_id: int) -> None:
    product = uow.products.get(product_id)
    if product is None or product.status is not ProductStatus.ACTIVE:
        raise NotFound("product", product_id)
