"""Variant offers: what makes an attribute filter hold for one variant, not for the product as a whole.

A product with a red variant at $80 and a blue one at $50 is no answer to "red, under $60", a shirt sold in red S
and blue M is no answer to "red, size M", and one whose red is sold out is no answer to "red, in stock". The index
keeps, for each variant, one number per combination of its attributes (up to ``MAX_NAMES_COMBINED`` of them): a
hash of the combination in the high 32 bits; whether the variant is in stock, then its price in cents, deal applied,
in the low ones. A filter on attributes (with a price range, and in stock or not) is then one numeric range per
combination of the chosen values, two when stock does not matter, on both engines.

A filter over more attribute names than that, or over more value combinations than ``MAX_COMBINATIONS``, falls
back to the product-level match (any variant has each chosen attribute, the cheapest price in range, any variant
in stock). So does a variant with more than ``MAX_KEYS_COMBINED`` attributes (their combinations would run to
thousands): it is indexed as ``WIDE_VARIANT`` alone, and the engines let such a product through on the
product-level match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import combinations, product
from typing import NamedTuple

LOW_BITS = 32
IN_STOCK = 1 << 31  # the low word's top bit
PRICE_MASK = IN_STOCK - 1  # MAX_PRICE in cents (10^8) fits with room to spare
HASH_MASK = (1 << 31) - 1  # 31 + 32 bits: every key is a positive signed 64-bit number (OpenSearch's long)
MAX_NAMES_COMBINED = 3
MAX_COMBINATIONS = 64
MAX_KEYS_COMBINED = 8  # 92 combinations of up to three
WIDE_VARIANT = -1  # never a combination's key: those are positive


class VariantOffer(NamedTuple):
    """One variant as attribute filters match it."""

    attribute_keys: tuple[str, ...]  # "color=red", as attribute_key writes them
    price: Decimal  # what it sells for now
    in_stock: bool = True


def offer_keys(offers: Sequence[VariantOffer]) -> tuple[int, ...]:
    """The index numbers of a product's variants: one per variant and combination of its attributes."""
    keys: dict[int, None] = {}
    for attribute_keys, price, in_stock in offers:
        low = (IN_STOCK if in_stock else 0) | _cents(price, ROUND_FLOOR)
        names = sorted(set(attribute_keys))
        if len(names) > MAX_KEYS_COMBINED:
            keys[WIDE_VARIANT] = None
            continue
        for size in range(1, min(len(names), MAX_NAMES_COMBINED) + 1):
            for combination in combinations(names, size):
                keys[_combination_hash(combination) << LOW_BITS | low] = None
    return tuple(keys)


def filter_ranges(
    keys_by_name: Sequence[Sequence[str]],
    price_min: Decimal | None,
    price_max: Decimal | None,
    in_stock_only: bool = False,
) -> list[tuple[int, int]] | None:
    """The inclusive key ranges a product's variant must hit to pass the attribute filter (one list of keys per
    attribute name, any of them), the price range and, with ``in_stock_only``, be in stock. None where the filter
    is too wide to say it this way."""
    if not keys_by_name or len(keys_by_name) > MAX_NAMES_COMBINED:
        return None
    combos = 1
    for keys in keys_by_name:
        combos *= len(set(keys))
    if combos > MAX_COMBINATIONS:
        return None
    low = 0 if price_min is None else _cents(price_min, ROUND_CEILING)
    high = PRICE_MASK if price_max is None else _cents(price_max, ROUND_FLOOR)
    if low > high:
        return []
    prefixes = sorted({_combination_hash(tuple(sorted(set(c)))) for c in product(*map(set, keys_by_name))})
    stock = (IN_STOCK,) if in_stock_only else (0, IN_STOCK)
    return [(p << LOW_BITS | s | low, p << LOW_BITS | s | high) for p in prefixes for s in stock]


def _combination_hash(attribute_keys: Sequence[str]) -> int:
    """Stable across processes and versions (Python's hash() is salted per process)."""
    digest = hashlib.blake2b("\u001e".join(attribute_keys).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") & HASH_MASK


def _cents(amount: Decimal, rounding: str) -> int:
    cents = int((amount * 100).to_integral_value(rounding=rounding))
    return min(max(cents, 0), PRICE_MASK)
