"""Pricing use cases: deals, coupons, quotes, redemption, the prices shoppers see, and price history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aisle.domain import events as ev
from aisle.domain.catalog import Product, ProductStatus
from aisle.domain.categories import Category, ancestors_path
from aisle.domain.coupons import Coupon, CouponRefused, Quote, build_quote, normalize_code
from aisle.domain.errors import Conflict, InvalidInput, NotFound
from aisle.domain.pricing import (
    MAX_PERCENT,
    Deal,
    DealScope,
    FinalPrice,
    PriceChange,
    PricedItem,
    check_discount,
    check_window,
    final_price,
)
from aisle.services.ports import CardFacts, IdempotencyKey, UnitOfWork, UnitOfWorkFactory
from aisle.services.retry import retry_on_conflict

DEAL_EDGE_LOOKBACK = timedelta(minutes=10)
DEAL_EDGE_MARK_EVERY = timedelta(minutes=1)  # with no edge passed, how far the clock's mark may lag before it is kept
DEALS_LISTED = 200


@dataclass(frozen=True)
class Caller:
    """A seller (its id) or the platform (None)."""

    seller_id: int | None


@dataclass(frozen=True)
class DealRequest:
    scope: str
    target_id: int
    kind: str
    value: object
    starts_at: datetime
    ends_at: datetime
    name: str = ""


@dataclass(frozen=True)
class CouponRequest:
    code: str
    kind: str
    value: object
    starts_at: datetime
    ends_at: datetime
    min_spend: Decimal = Decimal(0)
    usage_limit: int | None = None


@dataclass(frozen=True)
class Redemption:
    """A use of a coupon spent by an order (``repeat``: the order had spent it before, nothing more was spent)."""

    code: str
    seller_id: int | None  # the seller whose code it is; None: the platform's
    order_id: str
    repeat: bool


class PricingService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        new_id: Callable[[], int],
        now: Callable[[], datetime],
        categories: Callable[[], dict[int, Category]],
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._now = now
        self._categories = categories

    def announce_deal_edges(self) -> int:
        """A deal starting or ending changes prices with no write: announce price.changed for its products when
        the clock passes either edge, so search (which filters and sorts on the price with deals applied)
        follows within a loop's interval. Returns how many products were announced.

        How far that went is kept in the database, so an edge passed while no process ran (an outage, however
        long) is announced late rather than never; the first pass of a new store looks back DEAL_EDGE_LOOKBACK.
        An edge announced twice (two clocks at once) only re-indexes a product twice."""
        now = self._now()
        with self._uow() as uow:
            until = uow.pricing.deal_edges_announced_until()
            since = until or now - DEAL_EDGE_LOOKBACK
            deals = uow.pricing.deals_starting_or_ending(since, now) if since < now else []
            if not deals and until is not None and now - until < DEAL_EDGE_MARK_EVERY:
                return 0  # nothing passed: no write (the clock runs every second), the next pass looks further back
            affected = sorted({pid for deal in deals for pid in self._deal_products(uow, deal)})
            uow.record(ev.Event(ev.PRICE_CHANGED, pid, {"deal_edge": True}) for pid in affected)
            uow.pricing.announce_deal_edges_until(now)
            uow.commit()
        return len(affected)

    def _deal_products(self, uow: UnitOfWork, deal: Deal) -> list[int]:
        try:
            return self._affected_products(uow, Caller(deal.seller_id), deal)
        except (NotFound, InvalidInput):  # its product or category is gone: nothing left to re-index
            return []

    def create_deal(self, caller: Caller, request: DealRequest, key: IdempotencyKey | None = None) -> Deal:
        """With ``key``, a retried request gets the deal the first one created (as it is now), never a second."""

        def attempt() -> Deal:
            with self._uow() as uow:
                if key is not None and (earlier := uow.inventory.remembered(key)) is not None:
                    return _remembered_deal(uow, int(earlier["deal_id"]))
                deal = self._new_deal(uow, caller, request)
                if key is not None:
                    uow.inventory.remember(key, {"deal_id": str(deal.deal_id)}, self._now())
                uow.commit()
                return deal

        # A conflict is a twin request with the same key that committed first: the retry answers with its deal.
        return retry_on_conflict(attempt, 2, "the same Idempotency-Key is in use by another request; try again")

    def _new_deal(self, uow: UnitOfWork, caller: Caller, request: DealRequest) -> Deal:
        check_window(request.starts_at, request.ends_at, self._now())
        deal = Deal(
            self._new_id(),
            DealScope(request.scope),
            request.target_id,
            check_discount(request.kind, request.value),
            request.starts_at,
            request.ends_at,
            caller.seller_id,
            request.name.strip(),
        )
        if deal.scope is DealScope.PRODUCT:  # read once: it must also be on sale, and the deal fit its prices
            product = _target_product(uow, caller, deal.target_id)
            _require_discountable(deal, product)
            affected = [product.product_id]
        else:
            affected = self._affected_products(uow, caller, deal)
        uow.pricing.add_deal(deal)
        uow.record(ev.Event(ev.PRICE_CHANGED, pid, {"deal_id": str(deal.deal_id)}) for pid in affected)
        return deal

    def deals(self, caller: Caller, limit: int = DEALS_LISTED) -> list[Deal]:
        """The deals running or to come, newest first: a seller's own, or every deal for the platform."""
        with self._uow(readonly=True) as uow:
            return uow.pricing.deals_of(caller.seller_id, self._now(), limit)

    def end_deal(self, caller: Caller, deal_id: int) -> Deal:
        """Ends a deal now (one to come never starts); its products' prices go back at once, and search follows."""
        with self._uow() as uow:
            deal = uow.pricing.deal(deal_id)
            if deal is None or (caller.seller_id is not None and deal.seller_id != caller.seller_id):
                raise NotFound("deal", deal_id)
            now = self._now()
            if deal.ends_at <= deal.starts_at:  # ended before it began: it was one to come
                raise Conflict(f"deal {deal_id} was already cancelled before it started", field="deal_id")
            if deal.ends_at <= now:
                raise Conflict(f"deal {deal_id} already ended at {deal.ends_at.isoformat()}", field="deal_id")
            ends_at = max(now, deal.starts_at)  # one to come ends where it would have started: its window stays whole
            uow.pricing.end_deal(deal_id, ends_at)
            affected = self._deal_products(uow, deal)
            uow.record(ev.Event(ev.PRICE_CHANGED, pid, {"deal_id": str(deal_id)}) for pid in affected)
            uow.commit()
        return replace(deal, ends_at=ends_at)

    def _affected_products(self, uow: UnitOfWork, caller: Caller, deal: Deal) -> list[int]:
        """The products whose price the deal changes; a seller may only discount its own."""
        if deal.scope is DealScope.PRODUCT:
            return [_target_product(uow, caller, deal.target_id).product_id]
        if deal.scope is DealScope.SELLER:
            if caller.seller_id is not None and deal.target_id != caller.seller_id:
                raise InvalidInput.single("target_id", "a seller's deal can only target the seller itself")
            if uow.sellers.get(deal.target_id) is None:
                raise InvalidInput.single("target_id", f"unknown seller {deal.target_id}")
            return uow.products.ids_for_seller(deal.target_id)
        if deal.target_id not in self._categories():
            raise InvalidInput.single("target_id", f"unknown category {deal.target_id}")
        return uow.products.ids_in_category_tree(deal.target_id, self._categories(), caller.seller_id)

    def create_coupon(self, caller: Caller, request: CouponRequest) -> Coupon:
        check_window(request.starts_at, request.ends_at, self._now())
        if request.min_spend < 0:
            raise InvalidInput.single("min_spend", "must not be negative")
        coupon = Coupon(
            normalize_code(request.code),
            check_discount(request.kind, request.value),
            request.starts_at,
            request.ends_at,
            request.min_spend,
            request.usage_limit,
            0,
            caller.seller_id,
        )
        with self._uow() as uow:
            # Checked first for a clear answer; the database's unique plain code refuses the second of two owners
            # creating one code at the same instant (add_coupon raises the same Conflict).
            if uow.pricing.code_taken(coupon.code):
                raise Conflict(f"{coupon.code} is taken; choose another", field="code")
            uow.pricing.add_coupon(coupon)
            uow.commit()
        return coupon

    def quote(self, lines: Sequence[tuple[int, int]], coupon_code: str | None) -> Quote:
        now = self._now()
        with self._uow(readonly=True) as uow:
            items = self._items_for_variants(uow, [variant_id for variant_id, _qty in lines])
            sellers = sorted({item.seller_id for item in items.values()})
            coupon = self._coupon(uow, coupon_code, sellers) if coupon_code else None
            deals = self._deals_for(uow, items.values(), now)
        basket = [(items[variant_id], quantity) for variant_id, quantity in lines]
        return build_quote(basket, deals, coupon, now)

    def redeem(self, code: str, order_id: str, seller_id: int | None = None) -> Redemption:
        """Spends a use of the platform's code, or of the named seller's code."""
        code = normalize_code(code)
        with self._uow() as uow:
            coupon = uow.pricing.coupon(code, seller_id)
            if coupon is None and seller_id is None and uow.pricing.code_taken(code):
                raise CouponRefused(code, "is no platform code; a seller's code is redeemed with its seller_id")
            if coupon is None:
                raise NotFound("coupon", code if seller_id is None else f"{code} of seller {seller_id}")
            now = self._now()
            # An order that spent it inside the window keeps it: a checkout retrying across the coupon's end is
            # told it was spent, not refused. A first use outside the window is refused and rolled back.
            first_time = uow.pricing.redeem(code, order_id, now, seller_id)
            if first_time and not coupon.starts_at <= now < coupon.ends_at:
                raise CouponRefused(code, "is not valid now")
            uow.commit()
        return Redemption(code, seller_id, order_id, repeat=not first_time)

    def price_history(self, seller_id: int, variant_id: int) -> list[PriceChange]:
        with self._uow(readonly=True) as uow:
            owner = uow.inventory.variant_owner(variant_id)
            if owner is None or owner[1] != seller_id:
                raise NotFound("variant", variant_id)
            return uow.pricing.price_history(variant_id)

    def final_prices(self, products: Sequence[Product]) -> dict[int, FinalPrice]:
        """What shoppers pay now, per variant id, with the deal and the price to show struck through."""
        now = self._now()
        items = [item for product in products for item in self._items_of(product)]
        with self._uow(readonly=True) as uow:
            deals = self._deals_for(uow, items, now)
        return {item.variant_id: final_price(item, deals, now) for item in items}

    def _items_for_variants(self, uow: UnitOfWork, variant_ids: Sequence[int]) -> dict[int, PricedItem]:
        items: dict[int, PricedItem] = {}
        for variant_id in variant_ids:
            owner = uow.inventory.variant_owner(variant_id)
            product = uow.products.get(owner[0]) if owner else None
            if product is None or product.status is not ProductStatus.ACTIVE:
                raise NotFound("variant", variant_id)
            items.update({item.variant_id: item for item in self._items_of(product)})
        return items

    def card_prices(self, uow: UnitOfWork, cards: Sequence[CardFacts]) -> dict[int, FinalPrice]:
        """``final_prices`` for result cards, read in the caller's unit of work (one transaction per page)."""
        now = self._now()
        items = [
            PricedItem(v.variant_id, card.product_id, card.seller_id, category_ids, v.price, v.compare_price)
            for card in cards
            for category_ids in [self._category_ids(card.category_id)]
            for v in card.variants
        ]
        deals = self._deals_for(uow, items, now)
        return {item.variant_id: final_price(item, deals, now) for item in items}

    def _items_of(self, product: Product) -> list[PricedItem]:
        category_ids = self._category_ids(product.content.category_id)
        return [
            PricedItem(v.variant_id or 0, product.product_id, product.seller_id, category_ids, v.price, v.compare_price)
            for v in product.content.variants
        ]

    def _category_ids(self, category_id: int | None) -> tuple[int, ...]:
        path = ancestors_path(self._categories(), category_id) if category_id else []
        return tuple(c.category_id for c in path)

    def _deals_for(self, uow: UnitOfWork, items: Any, now: datetime) -> list[Deal]:
        items = list(items)
        if not items:
            return []
        return uow.pricing.running_deals(
            now,
            sorted({i.product_id for i in items}),
            sorted({c for i in items for c in i.category_ids}),
            sorted({i.seller_id for i in items}),
        )

    def _coupon(self, uow: UnitOfWork, code: str, sellers: Sequence[int]) -> Coupon:
        """The platform's code first; else the code of a seller whose product is in the basket. (A code is unique
        since create_coupon checks it; the order only decides between codes shared before it did.)"""
        code = normalize_code(code, field="coupon")
        for seller_id in (None, *sellers):
            if (coupon := uow.pricing.coupon(code, seller_id)) is not None:
                return coupon
        # the same answer for a made-up code and another seller's: which codes exist is not told to guessers
        raise CouponRefused(code, "is no code of this store or of the sellers of these items")


def _target_product(uow: UnitOfWork, caller: Caller, product_id: int) -> Product:
    """The product a deal targets; a seller may only discount its own (another's is named as an unknown one is, as
    the other scopes name an unknown category or seller)."""
    product = uow.products.get(product_id)
    if product is None or (caller.seller_id is not None and product.seller_id != caller.seller_id):
        raise InvalidInput.single("target_id", f"no product {product_id} you may discount")
    return product


def _require_discountable(deal: Deal, product: Product) -> None:
    """A new deal's product must not be deleted, and an amount off must fit one of its prices (see
    Discount.fits), or the deal would never apply. A deal's product deleted later only leaves it idle."""
    if product.status is ProductStatus.DELETED:
        raise Conflict(f"product {product.product_id} is deleted; restore it before discounting it", "target_id")
    highest = max(v.price for v in product.content.variants)
    if not deal.discount.fits(highest):
        reason = f"takes more than {MAX_PERCENT}% off every variant of the product (the highest is {highest})"
        raise InvalidInput.single("value", reason)
    if not deal.discount.saves(highest):
        reason = f"takes nothing off any variant of the product once rounded to the cent (the highest is {highest})"
        raise InvalidInput.single("value", reason)


def _remembered_deal(uow: UnitOfWork, deal_id: int) -> Deal:
    deal = uow.pricing.deal(deal_id)
    if deal is None:  # deals are kept after they end; only a pruned database could lose one
        raise NotFound("deal", deal_id)
    return deal
