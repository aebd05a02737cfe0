"""Which of a search's candidates are the kind of product its query asks for (domain/search/kinds.py), with the
category tree's kinds kept while the tree is unchanged, and each product's kinds read once per title."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aisle.domain.categories import Category
from aisle.domain.search.kinds import CatalogKinds
from aisle.domain.search.query import ParsedQuery
from aisle.services.search.engine import Hit


class AskedKind:
    def __init__(self, categories: Callable[[], dict[int, Category]]) -> None:
        self._categories = categories
        self._kinds: tuple[dict[int, Category], CatalogKinds] | None = None  # for the category tree read last

    def candidates_of(self, hits: Sequence[Hit], parsed: ParsedQuery) -> set[int]:
        """The ids of the hits that are the kind the query's head noun names (none when it names no kind)."""
        kinds = self._catalog_kinds()
        asked = kinds.asked(parsed.named, dict(parsed.synonyms))
        if not asked:
            return set()
        return {h.product_id for h in hits if h.title and kinds.of_product(h.title, h.category_id) & asked}

    def _catalog_kinds(self) -> CatalogKinds:
        categories = self._categories()
        if self._kinds is None or (self._kinds[0] is not categories and self._kinds[0] != categories):
            self._kinds = (categories, CatalogKinds.from_categories(categories))  # a new tree: products read anew
        return self._kinds[1]
