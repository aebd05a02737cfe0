"""Synonyms in Solr's plain format, read from text (the caller reads the file: the domain does no IO).

    # a comment
    tv, television, televisions              equivalent: each term expands to all the others
    cellphone, cell phone => mobile phone    one-way: a query for the left also finds the right

Terms may be several words and are compared in normal form ("Wi-Fi" is the two words "wi fi", as the engine reads
it). Lines that mention a term twice merge. Expansions are reported, never substituted: the engine matches what
the shopper typed OR its expansions. Solr's escapes (``\\,``) and explicit mappings with ``expand=false`` are not
supported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from aisle.domain.search.text import tokenize

DEFAULT_SYNONYMS_PATH = Path(__file__).with_name("synonyms.txt")

Term = tuple[str, ...]


@dataclass(frozen=True)
class SynonymTable:
    """Each term (as its words) → the phrases it also matches."""

    expansions: Mapping[Term, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def parse(cls, text: str) -> SynonymTable:
        table: dict[Term, list[str]] = {}
        for line in text.splitlines():
            for term, expansions in _rules(line):
                known = table.setdefault(term, [])
                known.extend(e for e in expansions if e not in known and e != " ".join(term))
        return cls(MappingProxyType({term: tuple(found) for term, found in table.items() if found}))

    @cached_property
    def longest_term(self) -> int:
        return max(map(len, self.expansions), default=0)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is a synonym term on its own: a word the table knows is not a typo."""
        return (word,) in self.expansions

    def expand(self, tokens: Sequence[str]) -> dict[str, list[str]]:
        """Terms found in ``tokens``, longest first at each position, → their expansions."""
        found: dict[str, list[str]] = {}
        i = 0
        while i < len(tokens):
            term, expansions = self._longest_at(tokens, i)
            if term:
                found.setdefault(" ".join(term), list(expansions))
                i += len(term)
            else:
                i += 1
        return found

    def _longest_at(self, tokens: Sequence[str], start: int) -> tuple[Term, tuple[str, ...]]:
        for length in range(min(self.longest_term, len(tokens) - start), 0, -1):
            term = tuple(tokens[start : start + length])
            expansions = self.expansions.get(term) or self.expansions.get(_singular_last(term))
            if expansions:
                return term, expansions
        return (), ()


def _rules(line: str) -> list[tuple[Term, list[str]]]:
    line = line.split("#", 1)[0].strip()
    if not line:
        return []
    if "=>" in line:
        left, _, right = line.partition("=>")
        targets = _phrases(right)
        return [(term, targets) for term in map(_term, _phrases(left)) if term and targets]
    phrases = _phrases(line)
    return [(_term(phrase), phrases) for phrase in phrases if len(phrases) > 1]


def _phrases(text: str) -> list[str]:
    phrases = (" ".join(tokenize(part)) for part in text.split(","))
    return list(dict.fromkeys(p for p in phrases if p))


def _term(phrase: str) -> Term:
    return tuple(phrase.split())


def _singular_last(term: Term) -> Term:
    """A plural in the query finds the singular in the table: "laptops" uses the line for "laptop"."""
    last = term[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        return (*term[:-1], last[:-1])
    return term
