"""Finding the catalog's brands in a query's words.

A brand matches as its words ("western digital"), with "&" read as "and" ("bang and olufsen"), or written
without spaces and punctuation ("otterbox", "otter box" and "OtterBox" are one brand; "casemate" is "Case-Mate").
Several catalog spellings of one name ("OtterBox" and "Otterbox", "Insignia™" and "Insignia") are all returned,
since each one is a value of the brand filter. Longer brands win: "at&t gophone" is "AT&T GoPhone", not "AT&T".

The trade-off, kept simple: a word is a brand whenever the catalog has a brand of that name, so "apple" in
"apple juice" is Apple if Apple sells there. Only a brand right after "for", "fits" or "compatible with" is left
as words, because "case for samsung" asks for a case that fits a Samsung phone, not one that Samsung made.
Words are only read together as one brand when none is a stop word: "in case" is not "Incase".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aisle.domain.search.edits import osa_distance, typing_penalty
from aisle.domain.search.stopwords import STOP_WORDS
from aisle.domain.search.text import tokenize
from aisle.domain.search.vocabulary import Vocabulary

MIN_FUZZY_BRAND_LENGTH = 5  # "sonu" may be "sony" or a word; "samsng" is Samsung
MIN_RESPELLED_LENGTH = 3  # "del" for Dell, asked after the words as typed found nothing
LONG_BRAND = 8  # from this length two typos are tolerated: "gaming" is not Garmin, "amazing" not Amazon


@dataclass(frozen=True)
class BrandHit:
    length: int  # how many words the brand took
    brands: tuple[str, ...]  # its catalog spellings


class BrandMatcher:
    def __init__(self, brands: Iterable[str]) -> None:
        self._by_words: dict[tuple[str, ...], list[str]] = {}
        self._by_letters: dict[str, list[str]] = {}
        for brand in dict.fromkeys(brands):
            self._add(brand)
        self._longest = max(map(len, self._by_words), default=0)
        # the first two words or more of each brand ("kate spade" of "kate spade new york"), for leading_at
        self._leading = frozenset(words[:n] for words in self._by_words for n in range(2, len(words) + 1))
        self._words = frozenset(word for words in self._by_words for word in words)
        typo_targets = {key: 1.0 for key in self._by_letters if len(key) >= MIN_FUZZY_BRAND_LENGTH}
        self._typo_targets = Vocabulary(typo_targets, min_count=0)
        self._by_first_letter: dict[str, list[str]] = {}
        for key in self._by_letters:
            if len(key) > MIN_RESPELLED_LENGTH:
                self._by_first_letter.setdefault(key[0], []).append(key)

    def is_brand_word(self, word: str) -> bool:
        return word in self._words or word in self._by_letters

    def is_brand_name(self, text: str) -> bool:
        """Whether the whole text is one brand ("Just Wireless", "Case-Mate")."""
        words = tokenize(text)
        hit = self.match_at(words, 0) if words else None
        return hit is not None and hit.length == len(words)

    def match_at(self, words: Sequence[str], start: int) -> BrandHit | None:
        """The longest brand that starts at ``words[start]``."""
        for length in range(min(self._longest, len(words) - start), 0, -1):
            window = words[start : start + length]
            brands = self._by_words.get(tuple(window)) or self._by_letters.get(_joined(window))
            if brands:
                return BrandHit(length, tuple(brands))
        return None

    def leading_at(self, words: Sequence[str], start: int) -> int:
        """How many words from ``words[start]`` are the first two or more words of some brand ("kate spade" of
        "kate spade new york"); 0 when none."""
        for length in range(min(self._longest, len(words) - start), 1, -1):
            if tuple(words[start : start + length]) in self._leading:
                return length
        return 0

    def correct(self, word: str, max_distance: int = 2) -> tuple[str, int] | None:
        """The brand (as letters) that ``word`` is a typo of, with the number of typos: "samsng" → ("samsung", 1)."""
        if len(word) < MIN_FUZZY_BRAND_LENGTH:
            return None
        limit = min(max_distance, 1 if len(word) < LONG_BRAND else 2)
        found = self._typo_targets.correct(word, limit)
        return None if found is None else (found, osa_distance(word, found, limit))

    def near(self, letters: str, frequency: Callable[[str], float]) -> tuple[str, ...] | None:
        """The words of the brand ``letters`` are one typo from (two from a long brand), for a word that found
        nothing as typed: "cannon" is Canon, "sonny" Sony, "del" Dell, "triplite" Tripp Lite. The typo keeps the
        first letter; among brands as near, the one the catalog names most often (``frequency`` of its letters)."""
        if len(letters) < MIN_RESPELLED_LENGTH or letters in self._by_letters:
            return None
        found = [
            (typing_penalty(letters, key), -frequency(key), key)
            for key in self._by_first_letter.get(letters[0], ())
            if osa_distance(letters, key, 2) <= (2 if len(key) >= LONG_BRAND else 1)
        ]
        if not found:
            return None
        brand = self._by_letters[min(found)[2]][0]
        return tuple(tokenize(brand))

    def _add(self, brand: str) -> None:
        spellings = {tuple(tokenize(brand)), tuple(tokenize(brand.replace("&", " and ")))}
        for words in filter(None, spellings):
            self._by_words.setdefault(words, []).append(brand)
        letters = "".join(tokenize(brand))
        if letters:
            self._by_letters.setdefault(letters, []).append(brand)


def _joined(window: Sequence[str]) -> str:
    """Words written together, "otter box" as "otterbox"; but never "in case" as the brand "Incase"."""
    if len(window) > 1 and any(word in STOP_WORDS for word in window):
        return ""
    return "".join(window)
