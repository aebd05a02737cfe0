"""The buy box: when several sellers offer one product, one offer is shown first, and the page says why.

Score (higher wins), each factor 0..1:
    0.5 * price      the lowest price among the offers divided by this offer's price (1.0 for the cheapest)
    0.3 * in stock   1 when the offer can ship, else 0
    0.2 * seller     the seller's rating over 5 (0.5 for a seller without a track record)
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

from aisle.domain.search.ranking import seller_factor

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


@dataclass(frozen=True)
class ScoredOffer:
    offer: Offer
    score: float
    why: str


def decide(offers: Sequence[Offer]) -> list[ScoredOffer]:
    """All offers, the winner first."""
    lowest = min(offer.price for offer in offers)
    scored = [_score(offer, lowest) for offer in offers]
    return sorted(
        scored, key=lambda s: (not s.offer.in_stock, -s.score, s.offer.price, s.offer.listed_at, s.offer.product_id)
    )


def _score(offer: Offer, lowest: Decimal) -> ScoredOffer:
    price_part = float(lowest / offer.price)
    score = (
        PRICE_WEIGHT * price_part
        + STOCK_WEIGHT * (1.0 if offer.in_stock else 0.0)
        + SELLER_WEIGHT * seller_factor(offer.seller_rating)
    )
    return ScoredOffer(offer, round(score, 4), _why(offer, lowest))


def _why(offer: Offer, lowest: Decimal) -> str:
    price = "the lowest price" if offer.price == lowest else f"${offer.price} (lowest ${lowest})"
    stock = "in stock" if offer.in_stock else "out of stock"
    seller = f"seller rated {offer.seller_rating:.1f}/5" if offer.seller_rating is not None else "new seller"
    return f"{price}, {stock}, {seller}"
