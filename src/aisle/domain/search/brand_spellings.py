"""One spelling per brand in the index, so a brand shows once in the facet ("Tech21", never also "tech21") and
its count is what its filter finds (the filter already ignores case).

Brands are the same brand when they differ only in case and spacing. The spelling that wins is the one the index
already holds; among several new ones (or several found in an older index) the preferred spelling is taken:
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


class BrandSpellings:
    def __init__(self, known: Iterable[str] = ()) -> None:
        self._by_key: dict[str, str] = {}
        self.learn(known)

    def learn(self, spellings: Iterable[str]) -> None:
        """Adds brands not known yet; a brand already known keeps its spelling."""
        new: dict[str, str] = {}
        for spelling in spellings:
            key = brand_key(spelling)
            if key and key not in self._by_key:
                best = new.get(key)
                new[key] = spelling if best is None else min(best, spelling, key=preference)
        self._by_key.update(new)

    def canonical(self, brand: str | None) -> str | None:
        if brand is None:
            return None
        return self._by_key.get(brand_key(brand), brand)

    def __len__(self) -> int:
        return len(self._by_key)
