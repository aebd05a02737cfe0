"""Whether a text has anything to see: a title or a review of zero-width spaces is blank however long it is."""

from __future__ import annotations

import unicodedata

# Letters and symbols that draw nothing: the Hangul fillers and the blank Braille pattern, favourite "invisible
# names" because Unicode files them as letters and symbols, not as spaces
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def shows_anything(value: str) -> bool:
    """Whether the text has something to see: not only spaces, invisible marks (zero-width spaces) and blank
    glyphs."""
    return any(unicodedata.category(ch)[0] in "LNPS" and ch not in BLANK_GLYPHS for ch in value)
