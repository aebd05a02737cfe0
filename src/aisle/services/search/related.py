"""Related products for the PDP, found by the search engine (title words, brand, category)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from aisle.domain.catalog import Product
from aisle.services.search.cards import ProductCards
from aisle.services.search.engine import SearchEngine
from aisle.services.search.results import ProductCard

log = logging.getLogger(__name__)


class EngineRelatedProducts:
    def __init__(
        self,
        engine: SearchEngine,
        cards: ProductCards,
        brand_spelling: Callable[[str | None], str | None] = lambda brand: brand,
    ) -> None:
        self._engine = engine
        self._cards = cards
        self._brand_spelling = brand_spelling  # each brand spelled one way, as on the search's cards and facets

    def related_to(self, product: Product, limit: int) -> Sequence[ProductCard]:
        try:
            ids = self._engine.related(product.product_id, limit)
        except Exception:  # a product page without suggestions beats no product page
            log.warning("related products unavailable for %s", product.product_id, exc_info=True)
            return []
        return [replace(card, brand=self._brand_spelling(card.brand)) for card in self._cards.cards(ids)]
