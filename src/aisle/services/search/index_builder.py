"""The index builder (the C in CQRS): events in, search documents out.

It never trusts an event's payload: for every product an event names it loads the current state from the
database and indexes that, or removes the product when it is no longer ACTIVE. Replaying an old event therefore
re-indexes the newest state, which makes the builder idempotent and immune to reordering.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from aisle.domain import events as ev
from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.categories import Category, ancestors_path
from aisle.domain.pricing import FinalPrice
from aisle.domain.reviews import ReviewSummary
from aisle.domain.search.brand_spellings import brand_key, preferred_spellings
from aisle.domain.search.document import SearchDocument, build_document
from aisle.services.buybox import BuyBoxes, listed_with_others
from aisle.services.ports import OutboxEntry, UnitOfWork, UnitOfWorkFactory
from aisle.services.search.engine import RebuildTarget, SearchEngine

log = logging.getLogger(__name__)
INDEXED_EVENTS = (
    ev.PRODUCT_CREATED,
    ev.PRODUCT_UPDATED,
    ev.PRODUCT_DELETED,
    ev.PRICE_CHANGED,
    ev.REVIEW_ADDED,
    ev.INVENTORY_CHANGED,
)
REBUILD_PAGE = 2_000
VELOCITY_WINDOW_DAYS = 7


def changes_search(entry: OutboxEntry) -> bool:
    """Whether the index builder must index this event: a change it follows, but for a stock change that leaves
    search as it was (a reservation out of plenty)."""
    return entry.name in INDEXED_EVENTS and not entry.payload.get(ev.SEARCH_UNCHANGED)


class IndexBuilder:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        engine: SearchEngine,
        now: Callable[[], datetime],
        buy_boxes: BuyBoxes | None = None,
        on_indexed: Callable[[float], None] = lambda _lag: None,
        prices: Callable[[Sequence[Product]], dict[int, FinalPrice]] | None = None,
    ) -> None:
        """``on_indexed`` hears the index lag in seconds (event recorded -> searchable) after each batch."""
        self._uow = uow_factory
        self._engine = engine
        self._now = now
        self._buy_boxes = buy_boxes
        self._prices = prices  # what shoppers pay now (deals applied): search filters, sorts and counts on it
        self._on_indexed = on_indexed
        self._lock = threading.RLock()  # re-entrant: following an index switch mid-write re-syncs (catch_up)
        self._brands: dict[str, str] | None = None  # brand key -> claimed spelling, read on first use

    def handle(self, entries: list[OutboxEntry]) -> None:
        """A batch of events: index every product they name, in one commit, but for stock changes that leave
        search as it was (a reservation out of plenty). An index.rebuild event (another process switched to a
        freshly built index) re-syncs what changed while that index was being built."""
        for rebuilt in (e for e in entries if e.name == ev.INDEX_REBUILD):
            self.catch_up(datetime.fromisoformat(rebuilt.payload["built_from"]))
        changes = [e for e in entries if changes_search(e)]
        self.sync(sorted({e.key for e in changes}))
        if changes:
            self._on_indexed((self._now() - min(e.created_at for e in changes)).total_seconds())

    def sync(self, product_ids: Sequence[int], engine: SearchEngine | RebuildTarget | None = None) -> None:
        """Makes the index (the serving one unless another is given) agree with the database for these products."""
        if not product_ids:
            return
        # Read and write under one lock: a sync that read older state must not write after one that read newer
        # state (the relay and a catch-up after an index switch run in different threads).
        with self._lock, self._uow(readonly=True) as uow:
            self._write(uow, uow.products.get_many(product_ids), engine or self._engine, commit=True)

    def index_imported(self, products: Sequence[Product]) -> None:
        """A bulk import's freshly committed batch, written but not yet committed to the index (see ``commit``)."""
        with self._lock, self._uow(readonly=True) as uow:
            self._write(uow, list(products), self._engine, commit=False)

    def commit(self) -> None:
        """Makes what ``index_imported`` wrote searchable (durable on disk for Tantivy)."""
        with self._lock:
            self._engine.refresh()

    def _write(
        self, uow: UnitOfWork, products: list[Product], target: SearchEngine | RebuildTarget, commit: bool
    ) -> None:
        products, shared = self._with_other_offers(uow, products)
        active = [p for p in products if p.status is ProductStatus.ACTIVE]
        documents = self._searchable(uow, active, [p for p in shared if p.status is ProductStatus.ACTIVE])
        indexed = {d.product_id for d in documents}
        target.delete([p.product_id for p in products if p.product_id not in indexed])
        target.upsert(documents)
        if commit:
            target.refresh()

    def rebuild_into(self, engine: RebuildTarget, progress: Callable[[int], None] = lambda _n: None) -> int:
        """Indexes every ACTIVE product into ``engine`` (a fresh index), page by page; returns how many documents it
        wrote. ``progress`` counts the ACTIVE listings read, as a count of them does: a listing in another's buy
        box writes no document of its own."""
        last_id, total = 0, 0
        while True:
            with self._uow(readonly=True) as uow:
                products = uow.products.active_after(last_id, REBUILD_PAGE)
                documents = self._searchable(uow, products)
            if not products:
                break
            engine.upsert(documents)
            last_id = products[-1].product_id
            total += len(documents)
            progress(len(products))
        engine.refresh()
        return total

    def _with_other_offers(self, uow: UnitOfWork, products: list[Product]) -> tuple[list[Product], list[Product]]:
        """A change to one listing can move its product's buy box, so the other listings are synced too.
        Returns the products to sync and, among them, those that may share a buy box (every added one does)."""
        shared = listed_with_others(uow, products)
        if not shared:
            return products, []
        known = {p.product_id for p in products}
        others = [p for p in uow.products.offers_for(shared) if p.product_id not in known]
        return products + others, shared + others

    def _searchable(
        self, uow: UnitOfWork, products: list[Product], shared: list[Product] | None = None
    ) -> list[SearchDocument]:
        """Documents for the listings search shows: one per product, the buy-box winner among its listings.
        ``shared``: those of ``products`` that may share a buy box, when the caller already knows them."""
        hidden = self._buy_boxes.losers(uow, products, shared) if self._buy_boxes else set()
        shown = [p for p in products if p.product_id not in hidden]
        prices = self._prices(shown) if self._prices and shown else {}
        return self._with_canonical_brands(_documents(uow, shown, self._now(), prices))

    def _with_canonical_brands(self, documents: list[SearchDocument]) -> list[SearchDocument]:
        """Each brand in the one spelling the index uses for it, claimed through the engine so that builders
        running at once agree (see brand_spellings); a claim never changes, so claimed spellings are kept here."""
        with self._lock:
            if self._brands is None:  # spellings an older index holds are claimed first (no-op once claimed)
                self._brands = self._engine.claim_brand_spellings(preferred_spellings(self._engine.brands()))
            known = self._brands
            wanted = preferred_spellings(d.brand for d in documents if d.brand and brand_key(d.brand) not in known)
            if wanted:
                known.update(self._engine.claim_brand_spellings(wanted))
        return [d if d.brand == (b := _canonical(known, d.brand)) else replace(d, brand=b) for d in documents]

    def catch_up(self, since: datetime, engine: RebuildTarget | None = None) -> int:
        """Re-syncs every product with an event since ``since``: what changed while an index was being rebuilt."""
        with self._uow(readonly=True) as uow:
            keys = uow.outbox.keys_since(since)
        for start in range(0, len(keys), REBUILD_PAGE):
            self.sync(keys[start : start + REBUILD_PAGE], engine)
        return len(keys)


def _documents(
    uow: UnitOfWork, products: Iterable[Product], now: datetime, prices: dict[int, FinalPrice]
) -> list[SearchDocument]:
    """Search documents, with stock and sales velocity (units a day over the window; 0 for products that have
    not sold yet)."""
    products = list(products)
    if not products:
        return []
    ids = [p.product_id for p in products]
    summaries = uow.reviews.summaries(ids)
    sold = uow.inventory.units_sold_since(ids, now - timedelta(days=VELOCITY_WINDOW_DAYS))
    stock = uow.inventory.levels([v.variant_id for p in products for v in p.content.variants if v.variant_id])
    stocked = {variant_id for variant_id, levels in stock.items() if any(lvl.available > 0 for lvl in levels)}
    sellers = uow.sellers.get_many({p.seller_id for p in products})
    categories = {c.category_id: c for c in uow.categories.all()}
    return [
        build_document(
            product,
            _path(categories, product.content.category_id),
            summaries.get(product.product_id) or ReviewSummary(),
            sellers[product.seller_id].rating if product.seller_id in sellers else None,
            in_stock=any(v.variant_id in stocked for v in product.content.variants),
            sales_velocity=sold[product.product_id] / VELOCITY_WINDOW_DAYS if product.product_id in sold else None,
            prices=prices,
            seller_rating_count=sellers[product.seller_id].rating_count if product.seller_id in sellers else 0,
            stocked=stocked,
        )
        for product in products
    ]


def _canonical(known: dict[str, str], brand: str | None) -> str | None:
    return None if brand is None else known.get(brand_key(brand), brand)


def _path(categories: dict[int, Category], category_id: int | None) -> list[Category]:
    return ancestors_path(categories, category_id) if category_id is not None else []
