"""Keeps the query parser's knowledge (vocabulary, brands, synonyms) in step with what the index holds.

Rebuilding the spelling vocabulary takes a moment on a large catalog, so it happens off the request path: the
index builder marks the parser stale, and a background loop rebuilds it at most every few seconds. Only the very
first query, before any parser exists, waits for a build.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from aisle.domain.search.brand_spellings import brand_key
from aisle.domain.search.query import ParsedQuery, QueryParser
from aisle.domain.search.synonyms import DEFAULT_SYNONYMS_PATH, SynonymTable
from aisle.domain.search.text import tokenize
from aisle.domain.search.vocabulary import Vocabulary, parse_word_counts
from aisle.services.search.engine import EngineUnavailable

log = logging.getLogger(__name__)
VOCABULARY_SIZE = 200_000
STEMMED_KEPT = 50_000  # titles and words stemmed for the re-rank, kept: the same ones come back query after query
ENGLISH_WORDS = "frequency_dictionary_en_82_765.txt"  # shipped by symspellpy (MIT)


@cache
def english_words() -> frozenset[str]:
    """Everyday English words, never taken for typos: a phone catalog must not turn "health" into "heart".
    Read once per process: a packaged file, and parsing it costs a third of a second."""
    return frozenset(parse_word_counts(files("symspellpy").joinpath(ENGLISH_WORDS).read_text(encoding="utf-8")))


class QueryUnderstanding:
    def __init__(
        self,
        words: Callable[[int], list[tuple[str, int]]],
        brands: Callable[[], list[str]],
        synonyms_path: Path = DEFAULT_SYNONYMS_PATH,
        stems: Callable[[str], list[str]] = tokenize,
    ) -> None:
        """``stems``: text as the engine's analyzer stems it (the default, ``tokenize``, stems nothing)."""
        self.stems = lru_cache(maxsize=STEMMED_KEPT)(lambda text: tuple(stems(text)))
        self._words = words  # (word, document count), most frequent first
        self._brands = brands
        self._synonyms_path = Path(synonyms_path)
        self._synonyms_stamp = _stamp(self._synonyms_path)
        self._synonyms = SynonymTable.parse(self._synonyms_path.read_text(encoding="utf-8"))
        self._common_words = english_words()
        self._parser: QueryParser | None = None
        self._spellings: dict[str, str] = {}  # brand key -> the index's spelling
        self._stale = threading.Event()
        self._build_lock = threading.Lock()

    def brand_spelling(self, brand: str | None) -> str | None:
        """The brand as the index spells it (one spelling per brand: "OtterBox" for a seller's "Otterbox"), as
        its facet shows it; the brand itself when the index holds no spelling of it."""
        return self._spellings.get(brand_key(brand), brand) if brand else brand

    def parse(self, text: str) -> ParsedQuery:
        return self.parser().parse(text)

    def parser(self) -> QueryParser:
        parser = self._parser
        if parser is None:
            try:
                self.rebuild()
            except EngineUnavailable:
                # A process started while the engine is down still answers (from the database fallback), without
                # spelling or brands until the refresh loop finds the engine back.
                unlearned = Vocabulary.from_counts([], trusted=self._common_words)
                return QueryParser(unlearned, [], self._synonyms, self._common_words, self.stems)
            parser = self._parser
        assert parser is not None
        return parser

    def vocabulary(self) -> Vocabulary:
        return self.parser().vocabulary

    def mark_stale(self, *_: object) -> None:
        self._stale.set()

    def rebuild_if_stale(self) -> int:
        if self._synonyms_changed():
            self._stale.set()
        if not self._stale.is_set():
            return 0
        self.rebuild()
        return 1

    def _synonyms_changed(self) -> bool:
        """Re-reads the synonyms file when it changed; a file that cannot be read keeps the table in use."""
        stamp = _stamp(self._synonyms_path)
        if stamp == self._synonyms_stamp:
            return False
        try:
            table = SynonymTable.parse(self._synonyms_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            log.warning("synonyms file %s not reloaded: %s", self._synonyms_path, error)
            return False
        self._synonyms, self._synonyms_stamp = table, stamp
        log.info("synonyms reloaded from %s: %d terms", self._synonyms_path, len(table.expansions))
        return True

    def rebuild(self) -> None:
        with self._build_lock:
            self._stale.clear()
            self._synonyms_changed()
            started = time.monotonic()
            try:
                counts = self._words(VOCABULARY_SIZE)
                brands = self._brands()
            except Exception:
                self._stale.set()  # the next refresh tries again
                raise
            if not counts:
                # An index being filled (a new store, a lost index being rebuilt) holds no word yet, and its
                # rebuild sends no event to say when it has: the next refresh looks again.
                self._stale.set()
            vocabulary = Vocabulary.from_counts(counts, trusted=self._common_words)
            self._parser = QueryParser(vocabulary, brands, self._synonyms, self._common_words, self.stems)
            self._spellings = {brand_key(brand): brand for brand in brands}
            level, took = (logging.INFO if counts else logging.DEBUG), time.monotonic() - started
            log.log(level, "query understanding rebuilt: %d words in %.2fs", len(vocabulary), took)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size
