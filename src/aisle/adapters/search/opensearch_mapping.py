"""The OpenSearch index layout and analyzers, and how a SearchDocument becomes an OpenSearch source.

The analyzers reproduce Tantivy's (tantivy_schema) token for token: split on anything that is not a letter or a
digit (Tantivy's "simple" tokenizer), drop tokens of 40+ characters, lowercase, fold to ASCII, and for aisle_en
stem with Snowball English ("porter2", the algorithm Tantivy's "english" stemmer runs; OpenSearch's "english"
would be the older Porter). So both engines match the same words and the query side can decide "one word or a
phrase, fuzzy or not" with Tantivy's analyzer in-process, without a round trip to _analyze.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aisle.adapters.search.tantivy_schema import PLAIN, STEMMED, plain_analyzer
from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.document import SearchDocument, attribute_facet_value, attribute_key
from aisle.domain.search.ranking import RankingWeights, rating_factor, static_score
from aisle.domain.search.variant_offers import offer_keys

ANALYSIS = {
    "tokenizer": {"aisle_letters_digits": {"type": "pattern", "pattern": r"[^\p{L}\p{N}]+"}},
    "filter": {
        "aisle_not_too_long": {"type": "length", "max": 39},
        "aisle_english": {"type": "stemmer", "language": "porter2"},
    },
    "analyzer": {
        STEMMED: {
            "type": "custom",
            "tokenizer": "aisle_letters_digits",
            "filter": ["aisle_not_too_long", "lowercase", "asciifolding", "aisle_english"],
        },
        PLAIN: {
            "type": "custom",
            "tokenizer": "aisle_letters_digits",
            "filter": ["aisle_not_too_long", "lowercase", "asciifolding"],
        },
    },
}

_STEMMED_TEXT = {"type": "text", "analyzer": STEMMED}
_SORT_ONLY_DOUBLE = {"type": "double", "index": False}  # read from doc values, never searched

MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "product_id": {"type": "long"},
        "version": {"type": "long", "index": False, "doc_values": False},
        "title": {**_STEMMED_TEXT, "copy_to": "title_words"},
        # Whole words for "every typed word, the last one unfinished"; index_prefixes turns that last word's
        # prefix query into a single term lookup.
        "title_words": {
            "type": "text",
            "analyzer": PLAIN,
            "index_options": "docs",
            "norms": False,
            "index_prefixes": {"min_chars": 1, "max_chars": 10},
        },
        # The title's distinct words again, as keywords: a terms aggregation over them lists the vocabulary
        # with document counts (what Tantivy reads from its term dictionary).
        "title_terms": {"type": "keyword"},
        "title_head": _STEMMED_TEXT,
        "description": _STEMMED_TEXT,
        "brand_text": _STEMMED_TEXT,
        "brand": {"type": "keyword"},
        "brand_key": {"type": "keyword", "doc_values": False},
        "category_text": _STEMMED_TEXT,
        "category": {"type": "keyword"},
        "category_leaf": {"type": "long", "index": False},
        "codes": {"type": "text", "analyzer": PLAIN},
        "price": {"type": "double"},
        "rating": {"type": "double"},
        "rating_rank": _SORT_ONLY_DOUBLE,
        "in_stock": {"type": "boolean"},
        "static_score": _SORT_ONLY_DOUBLE,
        "popularity": _SORT_ONLY_DOUBLE,
        "attribute": {"type": "keyword", "doc_values": False},  # "color=red": what attr filters match
        "attribute_facet": {"type": "keyword"},  # "color<US>Red": what the facet shows
        "variant_offer": {"type": "long", "doc_values": False},  # attributes and price per variant (variant_offers.py)
        "created_at": {"type": "long", "index": False},
    },
}


def index_body(shards: int, replicas: int) -> dict[str, Any]:
    settings = {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "refresh_interval": "1s",
        "analysis": ANALYSIS,
    }
    return {"settings": {"index": settings}, "mappings": MAPPINGS}


class SourceBuilder:
    """Turns SearchDocuments into OpenSearch sources with the same computed fields as Tantivy's."""

    def __init__(self, weights: RankingWeights) -> None:
        self._weights = weights
        self._words = plain_analyzer()

    def source(self, doc: SearchDocument, now: datetime) -> dict[str, Any]:
        source: dict[str, Any] = {
            "product_id": doc.product_id,
            "version": doc.version,
            "title": doc.title,
            "title_head": doc.own_name,
            "title_terms": list(dict.fromkeys(self._words.analyze(doc.title))),
            "description": doc.matched_description,
            "category_text": " ".join(doc.category_names),
            "category": [str(category_id) for category_id in doc.category_ids],
            "codes": " ".join(doc.codes),
            "price": float(doc.price),
            "rating": doc.rating_avg or 0.0,
            "rating_rank": rating_factor(doc.rating_avg, doc.rating_count),
            "in_stock": doc.in_stock,
            "static_score": static_score(doc, now, self._weights),
            "popularity": doc.popularity,
            "created_at": int(doc.created_at.timestamp()),
        }
        if doc.brand:
            source.update(brand_text=doc.brand, brand=doc.brand, brand_key=brand_key(doc.brand))
        if doc.category_id is not None:
            source["category_leaf"] = doc.category_id
        if doc.attributes:
            source["attribute"] = [attribute_key(name, value) for name, value in doc.attributes]
            source["attribute_facet"] = [attribute_facet_value(name, value) for name, value in doc.attributes]
        if offers := doc.filtered_offers:
            source["variant_offer"] = list(offer_keys(offers))
        return source
