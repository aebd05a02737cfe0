"""Which of a search's candidates are the kind of product its query asks for (domain/search/kinds.py), with the
category tree's kinds kept while the tree is unchanged, and each product's kinds read once per title."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aisle.domain.categories import Category
from aisle.domain.search.kinds import CatalogKinds
from aisle.domain.search.query import ParsedQuery
from aisle.domain.search.synonyms import SynonymTable
from aisle.services.search.engine import Hit


class AskedKind:
    def __init__(
        self, categories: Callable[[], dict[int, Category]], synonyms: Callable[[], SynonymTable] = SynonymTable
    ) -> None:
        self._categories = categories
        self._synonyms = synonyms  # "cover => case": a product named a cover is a case
        self._kinds: tuple[dict[int, Category], SynonymTable, CatalogKinds] | None = None  # for the tree read last

    def names_a_kind(self, parsed: ParsedQuery, head_only: bool = False) -> bool:
        """Whether the query's words (its last word, with ``head_only``) name a kind of product the catalog knows
        ("chargers"; not "galaxy s7")."""
        return bool(self.kinds_asked(parsed, head_only))

    def kinds_asked(self, parsed: ParsedQuery, head_only: bool = False) -> frozenset[str]:
        """The kinds (singular) the query's words name: {"dress"} for "red dresses"; none for "galaxy s7"."""
        return self._catalog_kinds().asked(parsed.named, dict(parsed.synonyms), head_only)

    def candidates_of(self, hits: Sequence[Hit], parsed: ParsedQuery, head_only: bool = False) -> dict[int, float]:
        """The ids of the hits that are the kind the query's head noun names, with how surely they are (none when
        it names no kind; with ``head_only``, none unless its last word names it)."""
        kinds = self._catalog_kinds()
        asked, typed = kinds.asked_typed(parsed.named, dict(parsed.synonyms), head_only)
        if not asked:
            return {}
        shares = {h.product_id: kinds.share(h.title, h.category_id, asked, typed) for h in hits if h.title}
        return {product_id: share for product_id, share in shares.items() if share > 0}

    def filed_under_asked(self, hits: Sequence[Hit], parsed: ParsedQuery, head_only: bool = False) -> set[int]:
        """The ids of the hits whose category path names the kind the shopper's word names, not one of its
        synonyms' (``CatalogKinds.filed_under``)."""
        kinds = self._catalog_kinds()
        _asked, typed = kinds.asked_typed(parsed.named, dict(parsed.synonyms), head_only)  # not "notebook computer"
        return {h.product_id for h in hits if typed and kinds.filed_under(h.title, h.category_id, typed)}

    def _catalog_kinds(self) -> CatalogKinds:
        categories, table = self._categories(), self._synonyms()
        if (
            self._kinds is None
            or self._kinds[1] is not table
            or (self._kinds[0] is not categories and self._kinds[0] != categories)
        ):  # a new tree or synonyms: products are read anew
            also = _one_way(table)
            self._kinds = (categories, table, CatalogKinds.from_categories(categories, also))
        return self._kinds[2]


def _one_way(table: SynonymTable) -> Callable[[str], tuple[str, ...]]:
    """The other single words a word names ("cover => case"; "cable, cord"), never phrases: a charger is no
    adapter for being also called a "power adapter"."""
    return lambda word: tuple(e for e in table.expansions.get((word,), ()) if " " not in e)
