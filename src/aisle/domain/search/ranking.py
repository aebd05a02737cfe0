"""The seed's ranking formula, each factor normalized to 0..1 so the weights mean what they say.

    score = 0.30 text + 0.25 sales velocity + 0.20 rating + 0.10 seller quality + 0.05 recency + 0.10 in stock

* text: the engine's BM25 score divided by the best score among the candidates (1.0 for the best match).
* sales velocity: log(1 + units a day) / log(1 + VELOCITY_REFERENCE), capped at 1: a best-seller is a best-seller
  whether it sells 50 or 500 a day, and the log keeps one viral product from flattening everyone else.
* rating: a Bayesian average, (PRIOR_WEIGHT * PRIOR_RATING + sum of stars) / (PRIOR_WEIGHT + reviews), over 5:
  one 5-star review does not beat a hundred 4.8s.
* seller quality: the seller's rating as a Bayesian average over 5, pulled toward PRIOR_RATING by
  SELLER_PRIOR_WEIGHT ratings' worth: a seller rated 5.0 by two buyers does not beat one rated 4.8 by a thousand,
  and a seller without a track record sits at the prior.
* recency: exp(-age in whole days / RECENCY_DAYS): new listings get a short, fading lift.
* in stock: 1 or 0.

Everything but the text factor is known at index time ("static score"), so browsing without keywords can sort
on it inside the engine; with keywords the top candidates are re-ranked with the full formula.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import datetime

from aisle.domain.search.document import SearchDocument

VELOCITY_REFERENCE = 50.0
PRIOR_RATING = 3.5
PRIOR_WEIGHT = 5.0
RECENCY_DAYS = 180.0
SELLER_PRIOR_WEIGHT = 10.0
TIE_BREAK = 1e-9  # far below any real difference; only orders products that would otherwise score the same


@dataclass(frozen=True)
class RankingWeights:
    text: float = 0.30
    sales_velocity: float = 0.25
    rating: float = 0.20
    seller_quality: float = 0.10
    recency: float = 0.05
    in_stock: float = 0.10


def velocity_factor(units_per_day: float) -> float:
    return min(1.0, math.log1p(max(units_per_day, 0.0)) / math.log1p(VELOCITY_REFERENCE))


def rating_factor(average: float | None, count: int) -> float:
    total_stars = (average or 0.0) * count
    return (PRIOR_WEIGHT * PRIOR_RATING + total_stars) / (PRIOR_WEIGHT + count) / 5.0


def seller_quality_factor(seller_rating: float | None, rating_count: int) -> float:
    """The seller's rating with a Bayesian prior (see the module's docstring); a rating without a count (set
    before counts were kept) is read as one rating."""
    count = 0 if seller_rating is None else max(rating_count, 1)
    stars = 0.0 if seller_rating is None else min(max(seller_rating, 0.0), 5.0) * count
    return (SELLER_PRIOR_WEIGHT * PRIOR_RATING + stars) / (SELLER_PRIOR_WEIGHT + count) / 5.0


def recency_factor(created_at: datetime, now: datetime) -> float:
    # In whole days: products listed the same day are equally new, so the milliseconds between them in one import
    # never order them (that would make two imports of one catalog rank differently).
    age_days = max((now - created_at).total_seconds(), 0.0) // 86_400
    return math.exp(-age_days / RECENCY_DAYS)


def static_score(doc: SearchDocument, now: datetime, weights: RankingWeights) -> float:
    return (
        weights.sales_velocity * velocity_factor(doc.sales_velocity)
        + weights.rating * rating_factor(doc.rating_avg, doc.rating_count)
        + weights.seller_quality * seller_quality_factor(doc.seller_rating, doc.seller_rating_count)
        + weights.recency * recency_factor(doc.created_at, now)
        + weights.in_stock * (1.0 if doc.in_stock else 0.0)
        + TIE_BREAK * stable_fraction(doc)
    )


def stable_fraction(doc: SearchDocument) -> float:
    """0..1 from the product's first code (its SKU) or title: the same on every index of the same catalog,
    whatever ids the products got, so equal products keep one order from one reindex to the next."""
    key = doc.codes[0] if doc.codes else doc.title
    return zlib.crc32(key.encode("utf-8")) / 2**32


def final_score(text_score: float, best_text_score: float, static: float, weights: RankingWeights) -> float:
    text = text_score / best_text_score if best_text_score > 0 else 0.0
    return weights.text * text + static
