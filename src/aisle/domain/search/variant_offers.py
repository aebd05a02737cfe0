"""Variant offers: what makes an attribute filter hold for one variant, not for the product as a whole.

A product with a red variant at $80 and a blue one at $50 is no answer to "red, under $60", and a shirt sold in
red S and blue M is no answer to "red, size M". The index keeps, for each variant, one number per combination of
its attributes (up to ``MAX_NAMES_COMBINED`` of them): a hash of the combination in the high bits and the variant's
price in cents, deal applied, in the low ones. A filter on attributes (and a price range) is then one numeric range
per combination of the chosen values, on both engines.

A filter over more attribute names than that, or over more value combinations than ``MAX_RANGES``, falls back to
the product-level match (any variant has each chosen attribute, the cheapest price in range). So does a variant
with more than ``MAX_KEYS_COMBINED`` attributes (their combinations would run to thousands): it is indexed as
``WIDE_VARIANT`` alone, and the engines let such a product through on the product-level match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import combinations, product

PRICE_BITS = 32
PRICE_MASK = (1 << PRICE_BITS) - 1  # MAX_PRICE in cents (10^8) fits with room to spare
HASH_MASK = (1 << 31) - 1  # 31 + 32 bits: every key is a positive signed 64-bit number (OpenSearch's long)
MAX_NAMES_COMBINED = 3
MAX_RANGES = 64
MAX_KEYS_COMBINED = 8  # 92 combinations of up to three
WIDE_VARIANT = -1  # never a combination's key: those are positive

Offer = tuple[tuple[str, ...], Decimal]  # one variant: its attribute keys ("color=red"), its price now


def offer_keys(offers: Sequence[Offer]) -> tuple[int, ...]:
    """The index numbers of a product's variants: one per variant and combination of its attributes."""
    keys: dict[int, None] = {}
    for attribute_keys, price in offers:
        cents = _cents(price, ROUND_FLOOR)
        names = sorted(set(attribute_keys))
        if len(names) > MAX_KEYS_COMBINED:
            keys[WIDE_VARIANT] = None
            continue
        for size in range(1, min(len(names), MAX_NAMES_COMBINED) + 1):
            for combination in combinations(names, size):
                keys[_combination_hash(combination) << PRICE_BITS | cents] = None
    return tuple(keys)


def filter_ranges(
    keys_by_name: Sequence[Sequence[str]], price_min: Decimal | None, price_max: Decimal | None
) -> list[tuple[int, int]] | None:
    """The inclusive key ranges a product's variant must hit to pass the attribute filter (one list of keys per
    attribute name, any of them) and the price range. None where the filter is too wide to say it this way."""
    if not keys_by_name or len(keys_by_name) > MAX_NAMES_COMBINED:
        return None
    combos = 1
    for keys in keys_by_name:
        combos *= len(set(keys))
    if combos > MAX_RANGES:
        return None
    low = 0 if price_min is None else _cents(price_min, ROUND_CEILING)
    high = PRICE_MASK if price_max is None else _cents(price_max, ROUND_FLOOR)
    if low > high:
        return []
    prefixes = sorted({_combination_hash(tuple(sorted(set(c)))) for c in product(*map(set, keys_by_name))})
    return [(prefix << PRICE_BITS | low, prefix << PRICE_BITS | high) for prefix in prefixes]


def _combination_hash(attribute_keys: Sequence[str]) -> int:
    """Stable across processes and versions (Python's hash() is salted per process)."""
    digest = hashlib.blake2b("\u001e".join(attribute_keys).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") & HASH_MASK


def _cents(amount: Decimal, rounding: str) -> int:
    cents = int((amount * 100).to_integral_value(rounding=rounding))
    return min(max(cents, 0), PRICE_MASK)
