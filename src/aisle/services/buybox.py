"""Buy boxes for product pages, and which listings search leaves out so each product shows once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aisle.domain.buybox import Offer, ScoredOffer, decide
from aisle.domain.catalog import Product
from aisle.domain.pricing import FinalPrice
from aisle.services.ports import UnitOfWork


@dataclass(frozen=True)
class BuyBox:
    """Every listing of the same product, ranked: the winner is the offer the page's button buys."""

    winner: ScoredOffer | None
    other_offers: tuple[ScoredOffer, ...]


class BuyBoxes:
    def __init__(self, prices: Callable[[Sequence[Product]], dict[int, FinalPrice]]) -> None:
        self._prices = prices

    def for_product(self, uow: UnitOfWork, product: Product) -> BuyBox:
        ranked = self._ranked(uow, _same_product(uow, [product]))
        return BuyBox(ranked[0] if ranked else None, tuple(ranked[1:]))

    def losers(self, uow: UnitOfWork, products: Sequence[Product], shared: Sequence[Product] | None = None) -> set[int]:
        """Listings search leaves out so that a product appears once. Where listings name a canonical product,
        search shows the canonical one (its page holds the buy box): another seller's listing never makes it
        disappear, unless it cannot ship and another listing can (then "in stock only" would hide a product
        for sale). Listings joined only by a GTIN show the buy-box winner."""
        if shared is None:
            shared = listed_with_others(uow, products)
        if not shared:
            return set()
        lost: set[int] = set()
        for members in _groups(_same_product(uow, shared)):
            if len(members) < 2:
                continue
            ranked = self._ranked(uow, members)
            named = {p.content.canonical_product_id for p in members} & {p.product_id for p in members}
            if named and not _only_others_ship(ranked, named):
                lost.update(p.product_id for p in members if p.product_id not in named)
            else:
                lost.update(s.offer.product_id for s in ranked[1:])
        return lost

    def _ranked(self, uow: UnitOfWork, listings: Sequence[Product]) -> list[ScoredOffer]:
        if not listings:
            return []
        prices = self._prices(listings)
        sellers = uow.sellers.get_many({p.seller_id for p in listings})
        stock = uow.inventory.levels([v.variant_id for p in listings for v in p.content.variants if v.variant_id])
        offers = [_offer(p, prices, sellers, stock) for p in listings]
        return decide(offers)


def listed_with_others(uow: UnitOfWork, products: Sequence[Product]) -> list[Product]:
    """The products that may share a buy box: with a GTIN, naming a canonical listing, or named as one."""
    named = uow.products.named_canonical([p.product_id for p in products])
    return [p for p in products if p.content.gtin or p.content.canonical_product_id or p.product_id in named]


def _only_others_ship(ranked: Sequence[ScoredOffer], canonical: set[int | None]) -> bool:
    in_stock = {s.offer.product_id for s in ranked if s.offer.in_stock}
    return bool(in_stock) and in_stock.isdisjoint(canonical)


def _same_product(uow: UnitOfWork, products: Sequence[Product]) -> list[Product]:
    """Listings linked by a shared GTIN or a canonical listing, followed two links deep."""
    first = uow.products.offers_for(products)
    if {p.product_id for p in first} <= {p.product_id for p in products}:
        return first  # no other listing shares a GTIN or canonical listing: the common case, one query
    return uow.products.offers_for(first)


def _groups(listings: Sequence[Product]) -> list[list[Product]]:
    """Connected listings: a shared GTIN or a shared canonical listing joins two (union-find over those keys)."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    def keys(p: Product) -> list[str]:
        anchor = f"id:{p.content.canonical_product_id or p.product_id}"
        return [anchor, f"gtin:{p.content.gtin}"] if p.content.gtin else [anchor]

    for listing in listings:
        first, *rest = keys(listing)
        for key in rest:
            parent[root(key)] = root(first)
    grouped: dict[str, list[Product]] = defaultdict(list)
    for listing in listings:
        grouped[root(keys(listing)[0])].append(listing)
    return list(grouped.values())


def _offer(
    product: Product, prices: dict[int, FinalPrice], sellers: dict[int, Any], stock: dict[int, list[Any]]
) -> Offer:
    seller = sellers.get(product.seller_id)
    variants = product.content.variants
    buyable = [v for v in variants if any(level.available > 0 for level in stock.get(v.variant_id or 0, []))]
    return Offer(
        product_id=product.product_id,
        seller_id=product.seller_id,
        seller_name=seller.name if seller else "",
        seller_rating=seller.rating if seller else None,
        seller_rating_count=seller.rating_count if seller else 0,
        # the price it can be bought at: a sold-out colour's lower price is no offer (none buyable: the lowest)
        price=min(prices[v.variant_id or 0].amount for v in buyable or variants),
        in_stock=bool(buyable),
        listed_at=product.created_at,
    )
