"""Turning an EngineQuery into Tantivy Query objects. Built from analyzed tokens, never from query syntax,
so nothing a shopper types can be read as an operator."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import combinations, pairwise

import tantivy

from aisle.adapters.search.tantivy_schema import NAME_FIELDS, TEXT_FIELDS, plain_analyzer, stemmed_analyzer
from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.text import has_digit
from aisle.domain.search.variant_offers import WIDE_VARIANT
from aisle.services.search.engine import (
    NUMBERED_WITHIN,
    PHRASE_WITHIN,
    SPREAD_PHRASE_WEIGHT,
    Filters,
    KeywordGroup,
    attribute_filter_keys,
    variant_filter_ranges,
)

MIN_FUZZY_LENGTH = 5
CODE_PREFIX_BOOST = 1.0  # a code the typed one begins ("t096": T096140) counts a third of the whole code typed
CODE_PREFIX_FIELDS = ("codes", "title_words")  # a code written whole in a title is a title word, not a code
CODE_AS_TYPED_BOOST = 3.0  # a code the stemmer changes, found as typed in a title: as much as in the code field
MIN_CODE_PREFIX = 4  # letters and digits, at least: "t096"; "s7" or "x1" begin too many codes to say anything
MAX_WORD_COMBINATIONS = 64  # "any n of these words" is a disjunction of their n-word subsets: kept small
ADJACENT_WORDS_BOOST = 2.0
# What sharing a product's category adds to a related product's score, the same on every engine and at every depth:
# BM25 on Tantivy's category field would weigh a deeper category's products less (its length norms), OpenSearch's
# keyword field not at all. More than any title's shared words score: products of the same kind come first, in
# order of the words they share, then the others (a long title shares "Black", "USB-C", "3.5 mm" with anything).
RELATED_CATEGORY_SCORE = 1000.0
UNSTEMMED = frozenset({"codes"})  # the text fields analyzed without stemming (tantivy_schema.PLAIN)
SYNONYM_WEIGHT = 0.8  # a synonym counts a little less than the word the shopper typed
Occur = tantivy.Occur
Q = tantivy.Query


Idf = Callable[[str], float]


def synonym_weight(typed: list[str], synonym: list[str], idf: Idf | None) -> float:
    """SYNONYM_WEIGHT, scaled down where the synonym is rarer than the typed word: BM25 gives a rare word (and a
    phrase, the sum of its words) a higher score, which would let "headset" outrank "headphone" for "headphone".
    Scaled by the ratio of their idfs, a synonym match scores at most SYNONYM_WEIGHT of a typed-word match."""
    if idf is None or not typed or not synonym:
        return SYNONYM_WEIGHT
    rarity = sum(idf(t) for t in synonym)
    return SYNONYM_WEIGHT * min(1.0, sum(idf(t) for t in typed) / rarity) if rarity > 0 else SYNONYM_WEIGHT


def distinct_forms(group: KeywordGroup, tokens: Callable[[str], list[str]]) -> list[str]:
    """The typed word and those of its alternatives the analyzer does not fold into it ("cases" for "case"
    adds nothing but a second count of the same match)."""
    typed = tokens(group.word)
    return [group.word, *(text for text in group.alternatives if tokens(text) != typed)]


def adjacent_words(groups: tuple[KeywordGroup, ...], tokens: Callable[[str], list[str]]) -> list[tuple[str, str]]:
    """Each two one-word groups typed one after the other, as tokens: found one after the other in a title, they
    lift it (ADJACENT_WORDS_BOOST): "wireless charging" is a "Wireless Charging Stand" more than a "Just Wireless"
    charger whose description says charging."""
    words = [found[0] if len(found := tokens(g.word)) == 1 else None for g in groups]
    return [(a, b) for a, b in pairwise(words) if a is not None and b is not None and a != b]


def fuzzy_target(stemmed: str, as_typed: list[str]) -> str | None:
    """The word to look for one typo away among the titles' unstemmed words, or None. Unstemmed: one typo from a
    stem is further from what was typed ("fellowes" stems to "fellow", one letter from "yellow"). Not a short
    word, nor one with digits (a model: "s7" is not "s8")."""
    if len(as_typed) != 1 or len(stemmed) < MIN_FUZZY_LENGTH or has_digit(as_typed[0]):
        return None
    return as_typed[0]


def stemmed_code(token: str, unstemmed: str) -> bool:
    """A code the stemmer changed: "e2720hs" stems to "e2720h", another model's code, so the titles are asked for
    it as typed too (their unstemmed words), lifting the model whose title holds it by CODE_AS_TYPED_BOOST."""
    return token != unstemmed and has_digit(unstemmed)


def begins_codes(token: str) -> bool:
    """A token that may be the beginning of model or part codes: letters and digits only (safe in a regex), both
    of them, at least MIN_CODE_PREFIX. Only asked of a word the catalog does not hold as typed."""
    return (
        len(token) >= MIN_CODE_PREFIX
        and token.isascii()
        and token.isalnum()
        and has_digit(token)
        and not token.isdigit()
    )


def bm25_idf(documents: int, with_term: int) -> float:
    """Lucene's and Tantivy's BM25 idf."""
    return math.log(1.0 + (documents - with_term + 0.5) / (with_term + 0.5))


class QueryBuilder:
    def __init__(self, schema: tantivy.Schema, variant_offers: bool = False) -> None:
        """``variant_offers``: the index has the variant_offer field, so attribute filters match variants."""
        self._schema = schema
        self._variant_offers = variant_offers
        self._analyzer = stemmed_analyzer()
        self._plain = plain_analyzer()

    def tokens(self, text: str) -> list[str]:
        return self._analyzer.analyze(text)

    def keywords(
        self, groups: tuple[KeywordGroup, ...], idf: Idf | None = None, minimum_should_match: int | None = None
    ) -> Q | None:
        """``idf``: each token's inverse document frequency in titles, so that a synonym never outweighs the word
        typed (without it, synonyms weigh SYNONYM_WEIGHT of their own BM25 score). ``minimum_should_match``: as
        OpenSearch's, any that many of the words (None: every required word, and the optional ones only lift)."""
        built = [(g.required, q) for g in groups if (q := self._group(g, idf)) is not None]
        if not built:
            return None
        together = [(Occur.Should, q) for q in self._adjacent_in_title(groups)]
        if minimum_should_match is None:
            return Q.boolean_query([(Occur.Must if required else Occur.Should, q) for required, q in built] + together)
        queries = [q for _required, q in built]
        needed = max(1, min(minimum_should_match, len(queries)))
        if needed == len(queries):
            return Q.boolean_query([(Occur.Must, q) for q in queries])
        # Scored as OpenSearch scores it (the sum of the words matched), kept only where enough of them match.
        enough = [Q.boolean_query([(Occur.Must, q) for q in chosen]) for chosen in combinations(queries, needed)][
            :MAX_WORD_COMBINATIONS
        ]
        return Q.boolean_query(
            [(Occur.Should, q) for q in queries]
            + [(Occur.Must, Q.const_score_query(Q.boolean_query([(Occur.Should, q) for q in enough]), 0.0))]
        )

    def _group(self, group: KeywordGroup, idf: Idf | None) -> Q | None:
        options: list[Q] = []
        typed = self.tokens(group.word)
        fields = NAME_FIELDS if group.in_names else TEXT_FIELDS
        for text in distinct_forms(group, self.tokens):
            tokens = self.tokens(text)
            found: list[Q] = []
            if len(tokens) == 1 and group.numbers and text == group.word:
                found = self._numbering(tokens[0], self.tokens(group.numbers), fields)
            elif len(tokens) == 1:
                fuzzy = group.fuzzy and text == group.word  # the form typed, not a synonym's
                found = self._single_token(tokens[0], fuzzy, self._plain.analyze(text), fields)
            elif tokens:
                found = self._phrase(tokens, fields)
            weight = 1.0 if text == group.word else synonym_weight(typed, tokens, idf)
            options.extend(q if weight == 1.0 else Q.boost_query(q, weight) for q in found)
        return Q.boolean_query([(Occur.Should, q) for q in options]) if options else None

    def _adjacent_in_title(self, groups: tuple[KeywordGroup, ...]) -> list[Q]:
        return [
            Q.boost_query(
                Q.phrase_query(self._schema, "title", list[str | tuple[int, str]](pair)), ADJACENT_WORDS_BOOST
            )
            for pair in adjacent_words(groups, self.tokens)
        ]

    def _single_token(self, token: str, fuzzy: bool, as_typed: list[str], fields: dict[str, float]) -> list[Q]:
        """``as_typed``: the word's tokens unstemmed, which a typo is looked for among the titles' own words, and
        which the unstemmed fields are asked for ("e2720hs", whose stem "e2720h" is another model's code)."""
        unstemmed = as_typed[0] if len(as_typed) == 1 else token
        queries = [
            Q.boost_query(Q.term_query(self._schema, field, unstemmed if field in UNSTEMMED else token), boost)
            for field, boost in fields.items()
        ]
        if stemmed_code(token, unstemmed):
            titled = Q.term_query(self._schema, "title_words", unstemmed)
            queries.append(Q.boost_query(titled, CODE_AS_TYPED_BOOST))
        if fuzzy and (typed := fuzzy_target(token, as_typed)) is not None:
            fuzzy_title = Q.fuzzy_term_query(
                self._schema, "title_words", typed, distance=1, transposition_cost_one=True
            )
            queries.append(Q.boost_query(fuzzy_title, 1.0))
        if fuzzy and begins_codes(token):
            queries += [
                Q.boost_query(Q.regex_query(self._schema, field, token + ".+"), CODE_PREFIX_BOOST)
                for field in CODE_PREFIX_FIELDS
            ]
        return queries

    def _numbering(self, number: str, numbered: list[str], fields: dict[str, float]) -> list[Q]:
        """The number within NUMBERED_WITHIN words of the word it numbers, after it or before it ("8-Pack")."""
        if len(numbered) != 1:
            return self._single_token(number, False, [], fields)
        orders: list[list[str | tuple[int, str]]] = [[numbered[0], number], [number, numbered[0]]]
        return [
            Q.boost_query(Q.phrase_query(self._schema, field, words, slop=NUMBERED_WITHIN), boost)
            for field, boost in fields.items()
            for words in orders
        ]

    def _phrase(self, tokens: list[str], fields: dict[str, float]) -> list[Q]:
        """The words side by side, or PHRASE_WITHIN words apart for SPREAD_PHRASE_WEIGHT of the score."""
        words: list[str | tuple[int, str]] = list(tokens)
        return [
            Q.boost_query(Q.phrase_query(self._schema, field, words, slop=slop), boost * weight)
            for field, boost in fields.items()
            for slop, weight in ((0, 1.0), (PHRASE_WITHIN, SPREAD_PHRASE_WEIGHT))
        ]

    def filters(self, filters: Filters) -> list[Q]:
        clauses: list[Q] = []
        if filters.brands:
            keys = [brand_key(b) for b in filters.brands]
            by_maker = Q.term_set_query(self._schema, "brand_key", keys)
            titled = filters.brands if filters.brands_in_title else ()
            named = [q for b in titled if (q := self._in_title(b)) is not None]
            clauses.append(Q.boolean_query([(Occur.Should, q) for q in (by_maker, *named)]) if named else by_maker)
        if filters.category_id is not None:
            clauses.append(Q.term_query(self._schema, "category", str(filters.category_id)))
        priced = filters.price_min is not None or filters.price_max is not None
        product_price = self._range("price", filters.price_min, filters.price_max) if priced else None
        by_variant = variant_filter_ranges(filters) if self._variant_offers else None
        if by_variant is not None:  # the price of a variant with the chosen attributes, not the cheapest's
            clauses.append(self._any_variant(by_variant, product_price))
        elif product_price is not None:
            clauses.append(product_price)
        if filters.rating_min is not None:
            clauses.append(self._range("rating", filters.rating_min, None))
        if filters.in_stock is not None:
            clauses.append(Q.term_query(self._schema, "in_stock", 1 if filters.in_stock else 0))
        for keys in attribute_filter_keys(filters):  # one clause per attribute name: its values OR'ed
            clauses.append(Q.term_set_query(self._schema, "attribute", keys))
        clauses += [q for words in filters.title_words if (q := self._in_title(words)) is not None]
        if filters.in_categories:
            clauses.append(Q.term_set_query(self._schema, "category", [str(c) for c in filters.in_categories]))
        if filters.excluded_words:
            clauses.append(self._without_words(filters.excluded_words))
        if filters.excluded_makers:
            by_maker = Q.term_set_query(self._schema, "brand_key", [brand_key(b) for b in filters.excluded_makers])
            clauses.append(Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, by_maker)]))
        return clauses

    def _without_words(self, words: tuple[str, ...]) -> Q:
        """The products whose title and brand hold none of the words."""
        by_maker = Q.term_set_query(self._schema, "brand_key", [brand_key(w) for w in words])
        named = [q for w in words if (q := self._in_title(w)) is not None]
        ruled_out = Q.boolean_query([(Occur.Should, q) for q in (by_maker, *named)])
        return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, ruled_out)])

    def _in_title(self, words: str) -> Q | None:
        tokens = self.tokens(words)
        if len(tokens) > 1:
            return Q.phrase_query(self._schema, "title", list[str | tuple[int, str]](tokens))
        return Q.term_query(self._schema, "title", tokens[0]) if tokens else None

    def _any_variant(self, ranges: list[tuple[int, int]], product_price: Q | None) -> Q:
        """A variant in one of ``ranges``, or a variant too wide to index that way and the product-level match
        (the attribute terms are required beside this clause)."""
        integer = tantivy.FieldType.Integer
        wide: Q = Q.term_query(self._schema, "variant_offer", WIDE_VARIANT)
        if product_price is not None:
            wide = Q.boolean_query([(Occur.Must, wide), (Occur.Must, product_price)])
        exact = [Q.range_query(self._schema, "variant_offer", integer, low, high) for low, high in ranges]
        return Q.boolean_query([(Occur.Should, q) for q in (*exact, wide)])

    def _range(self, field: str, low: object, high: object) -> Q:
        as_float = [None if v is None else float(v) for v in (low, high)]  # type: ignore[arg-type]
        return Q.range_query(self._schema, field, tantivy.FieldType.Float, as_float[0], as_float[1])

    def combine(self, text: Q | None, filters: list[Q]) -> Q:
        if text is None and not filters:
            return Q.all_query()
        clauses = [] if text is None else [(Occur.Must, text)]
        # Filters narrow without scoring, so BM25 is the text's alone.
        clauses += [(Occur.Must, Q.const_score_query(f, 0.0)) for f in filters]
        return Q.boolean_query(clauses)

    def title_prefix(self, whole: list[str], completions: list[str]) -> Q:
        """Every whole word in the title, and one of the unfinished word's completions ("sony wire" finds
        "Sony ... Wired")."""
        clauses = [(Occur.Must, Q.term_query(self._schema, "title_words", w)) for w in whole]
        clauses.append((Occur.Must, Q.term_set_query(self._schema, "title_words", completions)))
        return Q.boolean_query(clauses)

    def title_words(self, words: list[str]) -> Q | None:
        """Titles holding every one of ``words`` (None: no words, every title)."""
        if not words:
            return None
        return Q.boolean_query([(Occur.Must, Q.term_query(self._schema, "title_words", w)) for w in words])

    def related(self, title: str, brand: str | None, category_leaf: int | None, exclude: int) -> Q:
        should = [(Occur.Should, Q.term_query(self._schema, "title", t)) for t in dict.fromkeys(self.tokens(title))]
        if brand:
            should.append((Occur.Should, Q.boost_query(Q.term_query(self._schema, "brand_key", brand_key(brand)), 1.5)))
        if category_leaf:
            leaf = Q.term_query(self._schema, "category", str(category_leaf))
            should.append((Occur.Should, Q.const_score_query(leaf, RELATED_CATEGORY_SCORE)))
        itself = Q.term_query(self._schema, "product_id", exclude)
        return Q.boolean_query([(Occur.Must, Q.boolean_query(should)), (Occur.MustNot, itself)])
