"""Whether a text has anything to see: a title or a review of zero-width spaces is blank however long it is."""

from __future__ import annotations

import unicodedata


def shows_anything(value: str) -> bool:
    """Whether the text has something to see: not only spaces and invisible marks (zero-width spaces)."""
    return any(unicodedata.category(character)[0] in "LNPS" for character in value)
