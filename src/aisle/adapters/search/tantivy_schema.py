"""The Tantivy index layout and analyzers, and how a SearchDocument becomes a Tantivy document."""

from __future__ import annotations

from datetime import datetime

import tantivy

from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.document import SearchDocument, attribute_facet_value, attribute_key
from aisle.domain.search.facet_buckets import attribute_set, facet_bucket
from aisle.domain.search.ranking import RankingWeights, rating_factor, static_score
from aisle.domain.search.variant_offers import offer_keys

STEMMED = "aisle_en"  # words folded to ASCII, lowercased and stemmed: "Headphones" matches "headphone"
PLAIN = "aisle_plain"  # lowercased and folded, not stemmed: real words for autocomplete

# Field boosts for keyword matching, chosen by measurement (bench/relevance.py): a word in the title says more
# than the same word deep in a description, and a word in the product's own name ("title_head", the title before
# "for") more than one naming the device an accessory fits. Category names weigh little: "iPhone 6s Cases" must
# not make every case in that category match "iphone 6s" as well as the phone does.
TEXT_FIELDS = {
    "title": 3.0,
    "title_head": 2.0,
    "codes": 3.0,
    "brand_text": 2.0,
    "category_text": 0.5,
    "description": 0.5,
}
NAME_FIELDS = {field: boost for field, boost in TEXT_FIELDS.items() if field != "description"}


BASE_LAYOUT, FACET_TERMS_LAYOUT, VARIANT_OFFERS_LAYOUT = 0, 1, 2
LATEST_LAYOUT = VARIANT_OFFERS_LAYOUT


def build_schema(layout: int = LATEST_LAYOUT) -> tantivy.Schema:
    """The fields of one layout. An index built by an older version keeps its layout and is served with it until
    `aisle reindex`: before FACET_TERMS_LAYOUT facets are counted the slower way; before VARIANT_OFFERS_LAYOUT an
    attribute filter matches products (any variant has each chosen value), not variants."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("product_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("version", stored=True, fast=True)
    builder.add_text_field("title", stored=True, tokenizer_name=STEMMED)
    builder.add_text_field("title_words", tokenizer_name=PLAIN, index_option="position")
    builder.add_text_field("title_head", tokenizer_name=STEMMED)
    builder.add_text_field("description", tokenizer_name=STEMMED)
    builder.add_text_field("brand_text", tokenizer_name=STEMMED)
    builder.add_text_field("brand", stored=True, tokenizer_name="raw", fast=True)
    builder.add_text_field("brand_key", tokenizer_name="raw")
    builder.add_text_field("category_text", tokenizer_name=STEMMED)
    builder.add_text_field("category", tokenizer_name="raw", fast=True)
    builder.add_integer_field("category_leaf", stored=True, fast=True)
    builder.add_text_field("codes", tokenizer_name=PLAIN)
    builder.add_float_field("price", stored=True, indexed=True, fast=True)
    builder.add_float_field("rating", indexed=True, fast=True)
    builder.add_float_field("rating_rank", fast=True)
    builder.add_integer_field("in_stock", indexed=True, fast=True)
    builder.add_float_field("static_score", fast=True)
    builder.add_float_field("popularity", fast=True)
    builder.add_text_field("attribute", tokenizer_name="raw")  # "color=red": what attr filters match
    builder.add_text_field("attribute_facet", tokenizer_name="raw", fast=True)  # "color<US>Red": what facets show
    builder.add_integer_field("created_at", fast=True)
    if layout >= FACET_TERMS_LAYOUT:  # each layout adds its fields last: an older one is a prefix of the newer
        builder.add_text_field("facet_bucket", tokenizer_name="raw", fast=True, index_option="basic")  # "3.4"
        builder.add_text_field("attribute_set", tokenizer_name="raw", fast=True, index_option="basic")
    if layout >= VARIANT_OFFERS_LAYOUT:
        # Not a fast field: Tantivy would scan every document's values for a range, where the term dictionary
        # holds the few in it (bench/attribute_facets.py: the recounting search's mean 42 -> 22 ms at 300K)
        builder.add_integer_field("variant_offer", indexed=True)  # variant_offers.py
    return builder.build()


def register_analyzers(index: tantivy.Index) -> None:
    index.register_tokenizer(STEMMED, stemmed_analyzer())
    index.register_tokenizer(PLAIN, plain_analyzer())


def stemmed_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def plain_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def to_tantivy(
    doc: SearchDocument, now: datetime, weights: RankingWeights, layout: int = LATEST_LAYOUT
) -> tantivy.Document:
    out = tantivy.Document()
    out.add_integer("product_id", doc.product_id)
    out.add_integer("version", doc.version)
    out.add_text("title", doc.title)
    out.add_text("title_words", doc.title)
    out.add_text("title_head", doc.own_name)
    out.add_text("description", doc.matched_description)
    if doc.brand:
        out.add_text("brand_text", doc.brand)
        out.add_text("brand", doc.brand)
        out.add_text("brand_key", brand_key(doc.brand))
    out.add_text("category_text", " ".join(doc.category_names))
    for category_id in doc.category_ids:
        out.add_text("category", str(category_id))
    out.add_integer("category_leaf", doc.category_id or 0)
    out.add_text("codes", " ".join(doc.codes))
    out.add_float("price", float(doc.price))
    out.add_float("rating", doc.rating_avg or 0.0)
    out.add_float("rating_rank", rating_factor(doc.rating_avg, doc.rating_count))
    out.add_integer("in_stock", 1 if doc.in_stock else 0)
    out.add_float("static_score", static_score(doc, now, weights))
    out.add_float("popularity", doc.popularity)
    for name, value in doc.attributes:
        out.add_text("attribute", attribute_key(name, value))
        out.add_text("attribute_facet", attribute_facet_value(name, value))
    out.add_integer("created_at", int(doc.created_at.timestamp()))
    if layout >= FACET_TERMS_LAYOUT:
        out.add_text("facet_bucket", facet_bucket(float(doc.price), doc.rating_avg))
        if doc.attributes:
            out.add_text("attribute_set", attribute_set(doc.attributes))
    if layout >= VARIANT_OFFERS_LAYOUT:
        for key in offer_keys(doc.filtered_offers):
            out.add_integer("variant_offer", key)
    return out
