"""Related products for the PDP, found by the search engine (title words, brand, category)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aisle.domain.catalog import Product, ProductStatus
from aisle.services.ports import UnitOfWorkFactory
from aisle.services.search.engine import SearchEngine
from aisle.services.search.presenting import result_view

log = logging.getLogger(__name__)


class EngineRelatedProducts:
    def __init__(self, engine: SearchEngine, uow_factory: UnitOfWorkFactory, now: Callable[[], datetime]) -> None:
        self._engine = engine
        self._uow = uow_factory
        self._now = now

    def related_to(self, product: Product, limit: int) -> Sequence[dict[str, Any]]:
        try:
            ids = self._engine.related(product.product_id, limit)
        except Exception:  # a product page without suggestions beats no product page
            log.warning("related products unavailable for %s", product.product_id, exc_info=True)
            return []
        with self._uow(readonly=True) as uow:
            found = {p.product_id: p for p in uow.products.get_many(ids)}
            summaries = uow.reviews.summaries(ids)
        now = self._now()
        return [
            result_view(found[pid], summaries.get(pid), now)
            for pid in ids
            if pid in found and found[pid].status is ProductStatus.ACTIVE
        ]
