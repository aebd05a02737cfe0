"""Autocomplete: brands, categories, product titles and words for what a shopper has typed so far."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from aisle.domain.categories import Category
from aisle.domain.search.kinds import singular
from aisle.domain.search.query import read_text
from aisle.domain.search.stopwords import STOP_WORDS
from aisle.domain.search.text import has_digit, normalize, tokenize
from aisle.services.input_model import REFUSED_CHARACTERS
from aisle.services.search.engine import EngineQuery, Filters, KeywordGroup, SearchEngine
from aisle.services.search.understanding import QueryUnderstanding

MAX_SUGGESTIONS = 9
BRANDS = 3
BRANDS_READ = 8  # brands beginning with what is typed, checked for a product still listed, until BRANDS are found
PRODUCTS = 4
PRODUCTS_SPARE = 12  # read beyond PRODUCTS, for those a decimal's tail matched and titles another seller shares
WORDS = 4
WORDS_SPARE = 6  # read beyond WORDS, for the stop words and part codes left out
NEXT_WORDS_SPARE = 40  # the same after a finished word, where numbers and letters are left out too
TYPO_TOLERANT_FROM = 4  # below this many characters every word is a plausible prefix; guessing typos is noise
STRAY_MARKS = {"Lm", "Sk", "Mn"}  # modifier letters and symbols, combining marks left after normalizing
_NEXT_WORD = re.compile(r"[^\W\d_]{3,}")  # a word suggested to follow a finished one: letters, three or more
WEB_ADDRESS_PARTS = frozenset({"www", "com"})  # split from a maker's name ("StarTech.com"): never what one looks for
_PART_CODE = re.compile(r"(?=.*\d)(?=.*[^\W\d_])\w{7,}")  # "app3hsdbkit": a code, not a word anyone completes to


@dataclass(frozen=True)
class Suggestion:
    kind: str  # query, brand, category, product or word
    text: str
    category: Category | None = None  # a category suggestion's category
    product_id: int | None = None  # a product suggestion's product


@dataclass(frozen=True)
class Completions:
    typed: str
    read: str  # the text as matched: normalized, cut like a search query ("" when nothing worth completing)
    completed: str | None  # the text with its last word completed or corrected, when that changed it
    suggestions: tuple[Suggestion, ...]


class Autocomplete:
    def __init__(
        self,
        engine: SearchEngine,
        understanding: QueryUnderstanding,
        categories: Callable[[], dict[int, Category]],
        popular_queries: Callable[[], list[tuple[str, int]]] = lambda: [],
    ) -> None:
        self._engine = engine
        self._understanding = understanding
        self._categories = categories
        self._popular = popular_queries

    def suggest(self, typed: str, limit: int = MAX_SUGGESTIONS) -> Completions:
        typed = REFUSED_CHARACTERS.sub("", typed)  # a NUL or a bidi override is no letter typed, nor echoed back
        text = read_text(typed).strip()
        if not text:
            return Completions(typed, text, None, ())
        # "hp " ends a word: what comes next is wanted ("hp toner"), not the words that begin with "hp" (hp2843)
        head, _, last = (text, "", "") if typed[-1:].isspace() else text.rpartition(" ")
        head = " ".join(map(self._maybe_corrected, head.split()))  # "samsng gal" completes "samsung gal"
        last = self._maybe_corrected(last)
        prefix = f"{head} {last}".strip() if last else f"{head} "
        suggestions: list[Suggestion] = []
        suggestions += self._queries(prefix)
        suggestions += self._brands(prefix)
        suggestions += self._category_suggestions(prefix)
        suggestions += self._titles(f"{head} {_either_number(last)}".strip() if last else prefix)
        suggestions += self._words(head, last)
        completed = prefix.strip() if prefix.strip() != text else None
        return Completions(typed, text, completed, tuple(_unique(suggestions)[:limit]))

    def _maybe_corrected(self, last: str) -> str:
        """Typo tolerance for the word being typed: "headpho" stays, "haedphones" becomes "headphones", "hedph"
        (begun with a typo) "headph"; a word of the language no title holds ("plans", only in descriptions) is no
        typo of a title's word ("plasma")."""
        if len(last) < TYPO_TOLERANT_FROM:  # "" too: nothing to correct
            return last
        # the parser's words first: in memory, where the engine's completions are a request (one per word typed
        # before the last, too, on every keystroke)
        if self._understanding.parser().knows(last) or self._engine.term_completions(last, 1):
            return last
        vocabulary = self._understanding.vocabulary()
        return vocabulary.correct(last) or vocabulary.corrected_prefix(last) or last

    def _queries(self, prefix: str) -> list[Suggestion]:
        """Shoppers' queries that complete what is typed: not the typed text itself, nor one holding a stray
        accent or modifier ("iphone\u02ca", pasted from a title), which no shopper types on purpose."""
        found = (q for q, _n in self._popular() if q.startswith(prefix) and q != prefix and not _stray_marks(q))
        return [Suggestion("query", q) for q in found][:3]

    def _brands(self, prefix: str) -> list[Suggestion]:
        named = (b for b in self._engine.brands() if normalize(b).startswith(prefix))
        listed = (b for b in islice(named, BRANDS_READ) if self._listed(b))
        return [Suggestion("brand", b) for b in islice(listed, BRANDS)]

    def _listed(self, brand: str) -> bool:
        """A brand some product in the index has: a Tantivy index keeps the brand of products deleted since in its
        list until their segment is merged, though no search finds them."""
        query = EngineQuery(filters=Filters(brands=(brand,)), limit=0, with_facets=False)
        return self._engine.search(query).total > 0

    def _category_suggestions(self, prefix: str) -> list[Suggestion]:
        found = [c for c in self._categories().values() if normalize(c.name).startswith(prefix)]
        return [Suggestion("category", c.name, category=c) for c in found][:3]

    def _titles(self, prefix: str) -> list[Suggestion]:
        """The most popular titles holding the typed words, none where a word is only the tail of a decimal
        ("4k" is no word of "2.4kW", though the engine splits it into "2" and "4kw")."""
        words = tokenize(prefix)
        found = self._with_lone_letter(words) + self._engine.title_completions(prefix, PRODUCTS + PRODUCTS_SPARE)
        # one suggestion per title: two sellers listing the same product would show it twice, and then once
        titled = _unique([Suggestion("product", t, product_id=pid) for pid, t in found if _begins_words(t, words)])
        return titled[:PRODUCTS]

    def _with_lone_letter(self, words: list[str]) -> list[tuple[int, str]]:
        """For a lone letter that ends a phrase the synonyms know, the titles holding it as a word of its own, best
        matches first: "usb c" is USB-C before the commoner titles whose "USB Cable" the letter also begins (but
        "galaxy s" is still the start of "galaxy s7")."""
        if len(words) < 2 or len(words[-1]) != 1 or not words[-1].isalpha():
            return []
        phrase = " ".join(words[-2:])
        if phrase not in self._understanding.parser().synonyms.expand(words):
            return []
        groups = tuple(KeywordGroup(word, fuzzy=False) for word in words)
        query = EngineQuery(keywords=groups, limit=PRODUCTS, with_facets=False, with_total=False, with_titles=True)
        letter = re.compile(r"(?<![^\W_])" + re.escape(words[-1]) + r"(?![^\W_])")
        return [(h.product_id, h.title) for h in self._engine.search(query).hits if letter.search(normalize(h.title))]

    def _words(self, head: str, last: str) -> list[Suggestion]:
        """The last word completed, counted in the titles holding the words before it: "4k t" is completed to
        what 4K titles say, not to "4k toner" because "toner" is the catalog's commonest word starting with "t"."""
        said = set(tokenize(head))  # "usb-c c": the "c" of "usb-c" is in every title counted
        spare = WORDS_SPARE if last else NEXT_WORDS_SPARE
        completions = self._engine.term_completions(last, WORDS + len(said) + spare, within=head)
        # "wi" is no search for "with", which a search would drop
        # a part code only for one typing a code ("elplp5": "elplp54"), not for "app" ("app3hsdbkit")
        codes_wanted = has_digit(last)
        words = [
            w
            for w, _n in completions
            if w not in said
            and w not in STOP_WORDS
            and w not in WEB_ADDRESS_PARTS
            and (codes_wanted or not _PART_CODE.fullmatch(w))
            and (last or _NEXT_WORD.fullmatch(w))  # after "hp ", "toner" and "laserjet", not "1" or "x"
        ]
        return [Suggestion("query", f"{head} {word}".strip()) for word in words][:WORDS]


def _either_number(word: str) -> str:
    """What a plural and its singular begin with: "wireless headphones" completes "Wireless Headphone" titles too,
    "batteries" those saying "Battery"."""
    base = singular(word)
    return base if word.startswith(base) else word[: len(base) - 1]  # "batteries", "battery": "batter"


def _stray_marks(text: str) -> bool:
    return any(unicodedata.category(character) in STRAY_MARKS for character in text)


def _begins_words(title: str, words: list[str]) -> bool:
    text = normalize(title)
    return all(re.search(r"(?<![^\W_])(?<!\d[.,])" + re.escape(word), text) for word in words)


def _unique(suggestions: list[Suggestion]) -> list[Suggestion]:
    seen: set[str] = set()
    unique = []
    for suggestion in suggestions:
        key = suggestion.text.casefold()
        if key not in seen:
            seen.add(key)
            unique.append(suggestion)
    return unique
