"""The buy box: when several sellers offer one product, one offer is shown first, and the page says why.

Score (higher wins), each factor 0..1:
    0.5 * price      the lowest price among the offers that can ship (among all when none can) divided by this
                     offer's price, at most 1.0: a price nobody can buy at is no yardstick
    0.3 * in stock   1 when the offer can ship, else 0
    0.2 * seller     the seller's rating over 5 as a Bayesian average (``seller_quality_factor``): five stars
                     from two buyers do not outweigh 4.8 from a thousand, and a new seller counts as average
Ties go to the lower price, then to the earlier listing. Price weighs most because shoppers compare on it; stock
next, because an offer that cannot ship is a broken promise; seller quality breaks near-ties.

Whatever the scores, an offer that is out of stock never wins while another one is in stock: otherwise a $1 listing
with nothing to ship could take the box (and the page) from a seller who can deliver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from aisle.domain.search.ranking import seller_quality_factor

PRICE_WEIGHT = 0.5
STOCK_WEIGHT = 0.3
SELLER_WEIGHT = 0.2


@dataclass(frozen=True)
class Offer:
    product_id: int
    seller_id: int
    seller_name: str
    seller_rating: float | None
    price: Decimal
    in_stock: bool
    listed_at: datetime
    seller_rating_count: int = 0  # how many ratings the seller's average is of


@dataclass(frozen=True)
class ScoredOffer:
    offer: Offer
    score: float
    why: str


def decide(offers: Sequence[Offer]) -> list[ScoredOffer]:
    """All offers, the winner first."""
    shipping = [offer for offer in offers if offer.in_stock] or offers
    lowest = min(offer.price for offer in shipping)
    scored = [_score(offer, lowest) for offer in offers]
    return sorted(
        scored, key=lambda s: (not s.offer.in_stock, -s.score, s.offer.price, s.offer.listed_at, s.offer.product_id)
    )


def _score(offer: Offer, lowest: Decimal) -> ScoredOffer:
    price_part = min(1.0, float(lowest / offer.price))
    score = (
        PRICE_WEIGHT * price_part
        + STOCK_WEIGHT * (1.0 if offer.in_stock else 0.0)
        + SELLER_WEIGHT * seller_quality_factor(offer.seller_rating, offer.seller_rating_count)
    )
    return ScoredOffer(offer, round(score, 4), _why(offer, lowest))


def _why(offer: Offer, lowest: Decimal) -> str:
    price = "the lowest price" if offer.price <= lowest else f"${offer.price} (lowest ${lowest})"
    stock = "in stock" if offer.in_stock else "out of stock"
    if offer.seller_rating is None:
        return f"{price}, {stock}, new seller"
    ratings = max(offer.seller_rating_count, 1)
    seller = f"seller rated {offer.seller_rating:.1f}/5 by {ratings:,} buyer{'s' if ratings > 1 else ''}"
    return f"{price}, {stock}, {seller}"
