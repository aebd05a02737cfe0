"""Ranked result pages kept in this process, per search and per index generation.

A search's CPU goes to the engine (scoring, facets), the re-rank and the near matches; shoppers repeat searches
(popular words, category pages), and until the index changes the same search ranks the same products. So the ranked
page is kept, without its cards: those are read again every time (live price and stock, as on any search). A page
is found again only under the index generation it was ranked on (a commit starts a new one, so nothing indexed is
ever hidden) and with the very same query parser, category tree and popularity cuts (compared by identity: each is
replaced as a whole when it changes), so a kept page is always the page a fresh search would rank.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

from aisle.services.cache_lookups import CacheLookups
from aisle.services.search.params import SearchParams
from aisle.services.search.results import SearchResult

PAGES_KEPT = 2048  # a page without its cards: its facets and parsed query (1.8 KB pickled on average at 1M products)


@dataclass(frozen=True)
class KeptPage:
    result: SearchResult  # cards left out (empty)
    product_ids: tuple[int, ...]  # the cards to show, in order
    ranked_with: tuple[object, ...]  # the parser, category tree and popularity cuts it was ranked with


class KeptPages:
    def __init__(
        self,
        generation: Callable[[], Hashable | None],
        kept: int = PAGES_KEPT,
        lookups: CacheLookups | None = None,
    ) -> None:
        """``generation``: changes whenever what the engine answers may have changed (None: it cannot say, and
        nothing is kept)."""
        self._generation = generation
        self._kept = kept
        self._lookups = lookups or CacheLookups()
        self._pages: OrderedDict[Hashable, KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, params: SearchParams) -> Hashable | None:
        """Who asked does not change the page; None when the engine cannot name its generation."""
        generation = self._generation()
        return None if generation is None else (generation, replace(params, client=""))

    def get(self, key: Hashable, ranked_with: tuple[object, ...]) -> KeptPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None and not _same(page.ranked_with, ranked_with):
                page = None
            if page is not None:
                self._pages.move_to_end(key)
        self._lookups.record("search_page", hits=int(page is not None), misses=int(page is None))
        return page

    def put(self, key: Hashable, page: KeptPage) -> None:
        if self._kept <= 0:
            return
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._kept:
                self._pages.popitem(last=False)  # the least recently used


def _same(kept: tuple[object, ...], now: tuple[object, ...]) -> bool:
    return len(kept) == len(now) and all(a is b for a, b in zip(kept, now, strict=True))
