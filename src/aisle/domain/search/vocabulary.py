"""The catalog's own words, counted: what a query word is checked against, corrected to and completed with.

Spelling correction is SymSpell's symmetric-delete idea, trimmed to build fast in pure Python: the index maps
every word, and every string one deletion away from it, to the word. A distance-1 typo is then found by looking up
the typed token and its own deletions, which covers every missed, extra, wrong or swapped letter. A distance-2 typo
(tokens of six letters or more) is looked up through the token's double deletions and its typing slips (a letter
inserted, two swapped, or a neighbouring key): that covers any two missed or extra letters, and one of those with
a swap or a wrong letter (a neighbouring key's, when a letter is also missing), but not two wrong or swapped
letters at once. Indexing double deletions would cover those too, at five times the build time and memory.

Corrections stay conservative, since a wrong one shows the shopper products they did not ask for ("coffee" is
no typo of "toffee"): the first letter must be right (or swapped with the second), since people rarely miss it
and a different first letter usually makes a different word; a known word with letters added at its end is
another word built on it ("tablet", "faster"), not a typo, unless the letter is only doubled ("samsungg"); and
a word seen fewer than ``min_count`` times is never a correction, since it may be a typo itself.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from itertools import islice

from aisle.domain.search.edits import deletes, deletes_within_two, osa_distance, typing_penalty, typing_slips
from aisle.domain.search.text import normalize, tokenize

MIN_CORRECTED_LENGTH = 4  # "tv", "psp", "gsp": too short to tell a typo from another word
LONG_WORD = 8  # from this length, two typos are tolerated; below it, one (Algolia's minWordSizefor2Typos)
MAX_CORRECTED_LENGTH = 24  # longer tokens are codes or noise, and their edits would cost the most
MIN_COUNT = 2.0  # a word seen once may be a typo itself: never a correction (it is still known)
LIKELIER = 20.0  # how many times as often a word one typo away is seen, for a word seen once to be taken for it
_FEW_ENOUGH_TO_SORT = 2_000
_SLICE = 5_000


class Vocabulary:
    """Words with how often they occur (summed weights). Immutable once built."""

    def __init__(
        self, counts: Mapping[str, float], min_count: float = MIN_COUNT, trusted: Collection[str] = frozenset()
    ) -> None:
        """``trusted``: words of the language (an English word list) that are corrections even when the catalog
        has them only once: "speaker" in one title is no typo, and "spaker" is one of it."""
        self._counts = {word: float(n) for word, n in counts.items() if word and n > 0}
        self._min_count, self._trusted = min_count, trusted
        targets = [w for w, n in self._counts.items() if self.sure(w) and _is_correction_target(w)]
        self._deletes = _deletes_index(targets)
        self._alphabet = frozenset("".join(targets))
        self._sorted = sorted(self._counts)
        self._by_frequency = sorted(self._sorted, key=self._counts.__getitem__, reverse=True)  # stable: ties by word

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, float]], min_count: float = MIN_COUNT) -> Vocabulary:
        """Counts the tokens of each text with its weight: titles, brands and category names."""
        counts: defaultdict[str, float] = defaultdict(float)
        for text, weight in texts:
            for token in tokenize(text):
                counts[token] += weight
        return cls(counts, min_count)

    @classmethod
    def from_counts(
        cls, counts: Iterable[tuple[str, float]], min_count: float = MIN_COUNT, trusted: Collection[str] = frozenset()
    ) -> Vocabulary:
        """Words already counted, e.g. a search index's terms with their document frequencies."""
        merged: defaultdict[str, float] = defaultdict(float)
        for word, n in counts:
            for token in [word] if _is_token(word) else tokenize(word):
                merged[token] += n
        return cls(merged, min_count, trusted)

    def __len__(self) -> int:
        return len(self._counts)

    def __contains__(self, token: object) -> bool:
        return token in self._counts

    def known(self, token: str) -> bool:
        return token in self._counts

    def frequency(self, token: str) -> float:
        return self._counts.get(token, 0.0)

    def sure(self, token: str) -> bool:
        """Seen often enough (or a word of the language) to be no typo itself."""
        return self._counts.get(token, 0.0) >= self._min_count or token in self._trusted

    def likelier(self, token: str, seen: float | None = None) -> str | None:
        """The word one typo away seen ``LIKELIER`` times as often as ``token`` (or as ``seen``, for a word known
        another way), for a word not sure enough to be no typo: the catalog's own typo "bluetoth" (once) is the
        shopper's typo of "bluetooth" (63 times) too."""
        if self.sure(token) or not _is_correction_target(token):
            return None
        best = self._best_at(token, 1)
        times = max(self.frequency(token) if seen is None else seen, 1.0)
        return best if best is not None and self.frequency(best) >= LIKELIER * times else None

    def correct(self, token: str, max_distance: int = 2) -> str | None:
        """The likeliest known word ``token`` is a typo of, or None: it is known, a number, a code, or too far."""
        if token in self._counts or not _is_correction_target(token):
            return None
        if (spelled := self._spelled_as_heard(token)) is not None:
            return spelled
        for distance in range(1, min(max_typos(token), max_distance) + 1):
            best = self._best_at(token, distance)
            if best is not None:
                return best
        return None

    def _spelled_as_heard(self, token: str) -> str | None:
        """The known word written with "ph" where ``token`` has the "f" it sounds like ("foto", "headfones",
        "grafics"): two edits away, and nearer by sound than the one-edit words ("foot", "fine") it would take."""
        if "f" not in token:
            return None
        heard = token.replace("f", "ph")
        return heard if heard in self._counts and self.sure(heard) else None

    def complete(self, prefix: str, limit: int = 10) -> list[str]:
        """The most frequent words that start with ``prefix``."""
        prefix = normalize(prefix)
        start = bisect_left(self._sorted, prefix)
        end = bisect_left(self._sorted, prefix + "\U0010ffff", lo=start)
        if end - start <= _FEW_ENOUGH_TO_SORT:
            return heapq.nsmallest(limit, self._sorted[start:end], key=self._rank)
        # A short prefix: the most frequent words overall soon include enough of them.
        return list(islice((w for w in self._by_frequency if w.startswith(prefix)), max(limit, 0)))

    def corrected_prefix(self, prefix: str) -> str | None:
        """The start of a word one typo from ``prefix``, for a word still being typed that no word begins with:
        "hedph" is the start of "headphones" and becomes "headph". The start of the commonest such word, among
        those seen often enough to be no typo themselves; None for a number, a code, or nothing near."""
        if not _is_correction_target(prefix) or self.complete(prefix, 1):
            return None
        found = {start: word for start in _one_edit(prefix, self._alphabet) if (word := self._commonest_from(start))}
        if not found:
            return None
        return min(found, key=lambda start: (typing_penalty(prefix, start), self._rank(found[start]), -len(start)))

    def _commonest_from(self, start: str) -> str | None:
        at = bisect_left(self._sorted, start)
        if at == len(self._sorted) or not self._sorted[at].startswith(start):  # most texts one typo away begin none
            return None
        end = bisect_left(self._sorted, start + "\U0010ffff", lo=at)
        sure = [w for w in islice(self._sorted, at, min(end, at + _FEW_ENOUGH_TO_SORT)) if self.sure(w)]
        return min(sure, key=self._rank) if sure and len(start) >= 2 else None

    def _best_at(self, token: str, distance: int) -> str | None:
        candidates = _words_under(self._deletes, _lookup_keys(token, distance, self._alphabet))
        found = [w for w in candidates if _plausible(token, w) and osa_distance(token, w, distance) == distance]
        if not found:
            return None
        return min(found, key=lambda word: (typing_penalty(token, word) if distance == 1 else 0, self._rank(word)))

    def _rank(self, word: str) -> tuple[float, str]:
        return -self._counts[word], word


def parse_word_counts(text: str) -> dict[str, int]:
    """Lines of "word count" (SymSpell's frequency dictionaries), e.g. to read a list of the language's words."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        word, _, count = line.strip().partition(" ")
        if word and count.strip().isdigit():
            counts[word] = int(count)
    return counts


def max_typos(token: str) -> int:
    return 1 if len(token) < LONG_WORD else 2


def _one_edit(word: str, alphabet: frozenset[str]) -> set[str]:
    """Every text one typo from ``word``: a letter left out, added, changed, or two swapped."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {a + b[1:] for a, b in cuts if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
    changed = {a + c + b[1:] for a, b in cuts if b for c in alphabet}
    added = {a + c + b for a, b in cuts for c in alphabet}
    return (deleted | swapped | changed | added) - {word}


def _lookup_keys(token: str, distance: int, alphabet: frozenset[str]) -> set[str]:
    if distance == 1:
        return deletes(token) | {token}
    return deletes_within_two(token) | typing_slips(token, alphabet)


def _deletes_index(words: list[str]) -> dict[str, str | list[str]]:
    """Each word and its deletions → the word, or the words when several share the key.

    A plain string for the (most common) unshared key saves a list each: half the build time for 200k words.
    Keys are made a slice of words at a time: as fast as one comprehension, without a list of millions of pairs.
    """
    index: dict[str, str | list[str]] = {}
    get = index.get
    for start in range(0, len(words), _SLICE):
        for key, target in [(key, word) for word in words[start : start + _SLICE] for key in (word, *deletes(word))]:
            held = get(key)
            if held is None:
                index[key] = target
            elif isinstance(held, str):
                index[key] = [held, target]
            else:
                held.append(target)
    return index


def _words_under(index: dict[str, str | list[str]], keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for key in keys:
        held = index.get(key)
        if held is None:
            continue
        if isinstance(held, str):
            found.add(held)
        else:
            found.update(held)
    return found


def _is_correction_target(word: str) -> bool:
    """Words a typo may be corrected to, or corrected from: never a number or a model code ("s7", "30w")."""
    return MIN_CORRECTED_LENGTH <= len(word) <= MAX_CORRECTED_LENGTH and word.isalpha()


def _plausible(typed: str, word: str) -> bool:
    """A typo keeps the first letter (or swaps it with the second), and is no word built on the known one:
    "tablet" is not a typo of "table", nor "faster" of "fast"; but "samsungg" is one of "samsung"."""
    same_start = typed[0] == word[0] or typed[:2] == word[1::-1]
    added = typed[len(word) :] if typed.startswith(word) else ""
    return same_start and added in ("", word[-1] * len(added))


def _is_token(word: str) -> bool:
    return word.isascii() and word.isalnum() and word.islower()
