"""Variant attributes as words a query matches (the engines' contract tests show the matching itself)."""

from __future__ import annotations

from dataclasses import replace

from tests.contract.test_search_engine import doc


def test_variant_values_join_the_matched_description_unless_the_title_says_them():
    jeans = doc(1, "Slim Jeans - Black", "Zeta", "40.00", description="Stretch denim.")
    coloured = replace(jeans, attributes=(("color", "Black"), ("color", "Sky Blue"), ("size", "XL"), ("size", "M")))
    assert coloured.matched_description == "Stretch denim.\nSky Blue XL"  # Black is in the title; M is no word
    assert jeans.matched_description == "Stretch denim."
    assert coloured.description == "Stretch denim."  # what the product page shows is untouched
