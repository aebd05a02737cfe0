"""What kind of product a query asks for, and what kind each product is: the head noun decides.

In an English noun phrase the last noun names the thing and the words before it qualify it: "camera phones" are
phones, "phone camera lens kit" is a kit, "laptop sleeve" is a sleeve. So:

* The kinds a catalog knows are the head nouns of its category names ("Cell Phone Cases & Clips" names cases and
  clips, "All Cell Phones with Plans" names phones), learned from the tree, never from a list of queries.
* A query asks for a kind when one of its words (before any "for": "case for iphone" asks for a case) is such a
  noun; the last one is the head ("iphone accessories slim cases" asks for cases).
* A product is of the kind its own name ends with ("Spigen - Thin Fit Case for iPhone 7" is a case; "Galaxy S6
  ... Cell Phone (Unlocked)" a phone), and of the kinds its category names, except those its own name uses as a
  qualifier: a "Laptop Slip Case" filed under Laptops is a case for a laptop, not a laptop.

Words are compared singular ("cases" = "case", "accessories" = "accessory").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from aisle.domain.categories import Category, ancestors_path
from aisle.domain.search.document import bare_name, own_name
from aisle.domain.search.text import has_digit, normalize, tokenize
from aisle.domain.search.units import is_capacity, is_measure, unit_codes

# Words that end a product name without naming what it is: colours, units and packaging notes ("Case - Black",
# "Sleeve 15.6 inch", "Cell Phone (Unlocked)"). A general list, not a catalog's.
_COLOUR_WORDS = (
    "black white silver gray grey blue red green gold pink purple orange yellow brown beige clear navy teal rose "
    "bronze copper charcoal graphite titanium transparent multi multicolor"
)
_QUALIFIER_WORDS = "with without and or of for in on by to the a an new refurbished unlocked pack set original genuine"
_NUMBER_WORDS = "one two three four five six seven eight nine ten"  # "Xbox One", "HTC One": a model's number
# Size and edition words of a model ("Galaxy S7 edge", "iPhone 7 Plus", "Galaxy J1 Mini", "Watch Series 2"): they end
# a name without naming a kind of product.
_EDITION_WORDS = "plus edge max mini pro air xl xxl lite ultra active prime series"
_UNIT_WORDS = "inch inches ft feet foot cm mm meter meters gb tb mb mah watt watts volt volts oz lb lbs kg pcs pc ct"
# What a product is measured or styled by, never what it is ("bar stool 24 inches height", "cool designs")
_ATTRIBUTE_WORDS = "size sizes height width length depth weight color colour style styles design designs type types"
# How big a product is, never what it is ("microwave mid size": a microwave; "large dog bed"; "topper queen")
_SIZE_WORDS = "small medium large mid big compact tiny full twin queen king"
COLOURS = frozenset(_COLOUR_WORDS.split())
# Who a product is for: a shopper who names it ("womens running shoes") wants that cut or size range more than any
# other qualifier. A general list, not a catalog's.
_AUDIENCE_WORDS = (
    "men mens man women womens woman ladies lady boys boy girls girl kids kid baby babies toddler toddlers"
)
AUDIENCE_WORDS = frozenset(_AUDIENCE_WORDS.split())
_EDITION = frozenset(_EDITION_WORDS.split())
_NUMBERS = frozenset(_NUMBER_WORDS.split())
_QUALIFIERS = frozenset(
    f"{_QUALIFIER_WORDS} {_NUMBER_WORDS} {_UNIT_WORDS} {_EDITION_WORDS} {_ATTRIBUTE_WORDS} {_SIZE_WORDS}".split()
)
_CONJUNCTIONS = re.compile(r"\s*(?:&|,|/|\band\b|\bor\b)\s*", re.IGNORECASE)
_VOWEL = re.compile(r"[aeiouy]")  # letters without one are a code's ("lpl", "mdr") or an abbreviation's ("gps")
_WITH = re.compile(r"\s(?:with|w/|\+)\s|(?<=[^\W\d_]{3})/(?=[^\W\d_]{3})", re.IGNORECASE)
_SLASHED_PAIR = re.compile(r"\b([^\W\d_]{3,})/([^\W\d_]{3,})\b(.*)$")
PAIRED_KIND_WITHIN = 2  # words after "printer/scanner" in which a kind makes the pair its qualifiers ("spare part")
MAX_BRAND_WORDS = 3  # "Brand - Name": a first part this short is the brand
_MODIFIER_TAIL = re.compile(r"\s+(?:with|without|for|by|from)\s.*$", re.IGNORECASE)
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
MIN_KIND_LENGTH = 2
MEASURED_WITHIN = 2  # words after a product's kind in which a number marks the rest of its name as specifications
SPECIFIED_BEFORE = 2  # measurements in a name that make its last word one more specification ("64 GB ... Android")
_DERIVATION_SUFFIXES = ("ation", "ion", "ing", "or", "er", "ive")
MIN_ROOT_LENGTH = 4
AMBIGUOUS_SHARE = 0.5  # of the kind lift, for a product only a category naming several kinds calls that kind
NAME_ONLY_SHARE = 0.9  # for a product whose name says it is of that kind, filed where no category says so
# for a product only of a synonym's kind: neither its name nor its category says the word the shopper typed ("laptop":
# a paper "Dotted Notebook" among office supplies is a notebook, not the notebook computer a laptop also is)
SYNONYM_SHARE = 0.4
SINGULARS_KEPT = 65_536  # words seen in titles: the same few thousand come back in every title read
MAX_READ_TITLES = 100_000  # products whose kinds are kept read (per category tree)
Read = tuple[frozenset[str], frozenset[str]]  # (the kinds a product surely is, those it may be)


@lru_cache(maxsize=SINGULARS_KEPT)
def singular(word: str) -> str:
    """A plain English singular, good enough to compare kinds: "accessories" → "accessory", "cases" → "case",
    "boxes" → "box", "glass" stays "glass"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses", "zzes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def derivation_root(word: str) -> str:
    """The word without a derivational suffix ("protection", "protector" → "protect"), or the word itself."""
    for suffix in _DERIVATION_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT_LENGTH:
            return word[: -len(suffix)]
    return word


def _head_at(words: Sequence[str]) -> int:
    """Where a query's head noun may stand: its last word, before any trailing sizes, units and colours."""
    at = len(words) - 1
    while at > 0 and not _is_kind_word(words[at]) and words[at] not in _EDITION:
        at -= 1
    return at


def model_after_head(words: Sequence[str]) -> bool:
    """Whether a model code follows the query's head noun: "galaxy note5" and "iphone 7" name one model of a
    line, "monitor 27inch" and "galaxy case" none (a size is no model)."""
    return any(has_digit(w) and not is_measure(w) for w in words[_head_at(words) + 1 :])


def names_the_model(words: Sequence[str], title: str) -> bool:
    """Whether ``title`` names the line and model the words end with, together, its code joined or apart ("Galaxy
    Note5", "Galaxy Note 5" for "galaxy note5"); not "iPhone 7 ... 11.9 cm" for "iphone 11"."""
    model = list(words[_head_at(words) :])
    apart = [piece for w in model for piece in _LETTERS_THEN_DIGITS.sub(r"\1 \2", w).split()]
    text = f" {' '.join(tokenize(title))} "
    return any(f" {' '.join(form)} " in text for form in (model, apart))


def head_word(
    words: Sequence[str], held: Collection[str] = (), is_brand: Callable[[str], bool] = lambda _: False
) -> str | None:
    """The word standing where a query's head noun stands, whether or not the catalog knows it as a kind: the
    last that may name one, after which only sizes, units, colours, editions, brands and the letters of model
    codes come ("salon chair": "chair"; "apple macbook air": "macbook"; "macbooks apple": "macbooks"; "mdr 570
    lpl": none). Letters without a vowel are a code's unless the catalog ``held`` them as a word ("gps")."""
    return next((w for w in reversed(words) if _may_head(w, held) and not is_brand(w)), None)


def is_modifier(word: str) -> bool:
    """A word that only qualifies the one before it and says nothing alone: a number, spelled or not ("xbox one",
    "iphone 7"), a model's edition ("plus") or a colour."""
    return word.isdigit() or word in _NUMBERS or word in _EDITION or word in COLOURS


def is_qualifier(word: str) -> bool:
    """A word that says how, how big or how many, never what: "with", "inch", "plus", "large", "7", "red"."""
    return word.isdigit() or word in _QUALIFIERS or word in COLOURS


def _may_head(word: str, held: Collection[str]) -> bool:
    return _is_kind_word(word) and (_VOWEL.search(word) is not None or word in held)


def _is_kind_word(word: str) -> bool:
    return len(word) >= MIN_KIND_LENGTH and not has_digit(word) and word not in COLOURS and word not in _QUALIFIERS


def head_nouns(name: str) -> frozenset[str]:
    """The kinds a category name names: the last word of each of its conjuncts, before any "with" or "for". A
    lone singular word before a conjunct that ends with a plural qualifies that plural: "USB & Lightning Cables"
    holds cables (USB ones among them), not USBs; "Keyboards & Mice" holds both."""
    parts = [
        [w for w in tokenize(part) if _is_kind_word(w)] for part in _CONJUNCTIONS.split(_MODIFIER_TAIL.sub("", name))
    ]
    parts = [words for words in parts if words]
    plural_end = bool(parts) and singular(parts[-1][-1]) != parts[-1][-1]
    return frozenset(
        singular(words[-1])
        for at, words in enumerate(parts)
        if not (plural_end and at < len(parts) - 1 and len(words) == 1 and singular(words[0]) == words[0])
    )


def name_words(title: str) -> list[str]:
    """The words of a product's own name that may name its kind, in order: without the brand in front of a
    " - " title ("Apple - iPhone 7 32GB - Black"), the colour part after it, notes in brackets and what it fits."""
    return [w for segment in name_segments(title) for w in segment]


def name_segments(title: str, known: frozenset[str] = frozenset()) -> list[list[str]]:
    """``name_words`` cut at "with" (or "+"): "Cell Phone with 12MP Camera" is a phone, and so, read with its
    category, is "Galaxy S6 4G with 32GB Memory Cell Phone"; a "Micro SDXC Card + Adapter" is a card. With the
    ``known`` kinds, also at a colour right after one of them and before another, where Icecat titles go on with
    specifications or what the product fits: "Notebook Gray 33.8 cm ... Windows 10 Home" is a notebook, "screen
    protector Clear screen protector Tablet Apple" a protector."""
    parts = own_name(title).split(" - ")
    if len(parts) >= 2 and len(parts[0].split()) <= MAX_BRAND_WORDS:
        parts = parts[1:-1] if len(parts) >= 3 else parts[1:]  # "Brand - Name" or "Brand - Name - Colour"
    else:
        parts = parts[:1]  # "Maker Name Kind - spec notes"
    text = _qualifying_pairs_joined(_PARENTHESES.sub(" ", " - ".join(parts)), known)
    pieces = [piece for part in _WITH.split(text) for piece in _cut_at_colour(tokenize(part), known)]
    segments = [[singular(w) for w in piece if _is_kind_word(w)] for piece in pieces]
    return [segment for segment in segments if segment]


def _qualifying_pairs_joined(text: str, known: frozenset[str]) -> str:
    """A slash between two kinds the catalog knows that open the name, a kind right after them, pairs qualifiers
    of that kind: a "printer/scanner spare part" is a part, not a printer. Elsewhere a slash still names
    alternatives: a "dock/port replicator" is a dock, "coffee maker part/accessory Water filter" a part."""
    paired = _SLASHED_PAIR.search(text)
    if paired is None or not known:
        return text
    first, second, rest = paired.groups()
    before = [w for w in tokenize(text[: paired.start()]) if _is_kind_word(w)]
    after = [singular(w) for w in tokenize(rest)][:PAIRED_KIND_WITHIN]
    opening = not any(singular(w) in known for w in before)
    if opening and singular(first.lower()) in known and singular(second.lower()) in known and known & set(after):
        return text[: paired.start()] + f"{first} {second}" + rest
    return text


def _cut_at_colour(words: list[str], known: frozenset[str]) -> list[list[str]]:
    """Not where the colour is the next kind's and the kind before it is not named again: in "Serial Modem
    Gold Cable" gold is the cable's, and the product a cable ("protector Clear screen protector" is cut)."""
    singulars = [singular(w) for w in words]
    for at, word in enumerate(words):
        if not (at > 0 and word in COLOURS and singulars[at - 1] in known):
            continue
        rest = singulars[at + 1 :]
        of_the_next = bool(rest) and rest[0] in known and singulars[at - 1] not in rest
        if not of_the_next and not known.isdisjoint(rest):
            return [words[:at], words[at + 1 :]]
    return [words]


def _measured_after(word: str, words: list[str]) -> bool:
    """Whether a number follows ``word`` within MEASURED_WITHIN words ("card 64 GB", "smartwatch AMOLED 3.05 cm")."""
    return any(
        has_digit(following)
        for at, w in enumerate(words)
        if w == word
        for following in words[at + 1 : at + 1 + MEASURED_WITHIN]
    )


_LETTERS_THEN_DIGITS = re.compile(r"([^\W\d_]+)(\d+)")
_PAIR_AT_END = re.compile(r"([^\W\d_]+)\s+(?:and|&)\s+([^\W\d_]+)$", re.IGNORECASE)


def _joined_on(word: str, title: str) -> bool:
    """Whether ``word`` (singular) stands in ``title`` as the second half of a hyphenated word ("Head-band"), its
    first half a word (not the "Y" of a "Y-Cable")."""
    return re.search(rf"\b[^\W\d_]{{3,}}-{re.escape(word)}(?:e?s)?\b", title, re.IGNORECASE) is not None


def _specified_before(word: str, title: str) -> bool:
    """Whether the name lists SPECIFIED_BEFORE measurements ("26.4 cm", "64 GB"), one of them before the last
    ``word``: a list of specifications, not a name with a size in it ('Stance 3.1" Tripod'), nor one measured
    after its kind ("privacy filter 39.6 cm (15.6")")."""
    name = normalize(own_name(title))
    if len(unit_codes(name)) < SPECIFIED_BEFORE:
        return False
    at = [m.start() for m in re.finditer(rf"\b{re.escape(word)}", name)]
    return bool(at) and bool(unit_codes(name[: at[-1]]))


def _specified_after(kind: str, last: str, title: str) -> bool:
    """Whether the name writes ``kind`` in lower case and its ``last`` word capitalized, the way Icecat's names
    follow a product's kind with its specifications: "label printer Direct thermal DK", "backpack Nylon Black"
    (not a "Cable Organizer", whose name is capitalized throughout)."""
    name = own_name(title)
    return re.search(rf"\b{re.escape(kind)}", name) is not None and re.search(rf"\b{re.escape(last)}", name) is None


def _fitted_words(title: str) -> frozenset[str]:
    return frozenset(singular(w) for w in tokenize(title[len(own_name(title)) :]))


@dataclass(frozen=True)
class CatalogKinds:
    """The kinds each category names, and every kind the catalog knows. A category's own name says which kinds
    its products are ("Cell Phone Cases & Clips": each is a case or a clip); its top category below the root says
    more ("Cell Phone Accessories": every case under it is an accessory too). The root names every product."""

    own: Mapping[int, frozenset[str]]
    upper: Mapping[int, frozenset[str]]
    known: frozenset[str]
    # what a word also names (the synonyms table's "cover => case": a cover is a case)
    also: Callable[[str], Iterable[str]] = field(default=lambda _word: (), compare=False, repr=False)
    name_words: Mapping[int, frozenset[str]] = field(default_factory=dict)  # each category name's words, singular
    # the kinds each category's path names, its department's included ("Video Games > Consoles": games, consoles)
    lineage: Mapping[int, frozenset[str]] = field(default_factory=dict)
    # each kind's categories, those whose own name names it ("laptop": Laptops, not Laptop Bags): ``own`` inverted
    filed_as: Mapping[str, frozenset[int]] = field(default_factory=dict)
    _read: dict[tuple[str, int | None], Read] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_categories(
        cls, categories: Mapping[int, Category], also: Callable[[str], Iterable[str]] = lambda _word: ()
    ) -> CatalogKinds:
        by_id = dict(categories)
        own: dict[int, frozenset[str]] = {}
        upper: dict[int, frozenset[str]] = {}
        words: dict[int, frozenset[str]] = {}
        lineage: dict[int, frozenset[str]] = {}
        for category_id, category in by_id.items():
            chain = ancestors_path(by_id, category_id)
            own[category_id] = head_nouns(category.name)
            words[category_id] = frozenset(singular(w) for w in tokenize(category.name))
            upper[category_id] = head_nouns(chain[1].name) if len(chain) > 2 else frozenset()
            lineage[category_id] = frozenset().union(*(head_nouns(c.name) for c in chain))
        known = frozenset().union(*own.values(), *upper.values()) if own else frozenset()
        filed_as: dict[str, set[int]] = {}
        for category_id, kinds in own.items():
            for kind in kinds:
                filed_as.setdefault(kind, set()).add(category_id)
        frozen = {kind: frozenset(ids) for kind, ids in filed_as.items()}
        return cls(own, upper, known, also, words, lineage, frozen)

    def filed_under(self, title: str, category_id: int | None, asked: frozenset[str]) -> bool:
        """Whether the product's category path names one of the asked kinds, its department included, and its
        own name neither ends with a kind the catalog knows nor uses an asked kind as a qualifier: a game titled
        "The Unicorn Princess Xbox One" filed under "Video Games > Consoles" is filed under games; a "Laptop
        Privacy Filter" filed under "Computers > Laptops" is a thing for a laptop. Too broad to say what a
        product is (every case in "Cell Phones" would be a phone), enough to say it was not matched by accident."""
        if category_id is None or self.lineage.get(category_id, frozenset()).isdisjoint(asked):
            return False
        segments = name_segments(title)
        named_kind = any(self._forms(segment[-1]) & self.known for segment in segments)
        return not named_kind and asked.isdisjoint(w for segment in segments for w in segment)

    def of_product(self, title: str, category_id: int | None) -> frozenset[str]:
        """The product's own kind (the last word of its own name) and what its categories add: of the kinds its
        category names, the one its name ends with, or else all of them; never a kind its own name uses as a
        qualifier ("Laptop Sleeve" is no laptop, wherever it is filed)."""
        certain, possible = self.read(title, category_id)
        return certain | possible

    def share(
        self, title: str, category_id: int | None, asked: frozenset[str], typed: frozenset[str] | None = None
    ) -> float:
        """How surely the product is of the asked kind: 1 when its category names that kind and its name agrees
        or does not say otherwise, NAME_ONLY_SHARE when only its name says so (a "VR Headset" filed among all
        accessories), AMBIGUOUS_SHARE when only a category naming several kinds does ("Cases & Clips": a "Flip
        Cover" filed there is a case or a clip, its name does not say which), 0 otherwise. ``typed``: the kinds
        the shopper's own word names (``asked_typed``); a product only of a synonym's kind, whose name and
        categories never say the typed word, gets SYNONYM_SHARE of that."""
        certain, possible = self.read(title, category_id)
        if certain & asked:
            filed = self.own.get(category_id, frozenset()) if category_id is not None else frozenset()
            found = 1.0 if filed & asked else NAME_ONLY_SHARE
        else:
            found = AMBIGUOUS_SHARE if possible & asked else 0.0
        if found and typed and asked - typed and not self._says(title, category_id, typed):
            return found * SYNONYM_SHARE
        return found

    def _says(self, title: str, category_id: int | None, typed: frozenset[str]) -> bool:
        """Whether the product's own name or its categories use one of the ``typed`` kinds' words."""
        filed = (
            (self.own.get(category_id, frozenset()) | self.upper.get(category_id, frozenset()))
            if (category_id is not None)
            else frozenset()
        )
        return bool(filed & typed) or not typed.isdisjoint(name_words(title))

    def read(self, title: str, category_id: int | None) -> Read:
        """(the kinds the product surely is, those it may be), read once per title and category."""
        key = (title, category_id)
        found = self._read.get(key)
        if found is None:
            if len(self._read) >= MAX_READ_TITLES:  # titles repeat from query to query: reading them is the cost
                self._read.clear()
            found = self._read[key] = self._read_product(title, category_id)
        return found

    def _read_product(self, title: str, category_id: int | None) -> Read:
        named = self.own.get(category_id, frozenset()) if category_id is not None else frozenset()
        segments = name_segments(title, self.known)
        ends = [self._forms(word) for segment in segments if (word := self._kind_word(segment, named, title))]
        # the kind its name ends with, or what that word also names ("Flip Cover": a case)
        own = next((end for end in ends if end & named), ends[0] if ends else frozenset())
        own |= self._paired_with(title, own)
        if len(named) > 1 and not any(end & self.known for end in ends):
            # A name ending with specifications, filed under a category of several kinds, that names one of
            # them: "Logitech K350, US keyboard RF Wireless Black" among "Keyboards & Mice" is a keyboard
            mentioned = named & frozenset(w for segment in segments for w in segment)
            own = mentioned if len(mentioned) == 1 else own
        # a kind named anywhere else in the title qualifies the product or names what it fits
        qualifiers = (frozenset(w for segment in segments for w in segment) | _fitted_words(title)) - own
        upper = self.upper.get(category_id, frozenset()) if category_id is not None else frozenset()
        from_category = frozenset() if own & named else named - qualifiers
        # A one-kind category vouches for a product whose name ends with a word of the category's name ("Item
        # Tracker" among "Smart Tracker Tags"); one whose name ends with a word foreign to it ("Smart Button")
        # is only possibly of that kind.
        in_words = self.name_words.get(category_id, frozenset()) if category_id is not None else frozenset()
        vouched = len(named) == 1 and (not ends or bool(ends[0] & in_words))
        certain = own | (upper - qualifiers) | (from_category if vouched else frozenset())
        return certain, from_category - certain

    def _paired_with(self, title: str, own: frozenset[str]) -> frozenset[str]:
        """The kind named with "and" before the one the name ends with: an "EPIK Case and Band" is a case and a
        band. Only when both words are kinds the catalog knows."""
        parts = bare_name(title).split(" - ")  # "Brand - Name": the name
        paired = _PAIR_AT_END.search(parts[1 if len(parts) > 1 else 0].strip())
        if paired is None or singular(paired.group(2).lower()) not in own:
            return frozenset()
        first = singular(paired.group(1).lower())
        return frozenset((first,)) if first in self.known else frozenset()

    def _kind_word(self, segment: list[str], named: frozenset[str], title: str) -> str | None:
        """The segment's last word; but when the catalog knows no kind by that word and the name goes on with
        specifications after a word naming a kind of the product's own category ("Galaxy Watch smartwatch AMOLED
        3.05 cm Black GPS", "Canvas Go! memory card 64 GB MicroSD UHS-I"), that word. Only the category's kinds,
        and only before a measurement or where the name writes that word in lower case and the last capitalized
        ("label printer Direct thermal DK"): a "Laptop Power Cord" filed under Laptops is still a cord. When the
        last word closes a list of specifications, the category's kind named anywhere ("PowerEdge T140 server Intel
        Xeon 3.4 GHz 8 GB Tower": a server), else None ("Galaxy Tab S6 Lite 26.4 cm 4 GB 64 GB Gray Android 10",
        filed under Tablets: a tablet, not an "android")."""
        last = segment[-1]
        if last in self.known and len(segment) > 2 and _joined_on(last, title):
            # how it is worn, after its kind: "USB Headset Head-band", "Headphones Neck-band" (not "Rack-mount")
            return next((word for word in reversed(segment[:-2]) if word in self.known), last)
        if last in self.known or not named:
            return last
        words = [singular(w) for w in tokenize(own_name(title))]
        for word in reversed(segment):
            if self._forms(word) & named and _measured_after(word, words):
                return word
        named_here = next((word for word in reversed(segment) if self._forms(word) & named), None)
        if not _specified_before(last, title):
            return named_here if named_here and _specified_after(named_here, last, title) else last
        # no word says: a category of one kind vouches for it; of several, the last word is all there is to read
        return named_here or (None if len(named) == 1 else last)

    def _forms(self, word: str) -> frozenset[str]:
        also = (tokenize(phrase) for phrase in self.also(word))
        return frozenset((word, *(singular(tokens[-1]) for tokens in also if tokens)))

    def asked(
        self, words: Sequence[str], alternatives: Mapping[str, Iterable[str]], head_only: bool = False
    ) -> frozenset[str]:
        return self.asked_typed(words, alternatives, head_only)[0]

    def asked_typed(
        self, words: Sequence[str], alternatives: Mapping[str, Iterable[str]], head_only: bool = False
    ) -> tuple[frozenset[str], frozenset[str]]:
        """(``asked``, the kinds of those the shopper's own word names, without its synonyms'): "laptop" asks for
        laptops and notebooks, and typed laptops. Both the same when the typed word names no kind the catalog
        knows (an irregular plural whose singular only an alternative spells).

        The kind a query asks for: its last word that names a kind the catalog knows (directly or through one of
        its alternatives, synonyms or joined forms, keyed by the word or the two words they replace), with those
        alternatives' kinds. Empty when the query names no kind ("galaxy s7", "apple"). ``head_only``: only when
        its last word names it ("iphone car mounts"; not "laptop privacy"), sizes, units and colours after it
        let go of ("printer paper a4", "monitor 27 inch", "case black"). A part after a storage capacity is what
        the kind named before it has ("laptop 16gb ram" asks for laptops, "phone 128gb storage" for phones)."""
        last = _head_at(words)
        if last >= 2 and is_capacity(words[last - 1]):
            before = self.asked_typed(words[: last - 1], alternatives)
            if before[0]:
                return before
        for at in range(last, max(last - 1, -1) if head_only else -1, -1):
            two = f"{words[at - 1]} {words[at]}" if at > 0 else ""
            pair = list(alternatives.get(two, ())) if two else []
            # Two words the catalog writes as one name one thing: "head phone" asks for headphones, not phones;
            # a two-word term with synonyms names itself too: "car mounts" asks for mounts (and car holders).
            if pair and two.replace(" ", "") not in pair:
                pair.insert(0, two)
            typed = pair or [words[at], *alternatives.get(words[at], ())]
            kinds = {singular(tokenize(form)[-1]) for form in typed if tokenize(form)}
            first = tokenize(typed[0])  # the word typed (or the two that name one thing), before its alternatives
            own = frozenset((singular(first[-1]),)) if first else frozenset()
            if kinds & self.known:
                return frozenset(kinds), (own if own & self.known else frozenset(kinds))
            if derived := self._derived(kinds):
                return frozenset(kinds | derived), frozenset(kinds | derived)
        return frozenset(), frozenset()

    def _derived(self, words: Iterable[str]) -> frozenset[str]:
        """The kinds built on the same root with another suffix: "protection" asks for protectors, "adaptor" for
        adapters, "charging" for chargers. Both must carry a suffix: "sticker" asks for no selfie stick."""
        roots = (derivation_root(word) for word in words)
        return frozenset(
            kind
            for root, word in zip(roots, words, strict=True)
            if root != word
            for kind in self._kinds_by_root.get(root, ())
        )

    @cached_property
    def _kinds_by_root(self) -> Mapping[str, frozenset[str]]:
        """The known kinds that carry a derivational suffix, by their root (built once: every query asks)."""
        by_root: dict[str, set[str]] = {}
        for kind in self.known:
            if (root := derivation_root(kind)) != kind:
                by_root.setdefault(root, set()).add(kind)
        return {root: frozenset(kinds) for root, kinds in by_root.items()}
