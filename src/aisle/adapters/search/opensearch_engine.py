"""The distributed search engine: OpenSearch behind an alias, with the same behaviour as the Tantivy engine.

Searches and writes go through the alias; each physical index is ``<alias>-<UTC timestamp>``. A rebuild fills a
new physical index while the alias keeps serving the old one, then moves the alias in one atomic _aliases call.
Connection errors and timeouts propagate: the callers have their fallbacks.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, TransportError

from aisle.adapters.search.opensearch_brands import BrandClaims
from aisle.adapters.search.opensearch_mapping import MAPPINGS, SourceBuilder, index_body
from aisle.adapters.search.opensearch_queries import (
    QueryBuilder,
    escape_regexp,
    every_filter,
    read_facets,
    search_body,
)
from aisle.adapters.search.opensearch_writes import IndexWriter
from aisle.adapters.search.tantivy_queries import bm25_idf
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
    RebuildTarget,
)

log = logging.getLogger(__name__)
TERMS_PER_REQUEST = 50_000  # below OpenSearch's search.max_buckets (65,535)
BRANDS_PER_PAGE = 10_000
PARTITION_HEADROOM = 1.5  # more partitions than the estimate needs, so none holds more than a page of words
CLUSTER_SHARDS, CLUSTER_REPLICAS = 2, 1  # where the cluster has two data nodes or more
FREQUENCIES_TTL_SECONDS = 60.0


RELATED_ORDER = ["_score", {"product_id": "asc"}]  # equal scores in product id order, as on Tantivy


class OpenSearchEngine:
    def __init__(
        self,
        hosts: str | Sequence[str],
        alias: str,
        now: Callable[[], datetime],
        weights: RankingWeights | None = None,
        timeout_seconds: float = 2.0,
        write_timeout_seconds: float = 30.0,
        shards: int | None = None,
        replicas: int | None = None,
    ) -> None:
        """``hosts``: one URL, several comma-separated, or a list: requests go round the nodes, and one that
        refuses a connection is set aside (and the request retried on the next) until it answers again.
        ``shards``/``replicas`` of the indexes this engine creates; None: by the cluster's data nodes."""
        self.alias = alias
        nodes = hosts.split(",") if isinstance(hosts, str) else list(hosts)
        self._client = OpenSearch(nodes, timeout=timeout_seconds, pool_maxsize=32)
        self._timeout = timeout_seconds
        self._write_timeout = write_timeout_seconds
        self._shards, self._replicas = shards, replicas
        self._now = now
        self._sources = SourceBuilder(weights or RankingWeights())
        self._queries = QueryBuilder()
        self._ensure_alias()
        self._writer = self._writer_for(alias, through_alias=True)
        self.brand_claims = BrandClaims(self._client, alias, write_timeout_seconds)
        self._frequencies: dict[str, int] = {}  # title token -> documents holding it (see _title_idf)
        self._documents, self._frequencies_at = 0, -math.inf

    def close(self) -> None:
        self._client.close()

    # -- writes -------------------------------------------------------------------------------------------------

    def upsert(self, documents: Sequence[SearchDocument]) -> None:
        self._writer.upsert(documents)

    def delete(self, product_ids: Sequence[int]) -> None:
        self._writer.delete(product_ids)

    def refresh(self) -> None:
        self._writer.refresh()

    # -- reads --------------------------------------------------------------------------------------------------

    def count(self) -> int:
        """Documents behind the alias; 0 when there is no index behind it (deleted, or a cluster restored empty),
        which is what lets the workers notice and rebuild it (services/search/index_rebuild.py)."""
        try:
            return int(self._client.count(index=self.alias, request_timeout=self._timeout)["count"])
        except NotFoundError:
            return 0

    def search(self, query: EngineQuery) -> EngineResult:
        idf = self._title_idf(self._queries.synonym_tokens(query.keywords))
        text = self._queries.keywords(query.keywords, query.minimum_should_match, idf)
        response = self._search(search_body(query, text))
        scored = text is not None and query.sort == "relevance"
        hits = [
            Hit(
                product_id=int(hit["_id"]),
                text_score=float(hit["_score"]) if scored else 0.0,
                static_score=_doc_value(hit, "static_score") or 0.0,
                category_id=_doc_value(hit, "category_leaf"),
                popularity=_doc_value(hit, "popularity") or 0.0,
                price=_doc_value(hit, "price"),
                title=str(hit.get("_source", {}).get("title", "")) if scored or query.with_titles else "",
            )
            for hit in response["hits"]["hits"]
        ]
        facets = read_facets(response["aggregations"], query.filters) if query.with_facets else Facets()
        return EngineResult(hits, response["hits"]["total"]["value"], facets)

    def count_each(self, keywords: tuple[KeywordGroup, ...], filters: Sequence[Filters]) -> list[int]:
        """One request: the keywords as the query, each filter a bucket of a filters aggregation."""
        if not filters:
            return []
        text = self._queries.keywords(keywords, None, self._title_idf(self._queries.synonym_tokens(keywords)))
        each = {str(i): {"bool": {"filter": every_filter(f)}} for i, f in enumerate(filters)}
        body = {
            "size": 0,
            "track_total_hits": False,
            "query": text or {"match_all": {}},
            "aggs": {"each": {"filters": {"filters": each}}},
        }
        buckets = self._search(body)["aggregations"]["each"]["buckets"]
        return [int(buckets[str(i)]["doc_count"]) for i in range(len(filters))]

    def _title_idf(self, tokens: list[str]) -> Callable[[str], float] | None:
        """Each token's BM25 idf in titles (only queries with synonyms need it). Document frequencies move slowly,
        so they are kept a minute: a query asks OpenSearch only for tokens not seen within that minute."""
        if not tokens:
            return None
        if time.monotonic() - self._frequencies_at > FREQUENCIES_TTL_SECONDS:
            self._frequencies, self._frequencies_at = {}, time.monotonic()
        missing = [t for t in tokens if t not in self._frequencies]
        if missing:
            counts = {"filters": {"filters": {str(i): {"term": {"title": t}} for i, t in enumerate(missing)}}}
            body = {"size": 0, "track_total_hits": True, "query": {"match_all": {}}, "aggs": {"df": counts}}
            response = self._search(body)
            buckets = response["aggregations"]["df"]["buckets"]
            self._documents = int(response["hits"]["total"]["value"])
            self._frequencies.update({t: int(buckets[str(i)]["doc_count"]) for i, t in enumerate(missing)})
        frequencies, documents = dict(self._frequencies), self._documents
        return lambda token: bm25_idf(documents, frequencies.get(token, 0))

    def related(self, product_id: int, limit: int) -> list[int]:
        try:
            found = self._client.get(
                index=self.alias,
                id=str(product_id),
                _source_includes="title,brand,category_leaf",
                request_timeout=self._timeout,
            )
        except NotFoundError as missing:
            if isinstance(missing.info, dict) and missing.info.get("found") is False:
                return []  # the product is not indexed; a missing index is an error and propagates
            raise
        source = found["_source"]
        query = self._queries.related(source["title"], source.get("brand"), source.get("category_leaf"), product_id)
        body = {"query": query, "size": limit, "_source": False, "track_total_hits": False, "sort": RELATED_ORDER}
        response = self._search(body)
        return [int(hit["_id"]) for hit in response["hits"]["hits"]]

    def title_completions(self, prefix: str, limit: int) -> list[tuple[int, str]]:
        query = self._queries.title_prefix(prefix)
        if query is None or limit <= 0:
            return []
        body = {
            "query": query,
            "size": limit,
            "sort": [{"static_score": "desc"}],
            "_source": ["title"],
            "track_total_hits": False,
        }
        return [(int(hit["_id"]), hit["_source"]["title"]) for hit in self._search(body)["hits"]["hits"]]

    def term_completions(self, prefix: str, limit: int, within: str = "") -> list[tuple[str, int]]:
        """Title words starting with ``prefix`` and how many documents hold them, from a terms aggregation on
        ``title_terms``; a vocabulary bigger than one aggregation may return is read in hash partitions."""
        if limit <= 0:
            return []
        holding = self._queries.title_words(within)
        if holding is not None:
            return self._completions_within(prefix, limit, holding)
        words = {"terms": {"field": "title_terms", "size": min(limit, TERMS_PER_REQUEST), "order": _MOST_FREQUENT}}
        if prefix:
            words["terms"]["include"] = escape_regexp(prefix) + ".*"
        aggregations: dict[str, Any] = {"words": words}
        if limit > TERMS_PER_REQUEST:
            aggregations["distinct"] = {"cardinality": {"field": "title_terms", "precision_threshold": 40_000}}
        result = self._aggregate(aggregations, _prefix_query(prefix))
        found = _term_counts(result["words"])
        if limit <= TERMS_PER_REQUEST or not result["words"]["sum_other_doc_count"]:
            return found
        partitions = math.ceil(result["distinct"]["value"] * PARTITION_HEADROOM / TERMS_PER_REQUEST)
        return self._partitioned_terms(prefix, partitions)[:limit]

    def _completions_within(self, prefix: str, limit: int, holding: dict[str, Any]) -> list[tuple[str, int]]:
        """Counted in the titles ``holding`` matches."""
        words = {"terms": {"field": "title_terms", "size": limit, "order": _MOST_FREQUENT}}
        if prefix:
            words["terms"]["include"] = escape_regexp(prefix) + ".*"
        filters = [holding, *([_prefix_query(prefix)] if prefix else [])]
        return _term_counts(self._aggregate({"words": words}, {"bool": {"filter": filters}})["words"])

    def _partitioned_terms(self, prefix: str, partitions: int) -> list[tuple[str, int]]:
        counts: list[tuple[str, int]] = []
        for partition in range(partitions):
            include = {"partition": partition, "num_partitions": partitions}
            words = {"terms": {"field": "title_terms", "size": TERMS_PER_REQUEST, "include": include}}
            result = self._aggregate({"words": words}, _prefix_query(prefix))
            if result["words"]["sum_other_doc_count"]:  # this partition overflowed a page: cut finer
                return self._partitioned_terms(prefix, partitions * 2)
            counts += [(word, n) for word, n in _term_counts(result["words"]) if word.startswith(prefix)]
        return sorted(counts, key=lambda word_count: (-word_count[1], word_count[0]))

    def brands(self) -> list[str]:
        counted: list[tuple[str, int]] = []
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": BRANDS_PER_PAGE, "sources": [{"brand": {"terms": {"field": "brand"}}}]}
            if after:
                composite["after"] = after
            page = self._aggregate({"brands": {"composite": composite}})["brands"]
            counted += [(bucket["key"]["brand"], bucket["doc_count"]) for bucket in page["buckets"]]
            after = page.get("after_key")
            if len(page["buckets"]) < BRANDS_PER_PAGE or not after:
                # as Tantivy's term dictionary answers: most products first, then by name (pages come by name)
                return [brand for brand, _count in sorted(counted, key=lambda pair: -pair[1])]

    def claim_brand_spellings(self, wanted: Mapping[str, str]) -> dict[str, str]:
        return self.brand_claims.claim(wanted)

    def popularity_cuts(self) -> list[float]:
        cuts = {"percentiles": {"field": "popularity", "percents": list(PERCENTILES), "keyed": False}}
        values = self._aggregate({"cuts": cuts})["cuts"]["values"]
        return sorted(float(v["value"]) for v in values if v.get("value") is not None)

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._client.search(index=self.alias, body=body, request_timeout=self._timeout)

    def _aggregate(self, aggregations: dict[str, Any], query: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"size": 0, "track_total_hits": False, "aggs": aggregations, "query": query or {"match_all": {}}}
        return self._search(body)["aggregations"]

    # -- the alias and its physical indexes ---------------------------------------------------------------------

    def begin_rebuild(self) -> IndexWriter:
        name = self._new_index_name()
        self._client.indices.create(index=name, body=self._new_index_body(), request_timeout=self._write_timeout)
        return self._writer_for(name)

    def finish_rebuild(self, target: RebuildTarget) -> None:
        """Moves the alias in one atomic call (searches see the old index or the new, never neither), then drops
        the older physical indexes: the previous serving one and any abandoned rebuild."""
        if not isinstance(target, IndexWriter) or not self._is_own_index(target.index):
            raise ValueError(f"not a rebuild target of alias {self.alias!r}: {target!r}")
        target.refresh()
        serving = self._serving_indexes()
        actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": self.alias}} for index in serving]
        actions.append({"add": {"index": target.index, "alias": self.alias, "is_write_index": True}})
        self._client.indices.update_aliases(body={"actions": actions}, request_timeout=self._write_timeout)
        older = [index for index in self.physical_indexes() if index < target.index]
        if older:
            self._client.indices.delete(index=",".join(older), request_timeout=self._write_timeout, ignore=404)

    def drop_abandoned_rebuilds(self) -> None:
        """The physical indexes the alias does not point at (with the rebuild lock held, none is being built)."""
        serving = set(self._serving_indexes())
        abandoned = [index for index in self.physical_indexes() if index not in serving]
        if abandoned:
            log.warning("dropping search indexes of rebuilds that never finished: %s", ", ".join(abandoned))
            self._client.indices.delete(index=",".join(abandoned), request_timeout=self._write_timeout, ignore=404)

    def _serving_indexes(self) -> list[str]:
        """The physical indexes behind the alias: none when the alias is gone with its index."""
        try:
            return list(self._client.indices.get_alias(name=self.alias, request_timeout=self._write_timeout))
        except NotFoundError:
            return []

    def physical_indexes(self) -> list[str]:
        """This alias's physical indexes, serving or not, oldest first."""
        found = self._client.indices.get_alias(index=f"{self.alias}-*", request_timeout=self._write_timeout)
        return sorted(index for index in found if self._is_own_index(index))

    def _ensure_alias(self) -> None:
        if self._client.indices.exists_alias(name=self.alias, request_timeout=self._write_timeout):
            # Fields a newer version added (the mapping is strict): documents written from now on carry them,
            # older ones after `aisle reindex`.
            self._client.indices.put_mapping(
                index=self.alias, body={"properties": MAPPINGS["properties"]}, request_timeout=self._write_timeout
            )
            return
        # Created with the alias as its write index in one step: if another process does the same at once,
        # OpenSearch refuses the second index outright ("more than one write index"), so the alias never spans
        # two indexes and the loser leaves nothing behind.
        body = {**self._new_index_body(), "aliases": {self.alias: {"is_write_index": True}}}
        try:
            self._client.indices.create(index=self._new_index_name(), body=body, request_timeout=self._write_timeout)
        except TransportError:
            if not self._client.indices.exists_alias(name=self.alias, request_timeout=self._write_timeout):
                raise

    def _new_index_body(self) -> dict[str, Any]:
        """One data node: 1 shard, no replica (a replica could never be placed); more: CLUSTER_SHARDS/REPLICAS."""
        shards, replicas = self._shards, self._replicas
        if shards is None or replicas is None:
            health = self._client.cluster.health(request_timeout=self._write_timeout)
            clustered = int(health["number_of_data_nodes"]) > 1
            shards = shards if shards is not None else (CLUSTER_SHARDS if clustered else 1)
            replicas = replicas if replicas is not None else (CLUSTER_REPLICAS if clustered else 0)
        return index_body(shards, replicas)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    def _is_own_index(self, index: str) -> bool:
        return re.fullmatch(re.escape(self.alias) + r"-\d{20}", index) is not None

    def _writer_for(self, index: str, through_alias: bool = False) -> IndexWriter:
        return IndexWriter(self._client, index, self._sources, self._now, self._write_timeout, through_alias)


_MOST_FREQUENT = [{"_count": "desc"}, {"_key": "asc"}]


def _prefix_query(prefix: str) -> dict[str, Any] | None:
    return {"prefix": {"title_terms": prefix}} if prefix else None


def _term_counts(aggregation: dict[str, Any]) -> list[tuple[str, int]]:
    return [(bucket["key"], bucket["doc_count"]) for bucket in aggregation["buckets"]]


def _doc_value(hit: dict[str, Any], field: str) -> Any:
    values = hit.get("fields", {}).get(field)
    return values[0] if values else None
