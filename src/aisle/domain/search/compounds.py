"""Words written apart or together, singular or plural: the same word to a shopper, not always to the catalog."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from aisle.domain.search.text import has_digit
from aisle.domain.search.vocabulary import Vocabulary

MIN_COMPOUND_PART = 3  # "head phone" ↔ "headphone"; "a" + "pple" is no split
_LETTERS_MEET_DIGITS = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def compound_forms(keywords: Sequence[str], vocabulary: Vocabulary) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Words written apart that the catalog writes together, and the reverse, as alternatives the engine also
    matches: "head phone" → "headphone"; "screenprotector" → "screen protector" (only when the joined word is
    not a catalog word itself, so "headphone" is never read as "head" + "phone")."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for first, second in pairwise(keywords):
        joined = first + second
        if not has_digit(joined) and " " not in joined and vocabulary.known(joined):
            found.append((f"{first} {second}", (joined,)))
    for word in keywords:
        split = split_compound(word, vocabulary) or split_model_number(word, vocabulary)
        if split is not None:
            found.append((word, (split,)))
    return tuple(found)


def split_compound(word: str, vocabulary: Vocabulary) -> str | None:
    if " " in word or has_digit(word) or vocabulary.known(word):
        return None
    for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
        head, tail = word[:cut], word[cut:]
        if vocabulary.known(head) and vocabulary.known(tail):
            return f"{head} {tail}"
    return None


def split_model_number(word: str, vocabulary: Vocabulary) -> str | None:
    """A name and its number written together that the catalog writes apart: "iphone6" → "iphone 6",
    "iphone7plus" → "iphone 7 plus", "s7edge" → "s7 edge" (only when the joined word is not a catalog word
    itself). Cut where letters meet digits, then the longest runs of pieces the catalog knows are put back."""
    if not has_digit(word) or vocabulary.known(word):
        return None
    pieces = _LETTERS_MEET_DIGITS.split(word)
    words: list[str] = []
    at = 0
    while at < len(pieces):
        end = next((e for e in range(len(pieces), at, -1) if vocabulary.known("".join(pieces[at:e]))), None)
        if end is None:
            return None
        words.append("".join(pieces[at:end]))
        at = end
    return " ".join(words) if len(words) > 1 else None


def number_forms(word: str) -> tuple[str, ...]:
    """The word, its singular and its plural. A plural never ends in "ss", so "glas" is not taken for a
    singular of "glass" (it is a typo of it), while "protector" is the singular of "protectors"."""
    forms = [word, word.removesuffix("s"), word.removesuffix("es")]
    if not (word + "s").endswith("ss"):
        forms.append(word + "s")
    return tuple(dict.fromkeys(form for form in forms if form))
