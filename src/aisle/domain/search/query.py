"""What a shopper's query asks for: words to match, and the filters and order it implies.

    "sony headphones under $200 with 4+ stars"
        → keywords ("headphones",), brands ("Sony",), price_max 200, rating_min 4

The steps, in order:

1. Normal form and lexemes (``text``, ``lexer``): query syntax (quotes, brackets, ``field:value``, ``^``, ``*``)
   is only punctuation, and AND and OR are plain words, so the engine never sees an operator. A word the shopper
   rules out ("-otterbox", "not hp", "without windows") is taken out first (``excluded``): products whose title
   or brand holds it are filtered away.
2. Filters in words (``filters``): prices, ratings, stock and sort order are taken out of the text.
3. Brands (``brands``), before stop words go, so "bang and olufsen" is still whole.
4. Stop words ("with", "for", "the", "stars", "dollars" ...) leave the keywords, unless nothing else was asked:
   "the" alone is searched as "the". Text with no word at all ("!!!", an emoji) asks for what nothing can match
   (``unreadable``): it finds nothing rather than the whole catalog.
5. Spelling: a word neither the catalog, the brands nor the synonyms know is corrected to the closest catalog
   word, or to a brand when that is as close ("samsng" → Samsung). Then brands are looked for again, so a
   corrected brand becomes a brand filter rather than a keyword.
6. Keywords are the engine's tokens of what is left, each once, at most ``MAX_KEYWORDS``.
7. Synonyms are reported, not substituted: the engine matches each keyword or its expansions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from aisle.domain.catalog import gtin_problem
from aisle.domain.search.brands import MIN_FUZZY_BRAND_LENGTH, BrandMatcher
from aisle.domain.search.compounds import (
    compound_forms,
    is_split_code,
    number_forms,
    other_number_forms,
    split_compound,
)
from aisle.domain.search.edits import osa_distance, typing_penalty
from aisle.domain.search.filters import Extraction, extract_filters
from aisle.domain.search.lexer import Lexeme, lex
from aisle.domain.search.stopwords import STOP_PHRASES, STOP_WORDS
from aisle.domain.search.synonyms import SynonymTable
from aisle.domain.search.text import has_digit, normalize, tokenize
from aisle.domain.search.units import with_screen_sizes, with_unit_codes
from aisle.domain.search.vocabulary import MIN_COUNT, Vocabulary, max_typos

SORTS = ("price_asc", "price_desc", "rating", "newest")
_TRAILING_WORD = re.compile(r"\w+$")
MAX_QUERY_CHARS = 512  # a query is cut here before anything else: no product title needs more, parsing stays cheap
MAX_QUERY_INPUT_CHARS = 10_000  # longer is refused (422) at the door rather than read and cut
MAX_KEYWORDS = 32
STEM_NEIGHBOURS = 20  # the commonest title words beginning with a synonym's stem: those it may collide with
MIN_SYNONYM_TYPO_LENGTH = 6  # shorter words are corrected to catalog words only
MAX_WORD_LENGTH = 39  # the engine drops longer tokens: a longer word is searched as its first 39 characters

_TOKEN = re.compile(r"[^\W_]+")
_DECIMAL = re.compile(r"\d+\.\d+")
_DIGIT_GROUPS = re.compile(r"\d+(?:[\s-]+\d+)+")
_HYPHENATED = re.compile(r"(?<![\w-])([^\W_]+)-([^\W_]+)(?![\w-])")  # "i-phone", "elp-lp54"; not "usb-c-to-a"
_LETTER_SPACED = re.compile(r"(?<![\w.-])([^\W\d_]) ([^\W\d_]{2,})(?![\w-])")  # "i pad", "x box", "e reader"
_BRAND_JOINERS = ("or", "and", "&")
# "case -otterbox", "laptop not hp", "phone without contract", "toner except for hp": a word ruled out (a hyphenated
# one whole: "-case-mate", "not t-mobile"), not one to match
_RULED_OUT = r"([^\W\d_][^\W_]*(?:-[^\W_]+)*)"
_EXCLUSION = re.compile(
    rf"(?:(?<=\s)|^)-+{_RULED_OUT}|\b(?:not|without|except|excluding)\s+(?:(?:for|the|a|an|any)\s+)?{_RULED_OUT}"
)
# a brand after one of these is ruled out whole, however many words it has; after "no" only a brand is: "phone no
# contract" is a no-contract phone, and "no-contract" a word of the catalog's
_RULING_CUE = re.compile(r"\b(not|without|except|excluding|no) ((?:for |the |a |an |any )?)")
_BRAND_WORDS_READ = 6  # after a cue, at most this many words are read as a brand's
_THIRD = ("third", "3rd")  # "apple watch bands third party": what fits the brand's devices, made by anyone else
_FITS = ("for", "fits", "fit")  # "case for samsung": the brand is what the product fits, not who made it
_AND_SIGNS = frozenset(("&", "+"))
_DETERMINERS = frozenset(("a", "an", "the", "my", "your", "his", "her", "our", "their", "this", "that", "any"))


@dataclass(frozen=True)
class _Word:
    text: str
    typed: str
    fits: bool = False  # comes right after "for" / "fits" / "compatible with"
    featured: bool = False  # comes right after "with": what the product has ("headset with microphone")


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    keywords: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    rating_min: float | None = None
    in_stock: bool | None = None
    sort: str | None = None
    corrections: tuple[tuple[str, str], ...] = ()
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fitting: tuple[str, ...] = ()  # the keywords after "for" / "fits": what the product goes with, not what it is
    featuring: tuple[str, ...] = ()  # the keywords after "with", up to any "for": what it has, not what it is
    joined: tuple[str, ...] = ()  # two keywords joined by "and" ("keyboard and mouse"): asked for in one product
    attributes: tuple[tuple[str, str], ...] = ()  # variant attributes the words ask for ("size 10": size=10)
    unreadable: bool = False  # text was typed, and not one word or filter could be read from it
    # Keywords the catalog holds (as typed, or as their singular or plural): matched exactly, with no typo
    # tolerance, which would only add near words ("microwave" is one edit from the stem of "MicroSaver"); typos are
    # forgiven where no exact match exists.
    exact: tuple[str, ...] = ()
    # Keywords that are words of the language the catalog lacks: no typos either ("sneaker" is no misspelt "speaker")
    plain: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # words ruled out ("-otterbox", "not hp"): no product whose title or brand has one
    not_made_by: tuple[str, ...] = ()  # "apple third party": brands named as what the product fits, not its maker

    @property
    def asks_anything(self) -> bool:
        """Whether the query narrows or orders the catalog at all (an empty one browses it)."""
        filters = (self.price_min, self.price_max, self.rating_min, self.in_stock, self.sort)
        narrowed = self.keywords or self.brands or self.attributes or self.excluded
        return bool(narrowed or any(f is not None for f in filters))

    @property
    def named(self) -> tuple[str, ...]:
        """The keywords that say what the product is: those before any "for" ("case for iphone 7": "case") or
        "with" ("headset with microphone": "headset")."""
        return tuple(k for k in self.keywords if k not in self.fitting and k not in self.featuring)

    @property
    def named_as_one(self) -> tuple[str, ...]:
        """``named``, with two words typed apart that the catalog writes as one joined ("think pad": "thinkpad"):
        the line they name, not a kind the second word would name alone (a mouse pad)."""
        return self._as_one(self.named)

    @property
    def keywords_as_one(self) -> tuple[str, ...]:
        """``keywords``, joined as ``named_as_one`` joins them."""
        return self._as_one(self.keywords)

    def _as_one(self, words: tuple[str, ...]) -> tuple[str, ...]:
        joined = {key: key.replace(" ", "") for key, forms in self.synonyms if key.replace(" ", "") in forms}
        found, at = list(words), 0
        while at < len(found) - 1:
            if (one := joined.get(f"{found[at]} {found[at + 1]}")) is not None:
                found[at : at + 2] = [one]
            at += 1
        return tuple(found)

    def as_typed(self) -> ParsedQuery:
        """The query without its corrections: when the corrected words find nothing either, "did you mean" them
        would only mislead ("moen faucet" is no search for "omen faucet")."""
        typed = {fixed: word for word, fixed in self.corrections}
        keywords = tuple(typed.get(k, k) for k in self.keywords)
        return replace(self, keywords=keywords, corrections=(), exact=tuple(k for k in self.exact if k not in typed))

    @property
    def corrected(self) -> str | None:
        """The query as the shopper would have typed it without the typos ("did you mean"), or None."""
        if not self.corrections:
            return None
        fixes = dict(self.corrections)
        return _TOKEN.sub(lambda m: fixes.get(m.group(), m.group()), read_text(self.raw))


def clipped(text: str) -> str:
    """At most MAX_QUERY_CHARS, without a word cut in two at the end ("headphones" must not become "he")."""
    if len(text) <= MAX_QUERY_CHARS:
        return text
    cut = text[:MAX_QUERY_CHARS]
    if text[MAX_QUERY_CHARS].isalnum() and cut[-1].isalnum():
        whole_words = _TRAILING_WORD.sub("", cut)
        cut = whole_words if whole_words.strip() else cut  # one giant word: keep its start
    return cut


def read_text(raw: str) -> str:
    """What is read of a query: normalized and clipped, clipped again because NFKC may turn one character into 18."""
    return clipped(normalize(clipped(raw)))


class QueryParser:
    """Reads queries against one catalog's words, brands and synonyms.

    ``common_words`` are words of the shoppers' language (an English word list, say) that are never taken for
    typos even where the catalog lacks them: in a phone shop, "coffee" is not "toffee" and "tablet" not "table".
    """

    def __init__(
        self,
        vocabulary: Vocabulary,
        brands: Iterable[str],
        synonyms: SynonymTable,
        common_words: Collection[str] = frozenset(),
        stems: Callable[[str], Sequence[str]] = tokenize,
    ) -> None:
        """``stems``: a text's words as the engine stems them (the default stems nothing)."""
        self.vocabulary = vocabulary
        self.synonyms = synonyms
        # A long word's typo of a word only the synonyms know ("hardrive": "harddrive", a hard drive) when it is no
        # catalog word's (a short one, "card", may be a word of the language the store does not sell)
        self._synonym_spellings = Vocabulary(
            {term[0]: MIN_COUNT for term in synonyms.expansions if len(term) == 1 and term[0].isalpha()}
        )
        self._brands = BrandMatcher(brands)
        self._common_words = common_words
        self._stems = stems

    def parse(self, q: str) -> ParsedQuery:
        text, excluded = _without_exclusions(self._brands_ruled_out(read_text(q)))
        # "55 inch", '55"', "tv 55" are one word, "55inch" (units.py); a barcode's digit groups are one code
        text = with_screen_sizes(with_unit_codes(_as_one_code(text)))
        text = _LETTER_SPACED.sub(self._letter_joined_if_known, _HYPHENATED.sub(self._joined_if_known, text))
        extraction = extract_filters(lex(text))
        typed, not_made_by = self._third_party(_words(extraction.rest))
        brands, typed = self._take_brands(typed) if not not_made_by else ([], typed)
        words, corrections = self._corrected(_first_of_each(_without_stop_words(typed))[:MAX_KEYWORDS])
        more_brands, words = self._take_brands(words) if not brands and not not_made_by else ([], words)
        keywords = tuple(dict.fromkeys(w.text for w in words))  # once more: two typos may fix to one word
        synonyms = _merged(self._expansions(keywords) + self._compounds(keywords) + self._numbers(keywords))
        parsed = replace(
            _assemble(q, extraction, keywords, brands + more_brands, corrections, synonyms),
            excluded=excluded,
            not_made_by=not_made_by,
        )
        if not parsed.asks_anything:
            if typed:  # only stop words: they are what the shopper asked for
                parsed = replace(parsed, keywords=tuple(w.text for w in _first_of_each(typed))[:MAX_KEYWORDS])
            elif q.strip():  # as typed: control characters ("\x00"), which reading drops, are no request to browse
                parsed = replace(parsed, unreadable=True)
        exact = tuple(k for k in parsed.keywords if self._held(k))
        plain = tuple(k for k in parsed.keywords if k not in exact and k in self._common_words)
        fitting = _fitting(words, parsed.keywords)
        featuring = _featuring(words, parsed.keywords, fitting)
        joined = _joined(typed, parsed.keywords)
        return replace(parsed, fitting=fitting, featuring=featuring, joined=joined, exact=exact, plain=plain)

    def brand_respelled(self, q: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """The query with its words one typo from a brand written as that brand, and those corrections; None when
        it has none. For a query that found nothing as typed: "cannon", "sonny", "del" and "trip lite" are words
        (or the catalog's own typos) that the parser keeps, but with nothing found "cannon printer" asks for a
        Canon printer and "trip lite ups" for a Tripp Lite one. A word the catalog uses more than the brand's
        name is no typo of it ("mini" is not Minix)."""
        text = read_text(q)
        found = list(_TOKEN.finditer(text))
        words = [m.group() for m in found]
        pieces: list[str] = []  # the text with each respelled window replaced, the rest as typed ("-hp", "$50")
        corrections: list[tuple[str, str]] = []
        done, at = 0, 0
        while at < len(words):
            for length in (2, 1):
                window = words[at : at + length]
                tried = len(window) == length and at < MAX_KEYWORDS  # the parser reads no more words than that
                brand = self._brand_near(window) if tried else None
                if brand is not None:
                    pieces += [text[done : found[at].start()], " ".join(brand)]
                    done = found[at + length - 1].end()
                    corrections.extend(_aligned(window, brand))
                    at += length
                    break
            else:
                at += 1
        return ("".join(pieces) + text[done:], tuple(corrections)) if corrections else None

    def _brand_near(self, window: list[str]) -> tuple[str, ...] | None:
        if not all(w.isalpha() and w not in STOP_WORDS for w in window) or all(map(self.is_brand_word, window)):
            return None  # "lite" is a word of Tripp Lite's, and "trip lite" one typo from it
        letters = "".join(window)
        brand = self._brands.near(letters, self.vocabulary.frequency)
        if brand is None or self.vocabulary.frequency(letters) > self.vocabulary.frequency("".join(brand)):
            return None
        return brand

    def _joined_if_known(self, match: re.Match[str]) -> str:
        """A hyphenated word with a stop word for a part, that the catalog writes joined, as written there: "i-phone"
        is the iPhone, not "phone" once "i" is dropped. Other hyphenated words keep their parts, with the joined
        form as an alternative (``compound_forms``): "dvd-r" still finds "DVD-R". Never a brand's own hyphen."""
        first, second = match.group(1), match.group(2)
        joined = first + second
        if (
            (first.lower() not in STOP_WORDS and second.lower() not in STOP_WORDS)
            or not self.vocabulary.known(joined)
            or self._brands.match_at([first, second], 0) is not None
        ):
            return match.group(0)
        return joined

    def _letter_joined_if_known(self, match: re.Match[str]) -> str:
        """A letter typed apart from the word it begins, where the catalog writes the two joined: "i pad" is the
        iPad, not a mouse pad once "i" is dropped as a stop word; "x box one" is the Xbox One. Never the article
        "a" ("a tv" is no ATV), nor a brand's own letter ("Q Acoustics")."""
        letter, word = match.group(1), match.group(2)
        joined = letter + word
        if (
            letter.lower() == "a"
            or not self.vocabulary.known(joined.lower())
            or self._brands.match_at([letter.lower(), word.lower()], 0) is not None
        ):
            return match.group(0)
        return joined

    def _held(self, word: str) -> bool:
        """Whether the catalog holds the word, as typed or as its singular or plural ("microwaves" where titles
        say "microwave"): the engine's stemmer matches either, so a near spelling is no better guess."""
        return any(self.vocabulary.known(form) for form in number_forms(word))

    def is_brand_word(self, word: str) -> bool:
        """Whether the word is (part of) a brand the catalog holds."""
        return self._brands.is_brand_word(word)

    def is_brand_name(self, text: str) -> bool:
        """Whether the text is a brand the catalog holds, whole."""
        return self._brands.is_brand_name(text)

    def _take_brands(self, words: list[_Word]) -> tuple[list[str], list[_Word]]:
        """The brand the query starts with, and the other words. A brand named later stays a word: in "otterbox
        case samsung" or "incipio case for samsung" the second brand is what the product fits, not who made it."""
        texts = [w.text for w in words]
        brands: list[str] = []
        at = 0
        while at < len(words) and not words[at].fits and (hit := self._brands.match_at(texts, at)) is not None:
            if self._code_written_apart(texts, at, hit.length) or self._names_a_line(texts, at, hit.length):
                break
            brands.extend(hit.brands)  # "sony or samsung headphones": a list of brands up front is a choice
            at += hit.length
            if not (at + 1 < len(words) and texts[at] in _BRAND_JOINERS):
                break
            at += 1
        return (brands, words[at:]) if brands else ([], words)

    def _brands_ruled_out(self, text: str) -> str:
        """The text with each brand a cue rules out (or its first words) made one hyphenated word, which is ruled
        out whole: "case without kate spade" rules out kate spade new york, not "kate" alone, which left "spade" to
        find Jack Spade's cases; "laptop no hp" rules out HP."""
        pieces, at = [], 0
        for cue in _RULING_CUE.finditer(text):
            if cue.start() < at:
                continue
            words = text[cue.end() :].split(" ", _BRAND_WORDS_READ)[:_BRAND_WORDS_READ]
            hit = self._brands.match_at(words, 0)
            length = max(hit.length if hit else 0, self._brands.leading_at(words, 0))
            if length == 0 or (length == 1 and cue.group(1) != "no"):
                continue  # no brand, or one word a cue other than "no" rules out already
            brand = words[:length]
            pieces += [text[at : cue.start()], "not ", cue.group(2), "-".join(brand)]
            at = cue.end() + len(" ".join(brand))
        return "".join(pieces) + text[at:]

    def _third_party(self, words: list[_Word]) -> tuple[list[_Word], tuple[str, ...]]:
        """Said "third party" of a brand the query names: the words without "third party", each brand word read as
        what the product fits, and those brands as makers ruled out. Without a brand, the words as they were."""
        texts = [w.text for w in words]
        party = {i for i in range(len(texts) - 1) if texts[i] in _THIRD and texts[i + 1] == "party"}
        if not party:
            return words, ()
        party |= {i + 1 for i in party}
        named: dict[str, None] = {}
        fitted: set[int] = set()
        at = 0
        while at < len(words):
            hit = None if at in party else self._brands.match_at(texts, at)
            if hit is None:
                at += 1
                continue
            named.update(dict.fromkeys(hit.brands))
            fitted.update(range(at, at + hit.length))
            at += hit.length
        if not named:
            return words, ()
        kept = [replace(w, fits=True) if i in fitted else w for i, w in enumerate(words) if i not in party]
        return kept, tuple(named)

    def _names_a_line(self, texts: list[str], at: int, length: int) -> bool:
        """A brand that, with the word after it, is a term of the synonyms: a product line, not its maker alone
        ("apple watch cases": cases for an Apple Watch, not Apple-named cases that mention a watch)."""
        return tuple(texts[at : at + length + 1]) in self.synonyms.expansions

    def _code_written_apart(self, texts: list[str], at: int, length: int) -> bool:
        """A one-word brand that, with the number after it, is a code the catalog writes joined: "cat 6 cable" asks
        for Cat6 cables, not for the phones of the brand CAT."""
        after = at + length
        return (
            length == 1
            and after < len(texts)
            and is_split_code(texts[at], texts[after])
            and self.vocabulary.known(texts[at] + texts[after])
        )

    def _corrected(self, words: list[_Word]) -> tuple[list[_Word], tuple[tuple[str, str], ...]]:
        spellings = {w.text: self._spelling(w.text) for w in words}
        fixed = [replace(w, text=spellings[w.text]) for w in words]
        corrections = tuple(dict.fromkeys((w.typed, w.text) for w in fixed if w.text != w.typed))
        return fixed, corrections

    def _spelling(self, word: str) -> str:
        """``word``, or what it is a typo of: a brand when that is as close as the closest catalog word."""
        if has_digit(word):
            return word
        if self._is_known(word):
            return self._likelier_than_rare(word) or word
        spelled = self.vocabulary.correct(word)
        if spelled is None and len(word) >= MIN_SYNONYM_TYPO_LENGTH:
            spelled = self._synonym_spellings.correct(word)
        if spelled in STOP_WORDS:  # "foo" is no typo of "for" that is worth a keyword
            spelled = None
        if spelled and len(word) < MIN_FUZZY_BRAND_LENGTH and self._brands.match_at([spelled], 0):
            spelled = None  # "sonu" may be Sony or a word: too short to filter a brand on a guess
        brand = self._brands.correct(word, max_distance=2 if spelled is None else _typos(word, spelled))
        if brand is not None and not (spelled and _likelier_slip(word, spelled, brand[0])):
            return brand[0]
        return spelled or word

    def knows(self, word: str) -> bool:
        """Whether ``word`` is no typo: a word of the catalog, its brands, the synonyms or the language."""
        return self._is_known(word)

    def _is_known(self, word: str) -> bool:
        """Known to the catalog (also as its singular or plural), the brands, the synonyms or the language."""
        return self._held(word) or split_compound(word, self.vocabulary) is not None or self._known_beside_catalog(word)

    def _known_beside_catalog(self, word: str) -> bool:
        return (
            self._brands.is_brand_word(word)
            or self.synonyms.knows(word)
            or word in self._common_words
            or word in STOP_WORDS
        )

    def _likelier_than_rare(self, word: str) -> str | None:
        """The word a catalog word seen too seldom to be sure of is likelier a typo of (``Vocabulary.likelier``),
        as is a word read as two ("labtop" is "laptop", seen 114 times, not "lab", seen once, and "top"); none for a
        word some form of which is sure, or known beside the catalog."""
        forms = number_forms(word)
        if any(self.vocabulary.sure(form) for form in forms) or self._known_beside_catalog(word):
            return None
        seen = max(self.vocabulary.frequency(form) for form in forms)
        if not seen and (split := split_compound(word, self.vocabulary)):
            seen = min(self.vocabulary.frequency(part) for part in split.split())
        return self.vocabulary.likelier(word, seen)

    def _compounds(self, keywords: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Joined and split forms, with the synonyms of the joined form: "head phone" also finds "headset"."""
        found = []
        for term, forms in compound_forms(keywords, self.vocabulary):
            more = [e for form in forms for e in self.synonyms.expand(form.split()).get(form, []) if self._may_match(e)]
            found.append((term, tuple(dict.fromkeys([*forms, *more]))))
        return tuple(found)

    def _numbers(self, keywords: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Plural = singular: each word's other number as the catalog writes it (the engines drop those that
        their stemmer already folds into the word)."""
        found = ((word, other_number_forms(word, self.vocabulary)) for word in keywords)
        return tuple((word, forms) for word, forms in found if forms)

    def _expansions(self, keywords: Sequence[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each term's synonyms, but another word of the query: in "folio case", "folio" (=> case) would match
        every case, and so ask for nothing."""
        words = set(keywords)
        found = (
            (term, tuple(e for e in more if e not in words - set(term.split()) and self._may_match(e)))
            for term, more in self.synonyms.expand(keywords).items()
        )
        return tuple((term, more) for term, more in found if more)

    def _may_match(self, expansion: str) -> bool:
        """Whether a synonym finds what it means here, not only another word its stem collides with: "carpet"
        means "rug", and where the titles hold no "rug" but "Rugged", which the stemmer folds into "rug" too,
        every Rugged Armor case would be a carpet. A synonym the titles lack is still kept when no other title word
        shares its stem (it may be in descriptions: "earbuds"); a phrase's words must stand together, which such
        a collision seldom does."""
        if " " in expansion or self._held(expansion):
            return True
        stem = self._stems(expansion)
        if len(stem) != 1:
            return True
        forms = number_forms(expansion)
        alike = self.vocabulary.complete(stem[0], limit=STEM_NEIGHBOURS)  # a stem mostly begins its words
        return not any(word not in forms and self._stems(word) == stem for word in alike)


def _without_exclusions(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without the words it rules out, and those words (lowercase, as ``read_text`` leaves them)."""
    excluded = tuple(dict.fromkeys(m.group(1) or m.group(2) for m in _EXCLUSION.finditer(text)))
    return (_EXCLUSION.sub(" ", text), excluded) if excluded else (text, ())


def _as_one_code(text: str) -> str:
    """A GTIN typed as printed under a barcode, in groups ("0 95205 60321 7", "095205-603217"), as one code; its
    check digit must hold, so that a few numbers typed apart are never read as one."""
    if not _DIGIT_GROUPS.fullmatch(text):
        return text
    digits = re.sub(r"[\s-]", "", text)
    return digits if gtin_problem(digits) is None else text


def _merged(synonyms: Sequence[tuple[str, tuple[str, ...]]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """One entry per term, each alternative once and never the term itself ("cellphone" is both a synonym term
    and split by the compounds into "cell phone", whose synonyms name "cellphone" again)."""
    merged: dict[str, dict[str, None]] = {}
    for term, found in synonyms:
        merged.setdefault(term, {}).update((form, None) for form in found if form != term)
    return tuple((term, tuple(found)) for term, found in merged.items() if found)


def _aligned(typed: list[str], brand: tuple[str, ...]) -> list[tuple[str, str]]:
    """Word for word where the brand has as many words ("trip lite": trip → tripp), else the words as one."""
    if len(typed) == len(brand):
        return [(t, b) for t, b in zip(typed, brand, strict=True) if t != b]
    return [(" ".join(typed), " ".join(brand))]


def _likelier_slip(typed: str, word: str, brand: str) -> bool:
    """Whether ``word`` is the likelier typo of the two, both as many edits away: "moniter" is "monitor" (one vowel
    for another) rather than "Monster" (an "s" far from the "i" on the keyboard). Slips as likely, the one that
    keeps more of the typed word's beginning: a word is typed from its start, and "moniteur" is "monit..." (a
    monitor), not "mon..." (Monster)."""
    word_penalty, brand_penalty = typing_penalty(typed, word), typing_penalty(typed, brand)
    if word_penalty != brand_penalty:
        return word_penalty < brand_penalty
    return _shared_start(typed, word) > _shared_start(typed, brand.casefold())


def _shared_start(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def brands_as_words(parsed: ParsedQuery) -> ParsedQuery:
    """The query with its brand filter read as words instead: for when no product of that brand matches the
    rest ("apple chargers": chargers that fit an Apple phone, since Apple sells none here)."""
    words = [" ".join(tokenize(brand)) for brand in dict.fromkeys(parsed.brands)]
    spelled = list(dict.fromkeys(words))
    keywords = tuple(dict.fromkeys([*(w for w in spelled if w), *parsed.keywords]))
    return replace(parsed, keywords=keywords, brands=())


def _words(lexemes: Sequence[Lexeme]) -> list[_Word]:
    """The engine's tokens of the lexemes no filter took, each knowing whether it follows "for"."""
    words: list[_Word] = []
    previous: list[str] = []
    for lexeme in lexemes:
        # "3.0" is one word (the engine matches its digits as a phrase): "usb 3.0" is no USB with a 3 and a 0
        tokens = [lexeme.text] if _DECIMAL.fullmatch(lexeme.text) else lexeme.tokens
        if lexeme.text in _AND_SIGNS and previous:  # "keyboard & mouse" as "keyboard and mouse"
            tokens = ["and"]
        for token in tokens:
            cue = _without_determiners(previous)  # "for a laptop", "with the stand": what follows the article
            fits = bool(cue) and (cue[-1] in _FITS or cue[-2:] == ["compatible", "with"])
            featured = not fits and cue[-1:] == ["with"]
            words.append(_Word(token[:MAX_WORD_LENGTH], token, fits, featured))
            previous.append(token)
    return words


def _joined(words: list[_Word], keywords: tuple[str, ...]) -> tuple[str, ...]:
    """The two keywords either side of the first "and" ("&", "+") that stands between two: "keyboard and mouse"
    asks for a set, one product that is both."""
    for before, conjunction, after in zip(words, words[1:], words[2:], strict=False):
        if conjunction.text == "and" and before.text != after.text and {before.text, after.text} <= set(keywords):
            return (before.text, after.text)
    return ()


def _without_determiners(previous: list[str]) -> list[str]:
    end = len(previous)
    while end and previous[end - 1] in _DETERMINERS:
        end -= 1
    return previous[:end]


def _fitting(words: list[_Word], keywords: tuple[str, ...]) -> tuple[str, ...]:
    """The keywords from the first one that follows "for" on: "case for apple iphone" fits "apple iphone"."""
    start = next((i for i, w in enumerate(words) if w.fits), None)
    if start is None:
        return ()
    named = {w.text for w in words[:start]}
    return tuple(k for k in dict.fromkeys(w.text for w in words[start:]) if k not in named and k in keywords)


def _featuring(words: list[_Word], keywords: tuple[str, ...], fitting: tuple[str, ...]) -> tuple[str, ...]:
    """The keywords from the first one that follows "with" on, but those it fits: "laptop with 16gb ram for
    gaming" has "16gb ram"."""
    start = next((i for i, w in enumerate(words) if w.featured), None)
    if start is None:
        return ()
    named = {w.text for w in words[:start]}
    featured = (w.text for w in words[start:] if w.text not in fitting)
    return tuple(k for k in dict.fromkeys(featured) if k not in named and k in keywords)


def _without_stop_words(words: list[_Word]) -> list[_Word]:
    texts = [w.text for w in words]
    in_phrase = _in_stop_phrases(texts)
    return [
        w
        for i, w in enumerate(words)
        if i not in in_phrase and (w.text not in STOP_WORDS or _names_a_product(texts, i))
    ]


def _in_stop_phrases(texts: list[str]) -> set[int]:
    """The positions of the words of STOP_PHRASES in the query."""
    held: set[int] = set()
    for phrase in STOP_PHRASES:
        for start in range(len(texts) - len(phrase) + 1):
            if tuple(texts[start : start + len(phrase)]) == phrase:
                held.update(range(start, start + len(phrase)))
    return held


def _first_of_each(words: list[_Word]) -> list[_Word]:
    """Each word once, where it first comes: "blenders blenders" asks for nothing more than "blenders"."""
    first: dict[str, _Word] = {}
    for word in words:
        first.setdefault(word.text, word)
    return list(first.values())


def _names_a_product(texts: list[str], i: int) -> bool:
    """ "2 in 1" and "all in one" name a kind of product: their "in" and "all" stay."""
    for start in range(max(i - 2, 0), i + 1):
        window = texts[start : start + 3]
        if window == ["all", "in", "one"]:
            return True
        if len(window) == 3 and window[1] == "in" and window[0].isdigit() and window[2].isdigit():
            return True
    return False


def _typos(typed: str, word: str) -> int:
    return osa_distance(typed, word, max_typos(typed))


def _assemble(
    q: str,
    extraction: Extraction,
    keywords: tuple[str, ...],
    brands: list[str],
    corrections: tuple[tuple[str, str], ...],
    synonyms: tuple[tuple[str, tuple[str, ...]], ...],
) -> ParsedQuery:
    filters = extraction.filters
    return ParsedQuery(
        raw=q,
        keywords=keywords,
        brands=tuple(dict.fromkeys(brands)),
        price_min=filters.price_min,
        price_max=filters.price_max,
        rating_min=filters.rating_min,
        in_stock=filters.in_stock,
        sort=extraction.sort,
        attributes=filters.attributes,
        corrections=corrections,
        synonyms=synonyms,
    )
