from __future__ import annotations

import pytest

from aisle.domain.categories import Category, ancestors_path, build_tree, path_of, slugify
from aisle.domain.errors import InvalidInput
from aisle.domain.reviews import ReviewSummary, validate_review
from aisle.entrypoints.api.shapes.categories import node_shown
from aisle.entrypoints.api.shapes.product_page import reviews_summary


def test_summary_average_and_distribution():
    summary = ReviewSummary()
    for rating in (5, 5, 4, 1):
        summary.add(rating)
    assert summary.count == 4
    assert summary.average == 3.75
    assert reviews_summary(summary)["distribution"] == {"5": 2, "4": 1, "3": 0, "2": 0, "1": 1}


def test_an_empty_summary_has_no_average():
    empty = {"avg": None, "count": 0, "verified_count": 0, "distribution": dict.fromkeys("54321", 0)}
    assert reviews_summary(ReviewSummary()) == empty


@pytest.mark.parametrize("rating", [0, 6, 3.5, True, "5"])
def test_bad_ratings_are_refused(rating):
    with pytest.raises(InvalidInput) as refused:
        validate_review(rating, "t", "b", "a")
    assert refused.value.errors[0].field == "rating"


def test_tree_counts_include_descendants_and_paths_run_from_the_root():
    root = Category(1, "Electronics", None, "Electronics")
    audio = Category(2, "Audio", 1, "Electronics > Audio")
    phones = Category(3, "Phones", 1, "Electronics > Phones")
    tree = [node_shown(node) for node in build_tree([phones, audio, root], {2: 5, 3: 2, 1: 1})]
    assert tree[0]["product_count"] == 8
    assert [c["name"] for c in tree[0]["children"]] == ["Audio", "Phones"]
    assert [c.name for c in ancestors_path({1: root, 2: audio, 3: phones}, 2)] == ["Electronics", "Audio"]


def test_names_are_cleaned_for_paths_and_slugs():
    assert path_of(["  Home &  Kitchen ", "Pots > Pans"]) == "Home & Kitchen > Pots - Pans"
    assert slugify("Café > Crème Brûlée") == "cafe-creme-brulee"
