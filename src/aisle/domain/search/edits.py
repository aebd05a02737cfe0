"""Edit operations and distances for spelling correction: the typing mistakes a shopper makes."""

from __future__ import annotations

from collections.abc import Iterable

# Neighbouring keys on a QWERTY keyboard: hitting one for the other is a typo, "x" for "a" is a different word.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    neighbours = {}
    for r, row in enumerate(_ROWS):
        for c, key in enumerate(row):
            near = {k for other in _ROWS[max(r - 1, 0) : r + 2] for k in other[max(c - 1, 0) : c + 2]}
            neighbours[key] = frozenset(near - {key})
    return neighbours


_NEIGHBOURS = _keyboard_neighbours()
_VOWELS = frozenset("aeiou")


def deletes(word: str) -> set[str]:
    """Every string one deleted character away from ``word``."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def deletes_within_two(word: str) -> set[str]:
    once = deletes(word)
    return once.union(*(deletes(shorter) for shorter in once))


def typing_slips(word: str, alphabet: Iterable[str]) -> set[str]:
    """Every string one inserted letter, adjacent swap, or neighbouring key away from ``word``.

    A wrong letter is only tried from the keys around the right one: that is how fingers slip, and it keeps this
    set at a third of the size of every substitution.
    """
    letters = tuple(alphabet)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    slipped = {a + near + b[1:] for a, b in splits if b for near in _NEIGHBOURS.get(b[0], ())}
    inserted = {a + ch + b for a, b in splits for ch in letters}
    return swapped | slipped | inserted


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (adjacent transpositions cost 1), or ``limit + 1`` once it exceeds limit."""
    a, b = _without_common_ends(a, b)
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if len(a) <= 1 and len(b) <= 1:  # the common case once the ends are stripped: one wrong, missed or extra letter
        return max(len(a), len(b))
    if len(a) == len(b) == 2 and a == b[::-1]:
        return 1
    # Stripped cores differ at both ends, so beyond those two cases the distance is at least 2.
    return limit + 1 if limit < 2 else _osa_table(a, b, limit)


def _osa_table(a: str, b: str, limit: int) -> int:
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def _without_common_ends(a: str, b: str) -> tuple[str, str]:
    """Shared prefixes and suffixes never change the distance, and stripping them leaves a tiny table to fill."""
    start = 0
    shortest = min(len(a), len(b))
    while start < shortest and a[start] == b[start]:
        start += 1
    end = 0
    while end < shortest - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return a[start : len(a) - end], b[start : len(b) - end]


def typing_penalty(typed: str, word: str) -> int:
    """0 for the slips of typing (a letter missed, doubled, swapped or a neighbouring key) and of spelling (one
    vowel for another, as an unstressed vowel sounds: "protecter", "seperate"), 1 for other edits.

    Only meaningful for words one edit apart; anything else costs 1.
    """
    if len(typed) != len(word):
        return 0 if abs(len(typed) - len(word)) == 1 else 1
    differences = [i for i, (x, y) in enumerate(zip(typed, word, strict=True)) if x != y]
    if len(differences) == 1:
        i = differences[0]
        misspelt = typed[i] in _VOWELS and word[i] in _VOWELS
        return 0 if misspelt or word[i] in _NEIGHBOURS.get(typed[i], ()) else 1
    is_swap = len(differences) == 2 and differences[1] == differences[0] + 1
    return 0 if is_swap else 1
