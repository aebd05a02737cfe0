"""Re-ranking the engine's best matches with what the catalog itself says about the query.

The engine scores words (BM25 over boosted fields). Among its best few hundred candidates, three more signals:

* category affinity: which categories hold the products whose text matches best. A query's best matches say
  what kind of product it asks for ("nexus 6p" → phones, "nexus 6p case" → cases), so a product in a category
  that holds many of the best matches gains, one in a category that only the weaker matches reach does not; the
  gain is scaled by the product's own text score, so a weak match in the leading category is not lifted over a
  strong match elsewhere.
  Learned per query from the catalog, never from a list of query strings; a ranking signal, never a filter.
* popularity, by its percentile over the whole catalog (0 for the least popular, 1 for the most): whatever scale
  the catalog's popularity uses (units a day, a score in the thousands), a percentile carries the same information,
  and a product's popularity means the same whichever other products matched the query.
* the static score from the index (rating with its Bayesian prior, seller rating, recency, stock).

Ties break on the product id, so the same catalog indexed twice gives the same order.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Protocol, TypeVar

from aisle.domain.search.document import own_name
from aisle.domain.search.kinds import is_qualifier, singular
from aisle.domain.search.text import has_digit, normalize, tokenize
from aisle.domain.search.units import is_measure, unit_codes

# Words that make a model a sibling of another: the other size or edition of one generation.
VARIANT_WORDS = frozenset(("plus", "edge", "max", "mini", "pro", "xl", "lite", "ultra", "active"))
_MODEL_LIST = re.compile(r",|/|\band\b|&", re.IGNORECASE)
# Nouns a number counts in a product's specifications: its parts, not what it is ("1280 x 1024 pixels", "500
# pieces", "4 ports"). A general list, not a catalog's; none that also follows a model's number ("8520 Cell Phone").
_COUNTED_NOUNS = "pixel piece pc sheet page port zone channel button slot bay core thread cup outlet socket"
COUNTED_NOUNS = frozenset(_COUNTED_NOUNS.split())
_COUNTED = re.compile(r"(?<![\w\-/.,'\"])(\d+)[ \t]+([A-Za-z]+)")  # a number alone, a space, a word
_WORD = re.compile(r"[^\W_]+")
TITLES_KEPT = 50_000  # titles' words kept read: the same products come back query after query
AFFINITY_FLOOR = 0.6  # candidates scoring at least this share of the best text score vote for their category


class Candidate(Protocol):
    @property
    def product_id(self) -> int: ...

    @property
    def text_score(self) -> float: ...

    @property
    def static_score(self) -> float: ...

    @property
    def category_id(self) -> int | None: ...

    @property
    def popularity(self) -> float: ...


C = TypeVar("C", bound=Candidate)
Stems = Callable[[str], Sequence[str]]  # text -> its tokens as the engine stems them


@dataclass(frozen=True)
class RerankWeights:
    text: float = 0.30
    affinity: float = 0.10  # swept with popularity on the judged set: 0.05 to 0.15
    popularity: float = 0.30  # swept: 0.08 to 0.5; 0.25 to 0.4 are a plateau, 0.15 and less lose
    name_coverage: float = 0.10
    kind: float = 0.5  # a product of the kind the query's head noun names (kinds.py)
    near_model: float = 0.1  # a sibling of the model asked (a size or edition the query does not name)
    other_model: float = 0.5  # another model of the line asked, and never the one asked ("iphone 6": iPhone 7)
    stem_only: float = 0.2  # per share of the words the title holds only as another word of their stem
    counted_only: float = 0.3  # per share of the words the title holds only as what a number counts
    fits_only: float = 0.2  # per share of the words the title holds only as what it fits ("for Android"); swept 0.1-0.5
    maker_only: float = 0.2  # per share of the words the title holds only in its maker's name ("Just Wireless - ")
    other_capacity: float = 0.3  # per share of the capacities asked the title states otherwise ("64gb": a 2GB card)
    made_by: float = 0.1  # a brand typed with a kind ("hp toner"): made by it, not only made for it


def rerank(
    candidates: Sequence[C],
    weights: RerankWeights,
    popularity_cuts: Sequence[float] = (),
    of_asked_kind: Mapping[int, float] | Collection[int] = frozenset(),
) -> list[C]:
    return [c for c, _score in rerank_scored(candidates, weights, popularity_cuts, of_asked_kind)]


def rerank_scored(
    candidates: Sequence[C],
    weights: RerankWeights,
    popularity_cuts: Sequence[float] = (),
    of_asked_kind: Mapping[int, float] | Collection[int] = frozenset(),
    counted_only: Mapping[int, float] | None = None,
) -> list[tuple[C, float]]:
    """``popularity_cuts``: the catalog's popularity percentiles (see ``catalog_percentile``); without them,
    popularity is ranked among the candidates. ``of_asked_kind``: the ids of the candidates that are the kind of
    product the query names ("camera phones": the phones, not the camera lenses), each with the share of the
    kind lift it gets (a plain collection: all of it). ``counted_only``: for some candidates, the share of the
    query's words their titles hold only as what a number counts (``counted_only_share``); those lose that
    share of the weight, and do not vote for their category."""
    kind_share = of_asked_kind if isinstance(of_asked_kind, Mapping) else dict.fromkeys(of_asked_kind, 1.0)
    counted = counted_only or {}
    best = max((c.text_score for c in candidates), default=0.0)
    named = [c for c in candidates if not counted.get(c.product_id)] or candidates
    affinity = category_affinity(voters(named, kind_share), best)
    if popularity_cuts:
        popularity = {c.product_id: catalog_percentile(c.popularity, popularity_cuts) for c in candidates}
    else:
        popularity = popularity_ranks(candidates)

    def score(c: C) -> float:
        text = c.text_score / best if best > 0 else 0.0
        return (
            weights.text * text
            # The category lifts a product as much as the product itself matches the words: a charger that
            # only mentions "phone" in its description gains little from sitting among fast chargers.
            + weights.affinity * affinity.get(c.category_id, 0.0) * text
            + weights.popularity * popularity[c.product_id]
            + weights.kind * kind_share.get(c.product_id, 0.0)
            - weights.counted_only * counted.get(c.product_id, 0.0)
            + c.static_score
        )

    scored = [(c, score(c)) for c in candidates]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].product_id))


def by_name_coverage(
    scored: Sequence[tuple[C, float]],
    titles: Mapping[int, str],
    words: Sequence[str],
    weight: float,
    near_model_penalty: float = 0.0,
    stem_only: tuple[float, Stems] | None = None,
    other_model_penalty: float = 0.0,
    fits_only_penalty: float = 0.0,
    maker_only: tuple[float, Callable[[str], bool]] | None = None,
    other_capacity_penalty: float = 0.0,
) -> list[C]:
    """The best candidates again, with how much of each product's own name the query covers: "galaxy s7" covers
    more of "Galaxy S7 32GB" than of "Galaxy S7 edge 32GB" (the exact model before the near one), and more of
    "iPhone 7 Plus 128GB" than of "iPhone 7 Plus Silicone Case" (the device before an accessory type the query
    does not name). ``stem_only``: (penalty, the engine's stemmer) for titles that hold a word only as another
    word of its stem (``stem_only_share``). ``maker_only``: (penalty, whether a text is a brand) for titles that
    hold a word only in the maker's name they start with (``maker_only_share``). ``other_capacity_penalty``: for
    titles that state another storage capacity than the one asked (``other_capacity_share``)."""
    rescored = [(c, s + weight * name_coverage(words, titles.get(c.product_id, ""))) for c, s in scored]
    if other_capacity_penalty and any(_CAPACITY_CODE.fullmatch(w) for w in words):
        rescored = [
            (c, s - other_capacity_penalty * other_capacity_share(words, titles.get(c.product_id, "")))
            for c, s in rescored
        ]
    if near_model_penalty:
        rescored = [
            (c, s - near_model_penalty * is_near_model(words, titles.get(c.product_id, ""))) for c, s in rescored
        ]
    if other_model_penalty and (models := asked_models(words)):
        rescored = [
            (c, s - other_model_penalty * other_model_share(models, titles.get(c.product_id, ""))) for c, s in rescored
        ]
    if stem_only is not None and stem_only[0]:
        penalty, stems = stem_only
        word_stems = {w: tuple(stems(w)) for w in words}
        rescored = [
            (c, s - penalty * stem_only_share(word_stems, titles.get(c.product_id, ""), stems)) for c, s in rescored
        ]
    if fits_only_penalty:
        rescored = [
            (c, s - fits_only_penalty * fits_only_share(words, titles.get(c.product_id, ""))) for c, s in rescored
        ]
    if maker_only is not None and maker_only[0]:
        penalty, is_brand = maker_only
        rescored = [
            (c, s - penalty * maker_only_share(words, titles.get(c.product_id, ""), is_brand)) for c, s in rescored
        ]
    return [c for c, _s in sorted(rescored, key=lambda pair: (-pair[1], pair[0].product_id))]


def made_by_first(
    scored: Sequence[tuple[C, float]], titles: Mapping[int, str], brands: Sequence[str], weight: float
) -> list[tuple[C, float]]:
    """For a brand typed with a kind ("hp toner"), which finds what the brand makes and what names it in its title,
    the brand's own products a little before those only made for it ("Verbatim HP LJ9000 Toner"): a product whose
    own name starts with the brand."""
    makers = [tokenize(brand) for brand in brands]
    if not weight or not any(makers):
        return list(scored)

    def made_by(title: str) -> bool:
        words = tokenize(own_name(title))
        return any(maker and words[: len(maker)] == maker for maker in makers)

    rescored = [(c, s + weight * made_by(titles.get(c.product_id, ""))) for c, s in scored]
    return sorted(rescored, key=lambda pair: (-pair[1], pair[0].product_id))


def fits_only_share(words: Sequence[str], title: str) -> float:
    """The share of the query's words that the title holds only after "for", as what the product goes with:
    "android" in a "Thermal Imager for Android Devices", which is no Android phone."""
    if not words or not title:
        return 0.0
    own = _singular_words(own_name(title))
    fitted = _singular_words(title[len(own_name(title)) :].split(" - ")[0])  # not the colour after it
    return sum(1 for w in words if _singular(w) in fitted and _singular(w) not in own) / len(words)


def maker_only_share(words: Sequence[str], title: str, is_brand: Callable[[str], bool]) -> float:
    """The share of the query's words that the title holds only in the maker's name it starts with: "wireless" in
    "Just Wireless - Vehicle Charger" for "wireless chargers", which is no wireless charger. Only beside a word the
    rest of the title holds: the maker's name alone may be what is asked ("kate spade", "mobile": Boost Mobile's
    phones), or named whole ("prepaid phones simple mobile"); nor a word that is a brand itself ("google": Google's
    "Google - Pixel" as much as what fits it)."""
    maker, _dash, rest = title.partition(" - ")
    if not rest or not words:
        return 0.0
    in_maker, in_rest = _singular_words(maker), _singular_words(rest)
    asked = {_singular(w) for w in words}
    if in_maker <= asked or not asked & in_rest or not asked & (in_maker - in_rest):
        return 0.0  # the set checks first: the brand lookups below run for every re-ranked candidate otherwise
    if not is_brand(maker):
        return 0.0
    only = [w for w in words if _singular(w) in in_maker and _singular(w) not in in_rest and not is_brand(w)]
    return len(only) / len(words)


def is_near_model(words: Sequence[str], title: str) -> bool:
    """The product is, or fits only, a sibling of the model asked: every model it names that shares a word with
    the query also carries a size or edition word the query lacks ("iphone 7 case": a case "for iPhone 7 Plus";
    "galaxy s7": the "Galaxy S7 edge"). A case "for iPhone 6 Plus and 6s Plus" fits an "iphone 6 plus" exactly."""
    asked = set(words)
    # Only the model's words name a model: "battery case" in the own name of a battery case "for iPhone 7 Plus".
    model_words = {w for w in asked if has_digit(w) and not is_measure(w)}
    model_words |= {line for line, _number in asked_models(words)}
    if not model_words:  # a line ("galaxy") has no siblings; a model ("galaxy s7") has
        return False
    fitted = title[len(own_name(title)) :].split(" - ")[0]
    models = [own_name(title), *_MODEL_LIST.split(fitted)]
    named = [tokens for tokens in (set(tokenize(m)) for m in models) if tokens & model_words]
    return bool(named) and all((tokens & VARIANT_WORDS) - asked for tokens in named)


def asked_models(words: Sequence[str]) -> list[tuple[str, str]]:
    """The models the query names, as (line, number): "iphone 6 cases" → ("iphone", "6"), "galaxy s7" →
    ("galaxy", "s7"); not a size or capacity ("iphone 32gb"), nor a number after a qualifier ("size 10")."""
    return [
        (line, number)
        for line, number in pairwise(words)
        if has_digit(number) and not has_digit(line) and not is_qualifier(line) and not is_measure(number)
    ]


def other_model_share(models: Sequence[tuple[str, str]], title: str) -> float:
    """1 when the product names a model of a line asked for by another number, and never the number asked: for
    "iphone 6", a "Case for Apple iPhone 7"; 0.5 when it names only the number with letters after it, another
    generation or an edition ("for iPhone 6s"; "HP 61XL" for "hp 61"); 0 for one "for iPhone 6 and 6s"."""
    tokens = tokenize(title)
    share = 0.0
    for line, number in models:
        after_line = [b for a, b in pairwise(tokens) if a == line and has_digit(b) and not is_measure(b)]
        if after_line and number not in tokens:
            extended = any(t.startswith(number) and t[len(number) :].isalpha() for t in tokens)
            share = max(share, 0.5 if extended else 1.0)
    return share


_CAPACITY_CODE = re.compile(r"[\dp]+(gb|tb|mb)")  # "64gb" → "gb"


def other_capacity_share(words: Sequence[str], title: str) -> float:
    """The share of the query's storage capacities that the product's own name states with another number, and
    never as asked: for "sd card 64gb", a "2GB SD Card"; not a card whose name gives none, nor "1000 GB" for
    "1tb". Only storage: another capacity is another variant of the product, where a 6,000 mAh power bank or a
    9.8' cable is a fair answer for "5000mah" or "10 ft"."""
    asked = [w for w in words if _CAPACITY_CODE.fullmatch(w)]
    if not asked or not title:
        return 0.0
    stated = unit_codes(normalize(own_name(title)))
    units = {found.group(1) for code in stated if (found := _CAPACITY_CODE.fullmatch(code))}
    return sum(1 for w in asked if _unit(w) in units and w not in stated) / len(asked)


def _unit(code: str) -> str:
    found = _CAPACITY_CODE.fullmatch(code)
    return found.group(1) if found else code


def name_coverage(words: Iterable[str], title: str) -> float:
    """The share of the product's own name words (without brand, colour and what it fits) that the query holds."""
    asked = {_singular(w) for w in words}
    parts = own_name(title).split(" - ")
    if len(parts) >= 2:
        parts = parts[1:-1] if len(parts) >= 3 else parts[1:]
    name = [_singular(w) for w in tokenize(" ".join(parts))]
    return sum(1 for w in name if w in asked) / len(name) if name else 0.0


def stem_only_share(word_stems: Mapping[str, tuple[str, ...]], title: str, stems: Stems) -> float:
    """The share of the query's words (with their stems) that the title holds only as another word of the same
    stem: "gaming" in "Board Games" (a stemmer makes "game" of both), not in "Gaming Mouse"; a plural is the same
    word ("cases" in "Case")."""
    if not word_stems or not title:
        return 0.0
    held = _singular_words(title)
    missing = [stemmed for w, stemmed in word_stems.items() if singular(w) not in held and len(stemmed) == 1]
    if not missing:  # the common case, and it spares stemming the title
        return 0.0
    title_stems = set(stems(title))
    return sum(stemmed[0] in title_stems for stemmed in missing) / len(word_stems)


def counted_only_share(words: Sequence[str], title: str) -> float:
    """The share of ``words`` that the title holds only as what a number counts ("1280 x 1024 pixels", "500
    pieces", "7 ports"): a specification of the product, not what it is or what it is called ("pixel" asks for
    the Google Pixel before monitors of so many pixels). The caller leaves out the words the query itself counts
    ("8 port switch") and those that only qualify a number ("iphone plus": "iPhone 7 Plus")."""
    if not words:
        return 0.0
    counted, named = _counted_and_named(title)
    return sum(1 for w in words if (form := singular(w)) in counted and form not in named) / len(words)


@lru_cache(maxsize=TITLES_KEPT)
def _counted_and_named(title: str) -> tuple[frozenset[str], frozenset[str]]:
    """The title's words (singular) that a number standing alone counts ("1024 pixels", "7 ports"; not after a
    model's "LK-62" or a size's "10'"), of the nouns that count a product's parts; and its words that stand
    anywhere else."""
    counted_at = {m.start(2) for m in _COUNTED.finditer(title) if singular(m.group(2).lower()) in COUNTED_NOUNS}
    counted: set[str] = set()
    named: set[str] = set()
    for word in _WORD.finditer(title):
        (counted if word.start() in counted_at else named).add(singular(word.group().lower()))
    return frozenset(counted), frozenset(named)


@lru_cache(maxsize=TITLES_KEPT)
def _singular_words(title: str) -> frozenset[str]:
    return frozenset(singular(w) for w in tokenize(title))


def names_every_word(words: Iterable[str], title: str) -> bool:
    """The product's own name (brand included, without what it fits) holds every word: "Apple - iPhone 7 32GB" is
    an iPhone; "Dynex - Case for Apple iPhone 7" only goes with one."""
    asked = {_singular(w) for w in words}
    return bool(asked) and asked <= {_singular(w) for w in tokenize(own_name(title))}


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def voters(candidates: Sequence[C], of_asked_kind: Mapping[int, float]) -> Sequence[C]:
    """The candidates whose categories say what the query asks for: when it names a kind of product, only those
    of that kind ("lg accessories": a phone whose description mentions its accessories matches the words best, but
    its category is not where accessories are). They must still match strongly among all candidates to vote."""
    of_kind = [c for c in candidates if of_asked_kind.get(c.product_id, 0.0) > 0]
    return of_kind or candidates


def category_affinity(candidates: Sequence[Candidate], best: float) -> dict[int | None, float]:
    """Each category's share of the strong matches' text score, scaled so the leading category has 1."""
    if best <= 0:
        return {}
    votes: dict[int | None, float] = defaultdict(float)
    for c in candidates:
        if c.category_id is not None and c.text_score >= AFFINITY_FLOOR * best:
            votes[c.category_id] += c.text_score / best
    top = max(votes.values(), default=0.0)
    return {category: vote / top for category, vote in votes.items()} if top else {}


def catalog_percentile(value: float, cuts: Sequence[float]) -> float:
    """0..1: the share of the catalog's percentile cut points (ascending) at or below ``value``, interpolated
    between the two cuts around it: products between two cuts keep their order, and two engines whose sketches
    place a cut a little apart score a product almost the same rather than a whole step apart."""
    if not cuts:
        return 0.0
    below = bisect_right(cuts, value)
    if below == 0 or below == len(cuts):
        return below / len(cuts)
    low, high = cuts[below - 1], cuts[below]
    within = (value - low) / (high - low) if high > low else 0.0
    return (below + within) / len(cuts)


def popularity_ranks(candidates: Sequence[Candidate]) -> dict[int, float]:
    """0..1 by rank; equal popularity gets an equal rank."""
    values = sorted({c.popularity for c in candidates})
    if len(values) < 2:
        return {c.product_id: 0.0 for c in candidates}
    position = {value: i / (len(values) - 1) for i, value in enumerate(values)}
    return {c.product_id: position[c.popularity] for c in candidates}
