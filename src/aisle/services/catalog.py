"""Seller use cases on products: create, change, delete, list, and the version history (diff, rollback)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aisle.domain.catalog import (
    MAX_IMAGES,
    Product,
    ProductContent,
    ProductStatus,
    content_from_dict,
    content_problems,
)
from aisle.domain.categories import CategoryNode, build_tree
from aisle.domain.errors import Conflict, InvalidInput, NotFound, StaleVersion
from aisle.domain.images import ImageStatus
from aisle.domain.pricing import PRICE_MEMORY, price_change_problems
from aisle.domain.search.text import tokenize
from aisle.domain.versions import diff_snapshots
from aisle.services.ports import IdempotencyKey, UnitOfWork, UnitOfWorkFactory, VersionConflict, VersionInfo
from aisle.services.price_history import record_price_history
from aisle.services.retry import retry_on_conflict

Edit = Callable[[ProductContent], ProductContent]
MAX_CAS_ATTEMPTS = 8
MIN_SHARED_TITLE_WORDS = 0.5  # of a canonical product without a GTIN, the title words an offer of it holds


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    page_size: int
    next_after: int | None = None  # the cursor to the next page: the last item's id, when more follow


class CatalogService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now

    def create_product(
        self, seller_id: int, content: ProductContent, actor: str = "seller", key: IdempotencyKey | None = None
    ) -> Product:
        """With ``key``, a retried request gets the product the first one created (as it is now), never a second."""

        def attempt() -> Product:
            with self._uow() as uow:
                if key is not None and (earlier := uow.inventory.remembered(key)) is not None:
                    created = uow.products.get(int(earlier["product_id"]))
                    if created is not None and created.seller_id == seller_id:
                        return created
                require_known_references(uow, content, seller_id)
                product = Product.create(self._new_id(), seller_id, content, self._now(), self._new_id)
                uow.products.add(product, actor)
                record_price_history(uow, [product], actor)
                if key is not None:
                    uow.inventory.remember(key, {"product_id": str(product.product_id)}, self._now())
                uow.commit()
                return product

        # A conflict is a twin request with the same key that committed first: the retry answers with its product.
        return retry_on_conflict(attempt, 2, "the same Idempotency-Key is in use by another request; try again")

    def replace_product(
        self,
        seller_id: int,
        product_id: int,
        content: ProductContent,
        if_match: int | None = None,
        confirm_price_change: bool = False,
        keep_status: bool = False,
    ) -> Product:
        """``keep_status``: the body left the status out, and a replace must not unpublish a product by omission."""

        def replaced(current: ProductContent) -> ProductContent:
            # Popularity is the catalog's own signal, not the seller's: a replace keeps it.
            status = current.status if keep_status else content.status
            return replace(content, popularity=current.popularity, status=status)

        return self.edit_product(seller_id, product_id, replaced, if_match, confirm_price_change)

    def edit_product(
        self,
        seller_id: int,
        product_id: int,
        edit: Edit,
        if_match: int | None = None,
        confirm_price_change: bool = False,
    ) -> Product:
        """Applies ``edit`` to the current content as a new version.

        With ``if_match`` the edit applies only to that version (else StaleVersion); without it, a concurrent
        writer makes us re-read and re-apply the edit, so no change is lost and none is applied twice. A price
        far outside its recent range is refused unless ``confirm_price_change``.
        """

        def change(uow: UnitOfWork, product: Product) -> None:
            content = edit(product.content)
            if problems := content_problems(content):
                raise InvalidInput(problems)
            require_known_references(uow, content, seller_id, previous=product.content, product_id=product.product_id)
            _require_no_stock_dropped(uow, product.content, content)
            _require_room_for_links(uow, product, content)
            if not confirm_price_change:  # last: a seller confirms a price only for a change that can be saved
                _require_plausible_prices(uow, product.content, content, self._now())
            product.update(content, self._now(), self._new_id)

        return self._write(seller_id, product_id, if_match, change)

    def delete_product(self, seller_id: int, product_id: int, if_match: int | None = None) -> Product:
        return self._write(seller_id, product_id, if_match, lambda _uow, product: product.delete(self._now()))

    def rollback(self, seller_id: int, product_id: int, version: int, if_match: int | None = None) -> Product:
        def change(uow: UnitOfWork, product: Product) -> None:
            snapshot = uow.products.snapshot(product_id, version)
            if snapshot is None:
                raise InvalidInput.single("version", f"product has no version {version}")
            content = content_from_dict(snapshot)
            if content.status is ProductStatus.DELETED:
                raise InvalidInput.single("version", f"version {version} is a deleted state; pick another")
            _require_no_stock_dropped(uow, product.content, content)
            _require_room_for_links(uow, product, content)
            # the old version's offer and GTIN are checked as an edit's are: the buy box rules may have moved since
            require_known_references(uow, content, seller_id, previous=product.content, product_id=product_id)
            product.rollback_to(version, content, self._now(), self._new_id)

        return self._write(seller_id, product_id, if_match, change)

    def _write(
        self,
        seller_id: int,
        product_id: int,
        if_match: int | None,
        change: Callable[[UnitOfWork, Product], None],
    ) -> Product:

        def attempt() -> Product:
            with self._uow() as uow:
                product = _owned_product(uow, seller_id, product_id, for_update=True)
                if if_match is not None and product.version != if_match:
                    raise StaleVersion(if_match, product.version)
                read_version = product.version
                change(uow, product)
                if product.version == read_version:  # nothing changed: nothing to write
                    return product
                actor = f"seller:{seller_id}"
                try:
                    uow.products.save(product, expected_version=read_version, actor=actor)
                except VersionConflict:
                    if if_match is not None:  # the caller named the version: no retry on another one
                        raise StaleVersion(if_match, read_version + 1) from None
                    raise
                record_price_history(uow, [product], actor)
                uow.commit()
            return product

        return retry_on_conflict(
            attempt, MAX_CAS_ATTEMPTS, "the product is being changed by others too often; try again"
        )

    def get_product(self, seller_id: int, product_id: int) -> Product:
        with self._uow(readonly=True) as uow:
            return _owned_product(uow, seller_id, product_id)

    def list_products(
        self,
        seller_id: int,
        statuses: Collection[ProductStatus],
        page: int,
        page_size: int,
        text: str = "",
        after: int | None = None,
    ) -> Page:
        """``statuses``: the products in any of them (none: every product); ``text``: those whose title holds it, or
        with a variant of that SKU; ``after``: those after that product id (newest first), instead of a page."""
        with self._uow(readonly=True) as uow:
            offset = 0 if after is not None else (page - 1) * page_size
            # one more than the page: whether another page follows
            items, total = uow.products.list_for_seller(seller_id, statuses, offset, page_size + 1, text, after)
        more = len(items) > page_size
        items = items[:page_size]
        return Page(items, total, page, page_size, items[-1].product_id if more else None)

    def category_tree(self) -> list[CategoryNode]:
        """The category tree, roots first, with each category's ACTIVE products counted (its subtree included)."""
        with self._uow(readonly=True) as uow:
            return build_tree(uow.categories.all(), uow.products.count_active_by_category())

    def count_active(self) -> int:
        with self._uow(readonly=True) as uow:
            return uow.products.count_active()

    def active_ids_for_seller(self, seller_id: int) -> list[int]:
        with self._uow(readonly=True) as uow:
            return uow.products.ids_for_seller(seller_id)

    def products_by_id(self, product_ids: Sequence[int]) -> list[Product]:
        with self._uow(readonly=True) as uow:
            return uow.products.get_many(product_ids)

    def has_products(self) -> bool:
        with self._uow(readonly=True) as uow:
            return uow.products.any_exist()

    def versions(self, seller_id: int, product_id: int) -> list[VersionInfo]:
        with self._uow(readonly=True) as uow:
            _owned_product(uow, seller_id, product_id)
            return uow.products.versions(product_id)

    def version(self, seller_id: int, product_id: int, version: int) -> dict[str, Any]:
        with self._uow(readonly=True) as uow:
            _owned_product(uow, seller_id, product_id)
            snapshot = uow.products.snapshot(product_id, version)
        if snapshot is None:
            raise NotFound("version", version)
        return snapshot

    def diff(self, seller_id: int, product_id: int, from_version: int, to_version: int) -> dict[str, Any]:
        old = self.version(seller_id, product_id, from_version)
        new = self.version(seller_id, product_id, to_version)
        return {"from": from_version, "to": to_version, **diff_snapshots(old, new)}


def _require_room_for_links(uow: UnitOfWork, product: Product, content: ProductContent) -> None:
    """A product shows at most MAX_IMAGES pictures, linked and uploaded together (refused uploads aside), as an
    upload is refused past them. Checked when the links grow, so a product already past it can still be edited."""
    links = len(content.images)
    if links <= len(product.content.images):
        return
    uploaded = uow.images.for_products([product.product_id]).get(product.product_id, [])
    shown = sum(image.status is not ImageStatus.REJECTED for image in uploaded)
    if shown + links > MAX_IMAGES:
        room = MAX_IMAGES - shown
        reason = f"the product has {shown} uploaded pictures and shows at most {MAX_IMAGES}: at most {room} links"
        raise InvalidInput.single("images", reason)


def _owned_product(uow: UnitOfWork, seller_id: int, product_id: int, for_update: bool = False) -> Product:
    product = uow.products.get(product_id, for_update)
    if product is None or product.seller_id != seller_id:
        raise NotFound("product", product_id)  # another seller's product is not even acknowledged
    return product


def require_known_references(
    uow: UnitOfWork,
    content: ProductContent,
    seller_id: int,
    previous: ProductContent | None = None,
    product_id: int | None = None,
) -> None:
    """A category, when named, must exist. A canonical product must be on sale (ACTIVE) and another seller's:
    a DRAFT or deleted one answers exactly like an unknown id, so the answer reveals no unpublished product.
    An offer of it is the same product (``_require_same_product``: else any listing could join a buy box it
    would win with a cheaper, different item), and joins the product the others join, not one that joins another
    (``product_id``: the product written, which others may name; its GTIN then stays)."""
    if content.category_id is not None and uow.categories.get(content.category_id) is None:
        raise InvalidInput.single("category_id", f"unknown category {content.category_id}")
    had = previous.gtin if previous is not None else None
    if had and content.gtin != had and product_id is not None and uow.products.named_canonical([product_id]):
        # its offers carry the GTIN it had: they would be offers of another product
        raise InvalidInput.single("gtin", f"other sellers offer this product as GTIN {had}: it stays")
    canonical_id = content.canonical_product_id
    if canonical_id is None:
        return
    if previous is not None and previous.canonical_product_id == canonical_id:
        # a link made before stays, even when the canonical product is no longer on sale; what names it is checked
        changed = (previous.gtin, previous.title) != (content.gtin, content.title)
        if changed and (linked := uow.products.get(canonical_id)) is not None:
            _require_same_product(linked, content)
        return
    canonical = uow.products.get(canonical_id)
    if canonical is None or canonical.status is not ProductStatus.ACTIVE:
        raise InvalidInput.single("canonical_product_id", f"no product on sale with id {canonical_id}")
    if canonical.seller_id == seller_id:
        raise InvalidInput.single("canonical_product_id", "must be another seller's product (yours are one offer)")
    if (root := canonical.content.canonical_product_id) is not None:
        raise InvalidInput.single(
            "canonical_product_id", f"product {canonical_id} is an offer of product {root}: name {root}"
        )
    if product_id is not None and uow.products.named_canonical([product_id]):
        raise InvalidInput.single(
            "canonical_product_id", "other sellers' offers name this product as theirs: it cannot be an offer itself"
        )
    _require_same_product(canonical, content)


def _require_same_product(canonical: Product, offer: ProductContent) -> None:
    """An offer carries the canonical product's GTIN; without one, its title holds most of the canonical title's
    words (the title is then what says it is the same product)."""
    wanted = canonical.content.gtin
    if wanted and offer.gtin != wanted:
        raise InvalidInput.single("gtin", f"must be {wanted}, the GTIN of product {canonical.product_id}, to offer it")
    if not wanted and _shared_title_words(canonical.content.title, offer.title) < MIN_SHARED_TITLE_WORDS:
        raise InvalidInput.single(
            "title", f"an offer of product {canonical.product_id} names it: most words of {canonical.content.title!r}"
        )


def _shared_title_words(canonical: str, offer: str) -> float:
    """The share of the canonical title's words the offer's title holds ("Oak cutting board" holds 3 of the 4 of
    "Handmade Oak Cutting Board")."""
    words = set(tokenize(canonical))
    return len(words & set(tokenize(offer))) / len(words) if words else 1.0


def _require_no_stock_dropped(uow: UnitOfWork, before: ProductContent, after: ProductContent) -> None:
    """A variant left out of the new content stops existing, and with it its stock and what shoppers reserved of
    it: refused while it holds any (the seller sets it to 0, and lets the reservations end, first)."""
    kept = {v.sku for v in after.variants}
    dropped = {v.variant_id: v.sku for v in before.variants if v.sku not in kept and v.variant_id is not None}
    if not dropped:
        return
    for variant_id, levels in uow.inventory.levels(list(dropped)).items():
        available, reserved = sum(lv.available for lv in levels), sum(lv.reserved for lv in levels)
        if available or reserved:
            raise Conflict(
                f"variant {dropped[variant_id]} holds {available} units for sale and {reserved} reserved: set its "
                "stock to 0 and let its reservations end before removing it",
                field="variants",
            )


def _require_plausible_prices(uow: UnitOfWork, before: ProductContent, after: ProductContent, now: datetime) -> None:
    """A changed price is compared with the variant's price when the window opened and its prices since; a variant
    new to the product with the recent range of every variant it had (else renaming a SKU would skip the check)."""
    old = {v.sku: v for v in before.variants}
    compared = [
        (i, v, [old[v.sku]] if v.sku in old else list(before.variants))
        for i, v in enumerate(after.variants)
        if v.sku not in old or old[v.sku].price != v.price
    ]
    if not compared:
        return
    ids = {o.variant_id for _i, _v, olds in compared for o in olds if o.variant_id}
    recent = uow.pricing.recent_prices(sorted(ids), now - PRICE_MEMORY)
    checks = []
    for i, v, olds in compared:
        held = [p for o in olds for p in (*recent.get(o.variant_id or 0, []), o.price)]
        checks.append((i, v.price, held, held[0] if v.sku in old else None))
    if problems := price_change_problems(checks):
        raise InvalidInput(problems)
