"""One spelling per brand in the index, so a brand shows once in the facet ("Tech21", never also "tech21") and
its count is what its filter finds (the filter already ignores case).

Brands are the same brand when they differ only in case and spacing. The spelling that wins is the one the index
already holds (the engine keeps it: ``SearchEngine.claim_brand_spellings``, a conditional insert, so index
builders running at once agree); among several new ones (or several found in an older index) the preferred
spelling is claimed:
mixed case ("TracFone") before all capitals ("TRACFONE") or all lower case ("tech21"), then the fewest words in
capitals ("Simple Mobile" before "SIMPLE Mobile"), then the first in code-point order, so the choice does not
depend on the order products arrive in within a batch.
"""

from __future__ import annotations

from collections.abc import Iterable


def brand_key(brand: str) -> str:
    return " ".join(brand.casefold().split())


def preference(spelling: str) -> tuple[bool, int, str]:
    """Sorts the preferred spelling first."""
    letters = [ch for ch in spelling if ch.isalpha()]
    mixed = any(ch.isupper() for ch in letters) and any(ch.islower() for ch in letters)
    shouting = sum(1 for word in spelling.split() if len(word) > 1 and word.isupper())
    return (not mixed, shouting, spelling)


def preferred_spellings(spellings: Iterable[str]) -> dict[str, str]:
    """Brand key → the preferred one of these spellings (the same whatever order they come in)."""
    best: dict[str, str] = {}
    for spelling in spellings:
        key = brand_key(spelling)
        if key:
            best[key] = spelling if key not in best else min(best[key], spelling, key=preference)
    return best
