"""A query cut into lexemes: words, numbers and the few symbols that carry meaning in a shopper's query.

Everything else (quotes, brackets, colons, carets, asterisks, backslashes, slashes) only separates lexemes, so
no query syntax ever reaches the engine. Numbers keep their decimal point, thousands commas and a "k" ("1.5k")
so that prices can be read from them; a number glued to letters is a word, as the engine sees it ("30w", "s7").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from aisle.domain.search.text import tokenize


class Kind(Enum):
    WORD = "word"
    NUMBER = "number"
    SYMBOL = "symbol"


@dataclass(frozen=True)
class Lexeme:
    text: str
    kind: Kind

    @property
    def tokens(self) -> list[str]:
        """The engine's tokens for this lexeme: "1,000" is ("1", "000"), a symbol is none."""
        return [] if self.kind is Kind.SYMBOL else tokenize(self.text)


_LEXEME = re.compile(
    r"""(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?k?)(?![^\W_])
      | (?P<word>[^\W_]+)
      | (?P<symbol>[$€£+<>=~&★⭐-])""",
    re.VERBOSE,
)
_POSSESSIVE = re.compile(r"(?<=[^\W_])'s\b")  # "men's" is "men": the engine's "s" says nothing


def lex(normalized: str) -> list[Lexeme]:
    """The lexemes of text already in normal form (see ``text.normalize``)."""
    return [
        Lexeme(match.group(), Kind(match.lastgroup))
        for match in _LEXEME.finditer(_POSSESSIVE.sub("", normalized))
        if match.lastgroup
    ]
