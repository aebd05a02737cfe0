"""Turning an EngineQuery into OpenSearch query DSL, and aggregations back into Facets.

What a shopper types only ever travels as a *value* (match, match_phrase, term, fuzzy, prefix), never as
query_string syntax or as a key, so "title:foo^10" or '{"match_all": {}}' are words to look for, not operators.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from aisle.adapters.search.tantivy_queries import (
    ADJACENT_WORDS_BOOST,
    CODE_AS_TYPED_BOOST,
    CODE_PREFIX_BOOST,
    CODE_PREFIX_FIELDS,
    RELATED_CATEGORY_SCORE,
    Idf,
    adjacent_words,
    begins_codes,
    distinct_forms,
    fuzzy_target,
    stemmed_code,
    synonym_weight,
)
from aisle.adapters.search.tantivy_schema import NAME_FIELDS, TEXT_FIELDS, plain_analyzer, stemmed_analyzer
from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.document import ATTRIBUTE_SEPARATOR
from aisle.domain.search.variant_offers import WIDE_VARIANT
from aisle.services.search.engine import (
    NUMBERED_WITHIN,
    PHRASE_WITHIN,
    PRICE_LADDER,
    SPREAD_PHRASE_WEIGHT,
    EngineQuery,
    Facets,
    Filters,
    KeywordGroup,
    attribute_facets,
    attribute_filters_by_name,
    variant_filter_ranges,
    with_own_attribute_counts,
)

Query = dict[str, Any]
BRAND_FACET_SIZE = 30
CATEGORY_FACET_SIZE = 300
ATTRIBUTE_FACET_SIZE = 200
RATING_STEPS = (4, 3, 2, 1)
ATTRIBUTE_FILTER = "attribute:"  # + name: one attribute's filter among the lifted ones
OWN_ATTRIBUTE = "own_attribute_"  # + i: the i-th filtered attribute's facet, counted without its own filter
BOOSTED_FIELDS = [f"{field}^{boost}" for field, boost in TEXT_FIELDS.items()]
BOOSTED_NAME_FIELDS = [f"{field}^{boost}" for field, boost in NAME_FIELDS.items()]
FIELD_SORTS = {
    "price_asc": {"price": "asc"},
    "price_desc": {"price": "desc"},
    "rating": {"rating_rank": "desc"},
    "newest": {"created_at": "desc"},
    "relevance": {"static_score": "desc"},  # used when there are no keywords to score
}
FACET_AGGREGATIONS: dict[str, Query] = {
    "brands": {"terms": {"field": "brand", "size": BRAND_FACET_SIZE}},
    "categories": {"terms": {"field": "category", "size": CATEGORY_FACET_SIZE}},
    "price_ranges": {
        "range": {
            "field": "price",
            "ranges": [{"to": PRICE_LADDER[0]}]
            + [{"from": low, "to": high} for low, high in pairwise(PRICE_LADDER)]
            + [{"from": PRICE_LADDER[-1]}],
        }
    },
    "attributes": {"terms": {"field": "attribute_facet", "size": ATTRIBUTE_FACET_SIZE}},
    # Non-overlapping ranges, summed into "n stars and up" when read.
    "ratings": {"range": {"field": "rating", "ranges": [{"from": n, "to": n + 1} for n in (1, 2, 3)] + [{"from": 4}]}},
}


class QueryBuilder:
    def __init__(self) -> None:
        self._analyzer = stemmed_analyzer()  # the same tokens as OpenSearch's aisle_en
        self._plain = plain_analyzer()  # and as aisle_plain

    def tokens(self, text: str) -> list[str]:
        return self._analyzer.analyze(text)

    def keywords(
        self, groups: tuple[KeywordGroup, ...], minimum_should_match: int | None, idf: Idf | None = None
    ) -> Query | None:
        """``idf``: as in the Tantivy engine, so a rare synonym never outweighs the typed word."""
        built = [(g.required, q) for g in groups if (q := self._group(g, idf)) is not None]
        clauses = [q for _required, q in built]
        if not clauses:
            return None
        if minimum_should_match is None:
            optional = [q for required, q in built if not required]  # a match lifts the score, as on Tantivy
            together = [
                {"match_phrase": {"title": {"query": f"{a} {b}", "boost": ADJACENT_WORDS_BOOST}}}
                for a, b in adjacent_words(groups, self.tokens)
            ]
            return {"bool": {"must": [q for required, q in built if required], "should": optional + together}}
        return {"bool": {"should": clauses, "minimum_should_match": min(minimum_should_match, len(clauses))}}

    def synonym_tokens(self, groups: tuple[KeywordGroup, ...]) -> list[str]:
        """The tokens whose document frequency weighs the synonyms (none when no word has synonyms)."""
        forms = [distinct_forms(g, self.tokens) for g in groups]
        texts = [text for group_forms in forms if len(group_forms) > 1 for text in group_forms]
        return sorted({token for text in texts for token in self.tokens(text)})

    def _group(self, group: KeywordGroup, idf: Idf | None) -> Query | None:
        options: list[Query] = []
        typed = self.tokens(group.word)
        fields = BOOSTED_NAME_FIELDS if group.in_names else BOOSTED_FIELDS
        for text in distinct_forms(group, self.tokens):
            tokens = self.tokens(text)
            found: list[Query] = []
            if len(tokens) == 1 and group.numbers and text == group.word:
                found = [_numbering(text, group.numbers, fields)]
            elif len(tokens) == 1:
                fuzzy = group.fuzzy and text == group.word  # the form typed, not a synonym's
                found = _single_token(text, tokens[0], fuzzy, self._plain.analyze(text), fields)
            elif tokens:
                found = _phrase(text, fields)
            weight = 1.0 if text == group.word else synonym_weight(typed, tokens, idf)
            options.extend(q if weight == 1.0 else {"bool": {"should": [q], "boost": weight}} for q in found)
        return {"bool": {"should": options}} if options else None

    def title_prefix(self, prefix: str) -> Query | None:
        """Every typed word in the title, the last one possibly unfinished ("sony wire" finds "Sony ... Wired").
        Built here rather than with match_bool_prefix, which takes "head " or "head)" as a finished word."""
        words = self._plain.analyze(prefix)
        if not words:
            return None
        *whole, last = words
        return {"bool": {"filter": [_term("title_words", w) for w in whole] + [{"prefix": {"title_words": last}}]}}

    def title_words(self, text: str) -> Query | None:
        """Titles holding every word of ``text`` (None: no words)."""
        words = self._plain.analyze(text)
        return {"bool": {"filter": [_term("title_words", w) for w in words]}} if words else None

    def related(self, title: str, brand: str | None, category_leaf: int | None, exclude: int) -> Query:
        should: list[Query] = [{"term": {"title": token}} for token in dict.fromkeys(self.tokens(title))]
        if brand:
            should.append({"term": {"brand_key": {"value": brand_key(brand), "boost": 1.5}}})
        if category_leaf:
            leaf = {"term": {"category": str(category_leaf)}}
            should.append({"constant_score": {"filter": leaf, "boost": RELATED_CATEGORY_SCORE}})
        return {"bool": {"should": should, "minimum_should_match": 1, "must_not": [_term("product_id", exclude)]}}


def _single_token(text: str, token: str, fuzzy: bool, as_typed: list[str], fields: list[str]) -> list[Query]:
    # most_fields sums the per-field scores, as Tantivy's boolean "should" over boosted term queries does.
    queries: list[Query] = [{"multi_match": {"query": text, "fields": fields, "type": "most_fields"}}]
    unstemmed = as_typed[0] if len(as_typed) == 1 else token
    if stemmed_code(token, unstemmed):
        queries.append({"term": {"title_words": {"value": unstemmed, "boost": CODE_AS_TYPED_BOOST}}})
    if fuzzy and (typed := fuzzy_target(token, as_typed)) is not None:
        # prefix_length 0 as in Tantivy: a typo in the first letter is forgiven too.
        queries.append({"fuzzy": {"title_words": {"value": typed, "fuzziness": 1, "prefix_length": 0}}})
    if fuzzy and begins_codes(token):
        queries += [{"prefix": {field: {"value": token, "boost": CODE_PREFIX_BOOST}}} for field in CODE_PREFIX_FIELDS]
    return queries


def _numbering(number: str, numbered: str, fields: list[str]) -> Query:
    """As on Tantivy: the number within NUMBERED_WITHIN words of the word it numbers, after it or before it."""
    orders = (f"{numbered} {number}", f"{number} {numbered}")
    phrases = [
        {
            "multi_match": {
                "query": q,
                "fields": fields,
                "type": "phrase",
                "slop": NUMBERED_WITHIN,
                "tie_breaker": 1.0,
            }
        }
        for q in orders
    ]
    return {"bool": {"should": phrases}}


def _phrase(text: str, fields: list[str]) -> list[Query]:
    """As on Tantivy: the words side by side, or PHRASE_WITHIN words apart for SPREAD_PHRASE_WEIGHT of the score."""
    return [
        {
            "multi_match": {
                "query": text,
                "fields": fields,
                "type": "phrase",
                "tie_breaker": 1.0,
                "slop": slop,
                "boost": weight,
            }
        }
        for slop, weight in ((0, 1.0), (PHRASE_WITHIN, SPREAD_PHRASE_WEIGHT))
    ]


def _term(field: str, value: Any) -> Query:
    return {"term": {field: value}}


def facet_filters(filters: Filters) -> dict[str, Query]:
    """The filters a facet may lift (so its other values stay pickable), by facet name."""
    clauses: dict[str, Query] = {}
    if filters.brands:
        by_maker = {"terms": {"brand_key": [brand_key(b) for b in filters.brands]}}
        named = [{"match_phrase": {"title": b}} for b in filters.brands] if filters.brands_in_title else []
        clauses["brands"] = {"bool": {"should": [by_maker, *named], "minimum_should_match": 1}} if named else by_maker
    if filters.category_id is not None:
        clauses["categories"] = _term("category", str(filters.category_id))
    priced = filters.price_min is not None or filters.price_max is not None
    product_price = _range("price", filters.price_min, filters.price_max) if priced else None
    by_variant = variant_filter_ranges(filters)
    if by_variant is not None:  # the price of a variant with the chosen attributes, not the cheapest's
        clauses["price_ranges"] = _any_variant(by_variant, product_price)
    elif product_price is not None:
        clauses["price_ranges"] = product_price
    if filters.rating_min is not None:
        clauses["ratings"] = _range("rating", filters.rating_min, None)
    for name, keys in attribute_filters_by_name(filters):  # one per attribute: each facet lifts only its own
        clauses[ATTRIBUTE_FILTER + name] = {"terms": {"attribute": keys}}
    return clauses


def every_filter(filters: Filters) -> list[Query]:
    return [*facet_filters(filters).values(), *fixed_filters(filters)]


def fixed_filters(filters: Filters) -> list[Query]:
    """Filters that no facet lifts."""
    fixed = [] if filters.in_stock is None else [_term("in_stock", filters.in_stock)]
    fixed += [{"match_phrase": {"title": words}} for words in filters.title_words]
    if filters.in_categories:
        fixed.append({"terms": {"category": [str(c) for c in filters.in_categories]}})
    if words := filters.excluded_words:
        by_maker = {"terms": {"brand_key": [brand_key(w) for w in words]}}
        fixed.append({"bool": {"must_not": [by_maker, *({"match_phrase": {"title": w}} for w in words)]}})
    if makers := filters.excluded_makers:
        fixed.append({"bool": {"must_not": [{"terms": {"brand_key": [brand_key(b) for b in makers]}}]}})
    return fixed


def _any_variant(ranges: list[tuple[int, int]], product_price: Query | None) -> Query:
    """A variant in one of ``ranges``; or the product-level match (the attribute terms are required beside this
    clause) for a variant too wide to index that way and for a document written before variant_offer existed."""
    unindexed = {"bool": {"must_not": {"exists": {"field": "variant_offer"}}}}
    by_product = {"bool": {"should": [_term("variant_offer", WIDE_VARIANT), unindexed], "minimum_should_match": 1}}
    wide = {"bool": {"filter": [by_product, *([product_price] if product_price else [])]}}
    exact = [{"range": {"variant_offer": {"gte": low, "lte": high}}} for low, high in ranges]
    return {"bool": {"should": [*exact, wide], "minimum_should_match": 1}}


def _range(field: str, low: object, high: object) -> Query:
    bounds = {"gte": low, "lte": high}
    return {"range": {field: {op: float(v) for op, v in bounds.items() if v is not None}}}  # type: ignore[arg-type]


def search_body(query: EngineQuery, text: Query | None) -> Query:
    """One request for hits and facets: facet-lifted filters go to post_filter (hits only), and every facet
    aggregates under a filter of all the *other* lifted filters."""
    lifted = facet_filters(query.filters)
    fixed = fixed_filters(query.filters)
    facets_wanted = query.with_facets
    body: Query = {
        "query": _bool(text, fixed if facets_wanted else fixed + list(lifted.values())),
        "size": query.limit,
        "from": query.offset,
        "track_total_hits": True,
        # Re-ranking reads what each product is from its title (kinds.py); only relevance-ranked words need it.
        "_source": ["title"]
        if (query.with_titles or (text is not None and query.sort == "relevance")) and query.limit
        else False,
        "docvalue_fields": ["static_score", "category_leaf", "popularity", "price"],
    }
    scored = text is not None and query.sort == "relevance"
    body["sort"] = ["_score" if scored else FIELD_SORTS[query.sort], {"product_id": "asc"}]  # ties: by product id
    if facets_wanted:
        if lifted:
            body["post_filter"] = {"bool": {"filter": list(lifted.values())}}
        filters = query.filters
        body["aggs"] = {
            # attributes count under every filter; each filtered attribute again without its own (OWN_ATTRIBUTE)
            name: _under(agg, filters if name == "attributes" else filters.without(name), name)
            for name, agg in FACET_AGGREGATIONS.items()
        }
        for i, name in enumerate(filters.attribute_names()):
            own = {"terms": {**FACET_AGGREGATIONS["attributes"]["terms"], "include": _attribute_values(name)}}
            body["aggs"][f"{OWN_ATTRIBUTE}{i}"] = _under(own, filters.without_attribute(name), "values")
    return body


def _under(aggregation: Query, filters: Filters, name: str) -> Query:
    """``aggregation`` counted under the lifted ``filters`` (the fixed ones are in the query already). Built from
    the filters, not by dropping one clause: a variant clause holds the attributes and the price together."""
    others = list(facet_filters(filters).values())
    return {"filter": {"bool": {"filter": others}}, "aggs": {name: aggregation}} if others else aggregation


def _attribute_values(name: str) -> str:
    """A regexp for the facet terms of one attribute ("color<US>Red", "color<US>Blue", ...)."""
    return escape_regexp(name + ATTRIBUTE_SEPARATOR) + ".*"


def _bool(text: Query | None, filters: list[Query]) -> Query:
    if text is None and not filters:
        return {"match_all": {}}
    return {"bool": {"must": [] if text is None else [text], "filter": filters}}


def read_facets(aggregations: dict[str, Any], filters: Filters | None = None) -> Facets:
    unwrapped = {name: aggregations[name].get(name, aggregations[name]) for name in FACET_AGGREGATIONS}
    buckets = {name: aggregation["buckets"] for name, aggregation in unwrapped.items()}
    ratings = {int(b["from"]): b["doc_count"] for b in buckets["ratings"]}
    return Facets(
        brands=[(b["key"], b["doc_count"]) for b in buckets["brands"]],
        categories=[(int(b["key"]), b["doc_count"]) for b in buckets["categories"]],
        price_ranges=[(b.get("from"), b.get("to"), b["doc_count"]) for b in buckets["price_ranges"] if b["doc_count"]],
        ratings=[(n, sum(count for stars, count in ratings.items() if stars >= n)) for n in RATING_STEPS],
        attributes=_attributes(aggregations, buckets["attributes"], filters or Filters()),
    )


def _attributes(
    aggregations: dict[str, Any], counted: list[dict[str, Any]], filters: Filters
) -> dict[str, list[tuple[str, int]]]:
    own = {}
    for i, name in enumerate(filters.attribute_names()):
        aggregation = aggregations[f"{OWN_ATTRIBUTE}{i}"]
        buckets = aggregation.get("values", aggregation)["buckets"]
        own[name] = attribute_facets([(b["key"], b["doc_count"]) for b in buckets])
    return with_own_attribute_counts(attribute_facets([(b["key"], b["doc_count"]) for b in counted]), own)


def escape_regexp(text: str) -> str:
    """Lucene regexp syntax for the literal ``text``: every non-alphanumeric character escaped."""
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)
