"""Words written apart or together, singular or plural: the same word to a shopper, not always to the catalog."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from aisle.domain.search.text import has_digit
from aisle.domain.search.units import is_measure
from aisle.domain.search.vocabulary import Vocabulary

MIN_MODEL_PIECE = 2  # "galaxys7" → "galaxy" + "s7"; a lone letter is no piece
MAX_SPLIT_LENGTH = 40
MIN_COMPOUND_PART = 3  # "head phone" ↔ "headphone"; "a" + "pple" is no split
MIN_PLAIN_SINGULAR = 3  # "cases" → "case"; shorter, only a consonant-ended abbreviation ("tvs" → "tv")
MAX_CODE_LETTERS = 4  # "mdr-570": the letters of a model code; "iphone 7" is a name and its number
_NAME_AND_NUMBER = re.compile(r"([^\W\d_]{3,})(\d{1,2})")  # "note5", "cat6": no code's long number ("tn2420")
_LETTERS_MEET_DIGITS = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def compound_forms(keywords: Sequence[str], vocabulary: Vocabulary) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Words written apart that the catalog writes together, and the reverse, as alternatives the engine also
    matches: "head phone" → "headphone"; "screenprotector" → "screen protector" (only when the joined word is
    not a catalog word itself, so "headphone" is never read as "head" + "phone"). "galaxy s" is no "galaxys"
    (a plural of galaxy): a lone letter after a word starts a model ("galaxy s 7": "s7")."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for first, second in pairwise(keywords):
        joined = first + second
        if is_split_code(first, second):  # "mdr-570", "ps 4": a model code, as titles write it joined
            found.append((f"{first} {second}", (joined,)))
        if _code_pieces(first, second) and vocabulary.known(joined):
            found.append((f"{first} {second}", (joined,)))  # "elp lp54" (typed "elp-lp54"): the ELPLP54 lamp
            continue
        if has_digit(joined) or " " in joined or len(second) == 1:
            continue  # a lone letter after a word is a model's ("galaxy s 7"), not the end of a compound
        # "head phones" → "headphone" too, when the catalog only writes the singular (or only the plural)
        forms = (joined,) if vocabulary.known(joined) else other_number_forms(joined, vocabulary)
        if forms:
            found.append((f"{first} {second}", forms))
    for word in keywords:
        split = split_compound(word, vocabulary) or split_model_number(word, vocabulary)
        if split is not None:
            found.append((word, (split,)))
    return tuple(found)


def _code_pieces(first: str, second: str) -> bool:
    """Two pieces of one code: a number and its letters both in the second ("elp" "lp54"), never a name and its
    number ("iphone" "7"), which titles write apart."""
    return first.isalpha() and has_digit(second) and not second.isdigit()


def is_split_code(first: str, second: str) -> bool:
    """A model code's letters and its number apart ("mdr" "570", "tn" "2420", "ps" "4"): a short run of letters,
    then a word that starts with a digit. A name ("iphone 7", "galaxy s7") is longer than a code's letters, and a
    size ("tv 55inch") is no code's number."""
    return first.isalpha() and len(first) <= MAX_CODE_LETTERS and second[:1].isdigit() and not is_measure(second)


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
    "iphone7plus" → "iphone 7 plus", "s7edge" → "s7 edge", "galaxys7" → "galaxy s7" (only when the joined word
    is not a catalog word itself). The fewest catalog words that spell it, cut where letters meet digits when
    that does as well. A catalog word too when it is a line's name and a short number that the catalog also
    writes apart: "note5" is "Note5" in some titles and "Note 5" in more."""
    if vocabulary.known(word) and (named := _NAME_AND_NUMBER.fullmatch(word)):
        name, number = named.groups()
        return f"{name} {number}" if vocabulary.known(name) and vocabulary.known(number) else None
    if not has_digit(word) or word.isdigit() or vocabulary.known(word) or len(word) > MAX_SPLIT_LENGTH:
        return None  # a number alone (a SKU's, a GTIN) is looked up whole, never as digits the catalog also holds
    boundaries = {m.start() for m in _LETTERS_MEET_DIGITS.finditer(word)}
    # best[i]: (pieces, cuts not where letters meet digits, the pieces) spelling word[:i]
    best: list[tuple[int, int, tuple[str, ...]] | None] = [(0, 0, ())] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(end):
            before, piece = best[start], word[start:end]
            if before is None or not _is_piece(piece, vocabulary):
                continue
            odd_cut = 1 if start and start not in boundaries else 0
            found = (before[0] + 1, before[1] + odd_cut, (*before[2], piece))
            if best[end] is None or found[:2] < best[end][:2]:  # type: ignore[index]
                best[end] = found
    spelled = best[-1]
    return " ".join(spelled[2]) if spelled is not None and spelled[0] > 1 else None


def _is_piece(piece: str, vocabulary: Vocabulary) -> bool:
    """A catalog word, and a number or at least two letters ("s" + "7" is no reading of "s7")."""
    return (piece.isdigit() or len(piece) >= MIN_MODEL_PIECE) and vocabulary.known(piece)


def number_forms(word: str) -> tuple[str, ...]:
    """The word, its singular and its plural. A plural never ends in "ss", so "glas" is not taken for a
    singular of "glass" (it is a typo of it), while "protector" is the singular of "protectors"."""
    # "-es" ends a plural only after a hiss or an "o" ("boxes", "glasses", "heroes"): "shoees" is a typo of "shoes"
    stem = word.removesuffix("es")
    by_es = stem if stem.endswith((*_SIBILANT_ENDS, "o")) else word
    singulars = [form for form in (word.removesuffix("s"), by_es) if _may_be_singular(form)]
    forms = [word, *singulars]
    if not (word + "s").endswith("ss"):
        forms.append(word + "s")
    return tuple(dict.fromkeys(form for form in forms if form))


def _may_be_singular(form: str) -> bool:
    """Two letters are a singular only as an abbreviation ("tvs", "cds"); "gas" is no plural of a model code's
    "GA", nor "bus" of "bu", nor "ups" (uninterruptible power supplies) of the "up" of "Top-Up"."""
    return len(form) >= MIN_PLAIN_SINGULAR or (
        len(form) == 2 and form[-1] not in "aeiou" and form not in _TWO_LETTER_WORDS
    )


_TWO_LETTER_WORDS = frozenset("up on in at it if of or by my".split())  # noqa: SIM905 - words read best as words


_SIBILANT_ENDS = ("s", "x", "z", "ch", "sh")


def other_number_forms(word: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The word's singular or plural as the catalog writes it, when it does: "lens" → "lenses", "lenses" →
    "lens" (a stemmer makes "len" of one and "lens" of the other, so they would never meet)."""
    if has_digit(word) or " " in word:
        return ()
    plurals = (word + "es",) if word.endswith(_SIBILANT_ENDS) else ()
    forms = (*number_forms(word), *plurals)
    known = [form for form in dict.fromkeys(forms) if form != word and vocabulary.known(form)]
    return tuple(dict.fromkeys([*known, *_abbreviation_plural(word)]))


def _abbreviation_plural(word: str) -> tuple[str, ...]:
    """An abbreviation's plural, known to the catalog or not: category names write it ("Internal SSDs", "TVs")
    where titles say "SSD", and a stemmer keeps the "s" after a word without a vowel, so "ssd" never meets "ssds"."""
    short = MIN_MODEL_PIECE <= len(word) <= MAX_CODE_LETTERS
    if short and word.isalpha() and not word.endswith("s") and _VOWELS.isdisjoint(word):
        return (word + "s",)
    return ()


_VOWELS = frozenset("aeiouy")
