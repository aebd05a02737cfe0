"""A seller's rating ranks with a Bayesian prior: how many buyers rated it counts as much as the average."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from aisle.domain.search.ranking import (
    PRIOR_RATING,
    RankingWeights,
    seller_quality_factor,
    static_score,
)
from tests.contract.test_search_engine import doc

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_many_ratings_beat_a_few_perfect_ones():
    assert seller_quality_factor(4.8, 1000) > seller_quality_factor(5.0, 2)
    assert seller_quality_factor(4.8, 1000) > seller_quality_factor(4.8, 10) > PRIOR_RATING / 5


def test_a_seller_without_ratings_sits_at_the_prior_and_a_bad_record_below_it():
    assert seller_quality_factor(None, 0) == PRIOR_RATING / 5
    assert seller_quality_factor(None, 500) == PRIOR_RATING / 5  # a count without a rating says nothing
    assert seller_quality_factor(1.5, 300) < seller_quality_factor(None, 0)


def test_a_rating_without_a_count_is_one_rating_and_out_of_range_ratings_are_clamped():
    assert seller_quality_factor(5.0, 0) == seller_quality_factor(5.0, 1)
    assert seller_quality_factor(9.0, 50) == seller_quality_factor(5.0, 50)
    assert 0.0 <= seller_quality_factor(-3.0, 50) <= 1.0


def test_the_static_score_follows_the_sellers_rating_count():
    base = doc(1, "Lamp", "Zeta", "10.00")
    trusted = replace(base, seller_rating=4.7, seller_rating_count=2000)
    lucky = replace(base, seller_rating=5.0, seller_rating_count=1)
    weights = RankingWeights()
    assert static_score(trusted, NOW, weights) > static_score(lucky, NOW, weights) > static_score(base, NOW, weights)
