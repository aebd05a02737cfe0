"""Builds known-item queries from a product title the way shoppers type them (used by bench/search_quality.py).

Best Buy titles read "Brand - Product words for Device - Colour". Every query is lowercase, drops the trademark
signs and punctuation, and always leaves out at least one title word, so no query is an exact copy of a title.

- ``words``: the first 3-5 meaningful title words (brand included, and two words past a long brand), never all.
- ``typo``: the same words with one realistic typo in one word of 5+ letters: a deleted letter, two neighbours
  swapped, or a letter replaced by its neighbour on a QWERTY keyboard (never the first letter).
- ``two_words``: brand + product type only ("otterbox case", "samsung galaxy").
- ``model``: the title's model number alone, lowercase with its punctuation gone ("B350-XT" -> "b350xt").
  Only about 60 titles hold one, so the bench draws model queries from the whole catalog, not the sample.
"""

from __future__ import annotations

import random
import re
import unicodedata

STOP = frozenset("a an and the of for with to in on by from & +".split())  # noqa: SIM905 - a word list
TYPE_WORDS = frozenset(  # what a product is, as the last of these words in a title's head says
    """case cover folio wallet sleeve skin shell holster pouch clip protector charger cable adapter cord dock stand
    mount holder cradle battery bank headset headphones earbuds earphones earbud speaker stylus phone smartphone
    card kit tracker watch band strap lens armband tripod stick ring grip hub splitter""".split()  # noqa: SIM905
)
KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_MODEL_NOISE = re.compile(
    r"^\d+(\.\d+)?-?(gb|mb|tb|mah|w|ft|in|mm|m|v|a|g|pack|minute|port|pin|day|days|month|piece|hr|hour|x)s?$"
)
_COMPOUND = re.compile(r"^\d+(th)?-[a-z]+|.*-(to|in)-|.*mah$|^[345]g")  # "3-axis", "usb-to-...", "4G-S"
_TRADEMARKS = re.compile("[®™\u0099©]")


def _neighbours() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(KEYBOARD):
        for c, key in enumerate(row):
            around = [row[c + d] for d in (-1, 1) if 0 <= c + d < len(row)]
            around += [KEYBOARD[r + d][c] for d in (-1, 1) if 0 <= r + d < 3 and c < len(KEYBOARD[r + d])]
            near[key] = "".join(around)
    return near


NEIGHBOURS = _neighbours()


def plain_words(text: str) -> list[str]:
    """Lowercase words without trademark signs or surrounding punctuation; lone dashes and stop words dropped."""
    words = []
    for raw in _TRADEMARKS.sub("", text).split():
        word = raw.strip("()[],;:!?\"'/").lower()
        if word and word != "-" and word not in STOP:
            words.append(word)
    return words


def engine_words(text: str) -> set[str]:
    """Roughly how a search engine splits text: accents folded, split at anything not a letter or digit."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return {w for w in re.findall(r"[a-z0-9]+", folded) if w not in STOP}


def words_query(title: str, brand: str | None, rng: random.Random) -> str | None:
    words = plain_words(title)
    if len(words) < 3:
        return None
    count = max(rng.randint(3, 5), len(plain_words(brand or "")) + 2)  # a long brand still gets two words more
    count = min(count, len(words) - 1)  # always leave out at least one word
    return " ".join(words[:count])


def typo_query(words_q: str | None, rng: random.Random) -> tuple[str, str] | None:
    """(query, what was done) with one typo in one long alphabetic word, or None when no word is long enough."""
    if not words_q:
        return None
    words = words_q.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return None
    index = rng.choice(candidates)
    word = words[index]
    kind = rng.choice(("deletion", "transposition", "substitution"))
    pos = rng.randrange(1, len(word) - 1) if kind == "transposition" else rng.randrange(1, len(word))
    if kind == "deletion":
        typo = word[:pos] + word[pos + 1 :]
    elif kind == "transposition":
        typo = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    else:
        typo = word[:pos] + rng.choice(NEIGHBOURS.get(word[pos], word[pos])) + word[pos + 1 :]
    if typo == word:  # swapping two equal letters changes nothing: delete one instead
        typo, kind = word[:pos] + word[pos + 1 :], "deletion"
    words[index] = typo
    return " ".join(words), f"{kind}: {word} -> {typo}"


def two_word_query(title: str, brand: str | None) -> str | None:
    """Brand + product type: the title's last type word before "with"/"for" (else its first plain word)."""
    parts = [p for p in _TRADEMARKS.sub("", title).split(" - ")]
    if not brand or len(parts) < 2:
        return None
    head = re.split(r"\s(?:for|compatible with)\s", parts[1], maxsplit=1, flags=re.IGNORECASE)[0]
    words = plain_words(head)
    before_with = plain_words(re.split(r"\swith\s", head, maxsplit=1, flags=re.IGNORECASE)[0])
    types = [w for w in before_with if _is_type(w)] or [w for w in words if _is_type(w)]
    alpha = [w for w in words if w.isalpha() and w not in plain_words(brand)]
    kind = types[-1] if types else (alpha[0] if alpha else None)  # phones: "samsung galaxy", "apple iphone"
    return f"{' '.join(plain_words(brand))} {kind}" if kind else None


def _is_type(word: str) -> bool:
    return word in TYPE_WORDS or word.rstrip("s") in TYPE_WORDS


def model_number(title: str, brand: str | None) -> str | None:
    """A model code in the title ("D250U", "B350-XT", "T2600"), not a capacity, pack size or brand word."""
    brand_words = set(plain_words(brand or ""))
    for raw in _TRADEMARKS.sub("", title).split():
        token = raw.strip("()[],;:+").lower()
        letters, digits = any(c.isalpha() for c in token), any(c.isdigit() for c in token)
        if not (letters and digits and 4 <= len(token) <= 14):
            continue
        if _MODEL_NOISE.match(token) or _COMPOUND.match(token) or "/" in token or token in brand_words:
            continue
        return re.sub(r"[^a-z0-9]", "", token)
    return None
