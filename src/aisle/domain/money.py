"""Money as exact decimals: prices have at most two decimal places and are never float inside the system."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_PRICE = Decimal("1000000.00")


def price_problem(value: object, zero_allowed: bool = False) -> str | None:
    """Why ``value`` is not an acceptable price, or None when it is one; ``zero_allowed``: an amount that may be 0,
    such as a minimum spend."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return "must be a number (not a string or boolean)"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return "must be a number"
    if not amount.is_finite():
        return "must be a finite number"
    if amount < 0 and zero_allowed:
        return "must not be negative"
    if amount <= 0 and not zero_allowed:
        return "must be greater than 0"
    if amount > MAX_PRICE:
        return f"must be at most {MAX_PRICE}"
    if amount != amount.quantize(CENT):
        return "must have at most 2 decimal places"
    return None


def to_money(value: object) -> Decimal:
    """Converts an already validated price to a two-decimal Decimal."""
    return Decimal(str(value)).quantize(CENT)


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)
