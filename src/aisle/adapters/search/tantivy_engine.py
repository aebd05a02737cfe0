"""The embedded search engine: a Tantivy index on local disk (or in memory for tests).

One writer per index (Tantivy's rule), guarded by a lock; searches take a fresh searcher each time and never
block on writes. Generations and the switch between them live in tantivy_home.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import tantivy

from aisle.adapters.search.tantivy_facets import FacetCounter
from aisle.adapters.search.tantivy_queries import QueryBuilder, bm25_idf
from aisle.adapters.search.tantivy_schema import (
    BASE_LAYOUT,
    FACET_TERMS_LAYOUT,
    LATEST_LAYOUT,
    VARIANT_OFFERS_LAYOUT,
    build_schema,
    plain_analyzer,
    register_analyzers,
    to_tantivy,
)
from aisle.adapters.search.tantivy_sorting import SortField, TieBreakingSorter, best_scored, best_scored_ids
from aisle.domain.categories import Category
from aisle.domain.search.brand_spellings import preferred_spellings
from aisle.domain.search.document import SearchDocument
from aisle.domain.search.ranking import RankingWeights
from aisle.services.search.engine import (
    PERCENTILES,
    EngineQuery,
    EngineResult,
    Facets,
    Filters,
    Hit,
    KeywordGroup,
)

log = logging.getLogger(__name__)
WRITER_HEAP_BYTES = 128 * 1024 * 1024
DOCSTORE_BLOCK_BYTES = 2048
MIN_WRITER_HEAP_BYTES = 15_000_000  # Tantivy's least; the writer taken to create an index writes nothing
META_FILE = "meta.json"
TITLES_KEPT = 50_000  # ~8 MB of recently ranked titles per index (see _RecentTitles)
PREFIX_EXPANSIONS = 64  # the unfinished word of a title completion stands for its 64 commonest completions
_FLOAT, _INTEGER = tantivy.FieldType.Float, tantivy.FieldType.Integer
SORT_FIELDS = {  # equal values in product id order, as on OpenSearch (tantivy_sorting)
    "price_asc": SortField("price", _FLOAT, descending=False),
    "price_desc": SortField("price", _FLOAT, descending=True),
    "rating": SortField("rating_rank", _FLOAT, descending=True),
    "newest": SortField("created_at", _INTEGER, descending=True),
    "relevance": SortField("static_score", _FLOAT, descending=True),  # used when there are no keywords to score
}


class TantivyEngine:
    def __init__(
        self,
        path: Path | None,
        now: Callable[[], datetime],
        weights: RankingWeights | None = None,
        writer_threads: int = 1,
        categories: Callable[[], dict[int, Category]] | None = None,
    ) -> None:
        """``categories``: the catalog's category tree. With it, category facets are counted per leaf category (a
        single-valued field, ~8x cheaper to count than every ancestor of every product) and summed up the tree."""
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self._index, self.layout = _open_index(path)
        self._schema = self._index.schema
        register_analyzers(self._index)
        self._queries = QueryBuilder(self._schema, variant_offers=self.layout >= VARIANT_OFFERS_LAYOUT)
        self._facet_counter = FacetCounter(self._queries, categories, self.facet_terms)
        self._sorter = TieBreakingSorter(self._schema)
        self._plain = plain_analyzer()
        self._now = now
        self._weights = weights or RankingWeights()
        self._writer_threads = writer_threads
        self._writer: Any = None
        self._write_lock = threading.Lock()
        self._claims: dict[str, str] | None = None  # brand key -> spelling (see claim_brand_spellings)
        self._titles = _RecentTitles(TITLES_KEPT)
        self.path = path
        self._refreshes = 0  # an index in memory has no meta.json to look at: its commits are counted here
        self._seen_commit: bytes | int | None = None
        self._generation = 0

    @property
    def facet_terms(self) -> bool:
        """Whether the index has the facet_bucket and attribute_set fields (False: built before them)."""
        return self.layout >= FACET_TERMS_LAYOUT

    # -- writes -------------------------------------------------------------------------------------------------

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        now = self._now()

        def write(writer: Any) -> None:
            for doc in documents:
                writer.delete_documents_by_term("product_id", doc.product_id)
                writer.add_document(to_tantivy(doc, now, self._weights, self.layout))

        self._writing(write)

    def delete(self, product_ids: Sequence[int]) -> None:
        def write(writer: Any) -> None:
            for product_id in product_ids:
                writer.delete_documents_by_term("product_id", product_id)

        self._writing(write)

    def refresh(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writing_locked(lambda writer: writer.commit())
        self._index.reload()
        self._refreshes += 1

    def generation(self) -> int:
        """Changes with every commit to this index, by this process or another; once it has changed, this
        process's searches see that commit or a later one."""
        stamp = self._commit_stamp()
        if stamp != self._seen_commit:
            self._index.reload()  # the reader would follow the commit on its own, but only after a moment
            self._generation += 1
            self._seen_commit = stamp
        return self._generation

    def _commit_stamp(self) -> bytes | int:
        if self.path is None:
            return self._refreshes
        # Every commit replaces meta.json whole (by a rename) with a higher opstamp in it: its content tells
        # commits apart where its inode and coarse-grained mtime may not. A few KB, read in microseconds.
        return (self.path / "meta.json").read_bytes()

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.commit()
                self._writer.wait_merging_threads()
                self._writer = None

    def _writing(self, write: Callable[[Any], None]) -> None:
        with self._write_lock:
            self._writing_locked(write)

    def _writing_locked(self, write: Callable[[Any], None]) -> None:
        """A Tantivy writer that failed once (a full disk, say) goes on taking documents and reporting commits
        that never land, even once the disk has room again. So a failed writer is dropped with what it had not
        committed, and the next write opens a fresh one: the caller saw the error and writes those changes again
        (the relay redelivers the events, an import hands them back to it)."""
        if self._writer is None:
            self._writer = self._index.writer(WRITER_HEAP_BYTES, self._writer_threads)
        try:
            write(self._writer)
        except Exception as error:  # raised again below: the caller reports it; one line here, not a traceback
            log.warning("the search index writer failed (%s): dropping what it had not committed", error)
            failed, self._writer = self._writer, None
            for give_up in (failed.rollback, failed.wait_merging_threads):
                with suppress(Exception):  # it is being dropped for failing: its own errors add nothing
                    give_up()
            raise

    # -- reads --------------------------------------------------------------------------------------------------

    def count(self) -> int:
        return self._index.searcher().num_docs

    def search(self, query: EngineQuery) -> EngineResult:
        searcher = self._index.searcher()
        text = self._queries.keywords(query.keywords, _title_idf(searcher), query.minimum_should_match)
        main = self._queries.combine(text, self._queries.filters(query.filters))
        hits, total = self._hits(searcher, main, query, scored=text is not None)
        facets = self._facets(searcher, text, query.filters) if query.with_facets else Facets()
        return EngineResult(hits, total, facets)

    def _hits(self, searcher: Any, main: Any, query: EngineQuery, scored: bool) -> tuple[list[Hit], int]:
        if query.limit == 0:  # only the count is wanted (Tantivy refuses a zero limit), if even that
            return [], searcher.search(main, 1, count=True).count if query.with_total else 0
        relevance = scored and query.sort == "relevance"
        if relevance:
            best, total = best_scored(searcher, main, query.offset + query.limit)
            keys, addresses = [h.score for h in best[query.offset :]], [h.address for h in best[query.offset :]]
        else:
            page, total = self._sorter.page(searcher, main, SORT_FIELDS[query.sort], query.offset, query.limit)
            keys, addresses = [0.0] * len(page), [h.address for h in page]
        ids = searcher.fast_field_values("product_id", addresses)
        statics = searcher.fast_field_values("static_score", addresses)
        leaves = searcher.fast_field_values("category_leaf", addresses)
        popularity = searcher.fast_field_values("popularity", addresses)
        prices = searcher.fast_field_values("price", addresses)
        # Re-ranking reads what each product is from its title (kinds.py); only relevance-ranked words need it.
        titles = self._titles.of(searcher, addresses, ids) if relevance or query.with_titles else [""] * len(ids)
        hits = [
            Hit(pid, key, static or 0.0, leaf or None, pop or 0.0, title, price)
            for key, pid, static, leaf, pop, title, price in zip(
                keys, ids, statics, leaves, popularity, titles, prices, strict=True
            )
        ]
        return hits, total

    def _facets(self, searcher: Any, text: Any, filters: Filters) -> Facets:
        return self._facet_counter.count(searcher, text, filters)

    def related(self, product_id: int, limit: int) -> list[int]:
        searcher = self._index.searcher()
        found = searcher.search(tantivy.Query.term_query(self._schema, "product_id", product_id), 1)
        if not found.hits:
            return []
        stored = searcher.doc(found.hits[0][1])
        title = stored.get_first("title") or ""
        query = self._queries.related(title, stored.get_first("brand"), stored.get_first("category_leaf"), product_id)
        return best_scored_ids(searcher, query, limit)

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        """One total-only search each: Tantivy has no filters aggregation to count them in one pass."""
        return [
            self.search(EngineQuery(keywords=keywords, filters=f, limit=0, with_facets=False)).total for f in filters
        ]

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        return self._completions(self._index.searcher(), prefix, self._plain.analyze(within), limit)

    def _completions(self, searcher: Any, prefix: str, within: list[str], limit: int) -> list[tuple[str, int]]:
        holding = self._queries.title_words(within)
        return cast(list[tuple[str, int]], searcher.terms_with_prefix("title_words", prefix, holding, limit))

    def brands(self) -> list[str]:
        return [term for term, _count in self._index.searcher().terms_with_prefix("brand", "")]

    def claim_brand_spellings(self, wanted: Mapping[str, str]) -> dict[str, str]:
        """One writer per Tantivy index (its lock file), so the claims live in this engine, seeded from the
        spellings the index holds."""
        with self._write_lock:
            if self._claims is None:
                self._claims = dict(preferred_spellings(self.brands()))
            for key, spelling in wanted.items():
                self._claims.setdefault(key, spelling)
            return {key: self._claims[key] for key in wanted}

    def popularity_cuts(self) -> list[float]:
        searcher = self._index.searcher()
        if searcher.num_docs == 0:
            return []
        result = searcher.aggregate(tantivy.Query.all_query(), {"cuts": _PERCENTILES_AGG})
        return sorted(float(v["value"]) for v in result["cuts"]["values"] if v.get("value") is not None)

    def title_completions(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        words = self._plain.analyze(prefix)
        if not words:
            return []
        searcher = self._index.searcher()
        *whole, last = words
        # The unfinished word's commonest completions in the titles holding the others. Tantivy's own phrase
        # prefix takes the first 50 in alphabetical order: "iphone c" would look for c1, c10 ... and never "case".
        completions = [term for term, _n in self._completions(searcher, last, whole, PREFIX_EXPANSIONS)]
        if not completions:
            return []
        query = self._queries.title_prefix(whole, completions)
        result = searcher.search(query, limit, count=False, order_by_field="static_score")
        docs = [searcher.doc(address) for _key, address in result.hits]
        return [cast(tuple[int, str], (d.get_first("product_id"), d.get_first("title"))) for d in docs]


_PERCENTILES_AGG = {"percentiles": {"field": "popularity", "percents": list(PERCENTILES), "keyed": False}}


class _RecentTitles:
    """Titles of recently ranked products by (product id, version): a title never changes within a version, and
    reading it from the document store costs ~11 us a hit (200 per relevance search), a fast field read ~0.25 us."""

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._titles: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, searcher: Any, addresses: list[Any], ids: list[int]) -> list[str]:
        versions = searcher.fast_field_values("version", addresses)
        titles = []
        for address, product_id, version in zip(addresses, ids, versions, strict=True):
            title = self._titles.get((product_id, version))
            if title is None:
                title = searcher.doc(address).get_first("title") or ""
                self._keep((product_id, version), title)
            titles.append(title)
        return titles

    def _keep(self, key: tuple[int, int], title: str) -> None:
        with self._lock:  # searches run on many threads
            if len(self._titles) >= self._kept and self._titles:
                # The oldest kept. Not a dict's first key: a dict's iteration walks over every slot popped before
                # it, so taking the first key after many evictions cost ~17 us, more than reading the title.
                self._titles.popitem(last=False)
            if self._kept > 0:
                self._titles[key] = title


def _create_with_small_docstore_blocks(path: Path) -> None:
    """A new index keeps its stored documents in 2 KB blocks, not Tantivy's 16 KB: reading one hit's title
    decompresses its whole block, and relevance searches read ~200 titles that share no blocks. Measured on 300,000
    documents: 12.0 -> 4.4 us a read, for a store 22% larger (bench/reports/search_cpu.md). tantivy-py cannot pass
    the setting, so it goes into the index's meta.json before anything is written; Tantivy keeps it from then on.
    The rewrite holds the index's writer lock, so no other process can commit between its read and its write."""
    index = tantivy.Index(build_schema(), path=str(path), reuse=True)
    try:
        writer = index.writer(MIN_WRITER_HEAP_BYTES, 1)
    except ValueError:  # another process writes this index: it made the choice
        return
    try:
        meta_file = path / META_FILE
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("segments") or meta.get("opstamp"):  # written to already
            return
        meta["index_settings"] = {**meta.get("index_settings", {}), "docstore_blocksize": DOCSTORE_BLOCK_BYTES}
        written = meta_file.with_name(meta_file.name + ".aisle-tmp")
        written.write_text(json.dumps(meta), encoding="utf-8")
        written.replace(meta_file)
    finally:
        del writer  # lets the writer lock go (tantivy-py releases it when the writer is dropped)


def _open_index(path: Path | None) -> tuple[tantivy.Index, int]:
    """The index at ``path`` and its layout. One built by an older version opens with its own layout (served as
    it was, see build_schema); any other layout raises ValueError "schema does not match"."""
    if path is not None and not (path / META_FILE).exists():
        _create_with_small_docstore_blocks(path)
    location = None if path is None else str(path)
    for layout in range(LATEST_LAYOUT, BASE_LAYOUT - 1, -1):
        try:
            index = tantivy.Index(build_schema(layout), path=location, reuse=True)
        except ValueError as error:
            if "schema does not match" not in str(error) or layout == BASE_LAYOUT:
                raise
            continue
        if layout < LATEST_LAYOUT:
            log.warning(
                "search index %s has an older layout (%s): %s until `aisle reindex` rebuilds it",
                path,
                layout,
                _UNTIL_REINDEX[layout],
            )
        return index, layout
    raise AssertionError("unreachable: the base layout either opens or raises")


_UNTIL_REINDEX = {
    BASE_LAYOUT: "price, rating and attribute facets are counted the slower way, and attribute filters match "
    "products rather than variants",
    FACET_TERMS_LAYOUT: "attribute filters match products (any variant has each value) rather than variants",
}


def _title_idf(searcher: Any) -> Callable[[str], float]:
    documents = searcher.num_docs
    return lambda token: bm25_idf(documents, searcher.doc_freq("title", token))
