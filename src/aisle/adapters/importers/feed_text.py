"""Text from third-party catalog feeds, repaired the way their mistakes are known to go, so that a product is not
refused for a character its source garbled (the API refuses control characters)."""

from __future__ import annotations

import re

from aisle.services.input_model import CONTROL_CHARACTERS

_C1_CONTROLS = re.compile("[\x80-\x9f]")
# Spacing accents (U+02CA, U+02DC ...), never part of a word in a product's text: glued to one they make another
# word of it ("iPhone\u02ca 6" is not found by "iphone")
_SPACING_ACCENTS = re.compile("[\u02c2-\u02df\u02e5-\u02ff]")
# "500 pc(s)", "2400 pcs.": a count of pieces, which the engine's stemmer would read as "pc" (a computer);
# "2 PCs" are computers
_PIECE_COUNT = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)\s*(?:[Pp]c\(s\)|(?:pcs|Pcs|PCS)\b\.?)")


def repaired(text: str) -> str:
    """``text`` with the C1 control characters a feed got by reading Windows-1252 bytes as Latin-1 put back as the
    characters meant ("Insignia\\x99" is "Insignia™", "\\x84" a low quotation mark), and other control characters
    dropped: those the API refuses (tabs and line breaks stay); spacing accents dropped too."""
    return _SPACING_ACCENTS.sub("", CONTROL_CHARACTERS.sub("", _C1_CONTROLS.sub(_as_windows_1252, text)))


def _as_windows_1252(control: re.Match[str]) -> str:
    try:
        return control.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:  # five bytes Windows-1252 leaves undefined
        return ""


def pieces_spelled_out(text: str) -> str:
    """``text`` with counts of pieces written as words: "Jigsaw puzzle 1500 pc(s)" is "Jigsaw puzzle 1500
    pieces", so that a search for "pc" finds computers, not every puzzle and pack of labels."""
    return _PIECE_COUNT.sub(lambda count: f"{count.group(1)} {'piece' if count.group(1) == '1' else 'pieces'}", text)
